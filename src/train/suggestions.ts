/**
 * Ordering the model's predictions on unlabeled images for review: most uncertain first (smallest
 * margin between the top two classes — the images a label teaches the model most about) or most
 * confident first (quick to accept in bulk), plus a count for "accept all above p" previews.
 */
import type { Prediction } from './predict.ts';

export type SuggestionOrder = 'uncertain' | 'confident';

export interface Suggestion {
  /** Row index into the prediction. */
  index: number;
  /** ids[index] when ids were given, otherwise the row index. */
  id: number;
  predicted: number;
  probability: number;
  margin: number;
}

/**
 * 'uncertain': margin ascending, then top probability ascending. 'confident': top probability
 * descending, then margin descending. Ties keep row order, so the result is deterministic.
 */
export function rankSuggestions(
  pred: Pick<Prediction, 'top' | 'topProb' | 'margin'>,
  order: SuggestionOrder,
  ids?: readonly number[],
  limit = Infinity,
): Suggestion[] {
  const n = pred.top.length;
  if (ids && ids.length !== n) throw new RangeError(`ids has ${ids.length} entries; expected ${n}`);
  const idx = Array.from({ length: n }, (_, i) => i);
  const { topProb: p, margin: m } = pred;
  if (order === 'uncertain') idx.sort((a, b) => m[a]! - m[b]! || p[a]! - p[b]! || a - b);
  else idx.sort((a, b) => p[b]! - p[a]! || m[b]! - m[a]! || a - b);
  const count = Math.min(n, Math.max(0, limit));
  const out: Suggestion[] = [];
  for (let r = 0; r < count; r++) {
    const i = idx[r]!;
    out.push({ index: i, id: ids ? ids[i]! : i, predicted: pred.top[i]!, probability: p[i]!, margin: m[i]! });
  }
  return out;
}

/**
 * How many predictions have a top probability ≥ p. For a Float32Array, p is rounded to float32
 * first, so that a stored 0.9 counts as "at least 0.9".
 */
export function countAbove(topProb: ArrayLike<number>, p: number): number {
  const t = topProb instanceof Float32Array ? Math.fround(p) : p;
  let count = 0;
  for (let i = 0; i < topProb.length; i++) if (topProb[i]! >= t) count++;
  return count;
}
