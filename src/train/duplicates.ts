/**
 * Near-duplicate images: pairs whose feature vectors have cosine similarity ≥ a threshold, and
 * which of those pairs straddle splits ("leaks": the same picture in training and in
 * validation/test makes the held-out numbers look better than they are).
 *
 * Cost: all pairs, as blocked matrix products of L2-normalised rows — n²/2 × d multiply-adds
 * (10k × 1024: 51 G; 20k: 205 G) at roughly 15–18 G/s on one core under tfjs-wasm, i.e. ~3 s
 * and ~12 s, plus reading back n²/2 similarities for thresholding in JS. Each column block is one
 * [d, b] tensor kept for the whole run (XNNPACK packs it once); each row block is uploaded once.
 * Memory: ~2 copies of the features inside tfjs.
 */
import { useBestBackend } from '../model/tfjs-runtime.ts';
import { Yielder } from './abort.ts';
import type { Split } from './split.ts';

export interface DuplicateOptions {
  /** Cosine similarity at or above which two images count as near-duplicates. */
  threshold?: number;
  /** Split per row, to flag leaks. */
  splits?: ArrayLike<Split | null | undefined> | undefined;
  /** Reported instead of row indices. */
  ids?: readonly number[] | undefined;
  blockSize?: number;
  signal?: AbortSignal | undefined;
  /** Fraction of the pair blocks done, 0..1. */
  onProgress?: ((fraction: number) => void) | undefined;
}

export interface DuplicatePair {
  /** Row indices, a < b. */
  a: number;
  b: number;
  idA: number;
  idB: number;
  similarity: number;
  /** Both rows have splits and they differ. */
  leak: boolean;
}

export interface DuplicateReport {
  /** Most similar first. */
  pairs: DuplicatePair[];
  leaks: number;
  stats: {
    n: number;
    dim: number;
    blockSize: number;
    blockProducts: number;
    multiplyAdds: number;
    /** Rows with an all-zero feature vector, which have no direction and are never paired. */
    zeroRows: number;
    ms: number;
  };
}

export const DEFAULT_DUPLICATE_THRESHOLD = 0.98;
const DEFAULT_BLOCK = 1024;

export async function findNearDuplicates(
  x: Float32Array,
  n: number,
  dim: number,
  options: DuplicateOptions = {},
): Promise<DuplicateReport> {
  const started = performance.now();
  const threshold = options.threshold ?? DEFAULT_DUPLICATE_THRESHOLD;
  if (!(threshold > -1 && threshold <= 1))
    throw new RangeError(`threshold must be in (-1, 1] (got ${threshold})`);
  if (x.length !== n * dim) throw new RangeError(`x has ${x.length} values; expected ${n} rows × ${dim}`);
  const block = Math.max(1, Math.floor(options.blockSize ?? DEFAULT_BLOCK));
  const { splits, ids } = options;
  if (splits && splits.length !== n)
    throw new RangeError(`splits has ${splits.length} entries; expected ${n}`);
  if (ids && ids.length !== n) throw new RangeError(`ids has ${ids.length} entries; expected ${n}`);

  const { unit, zero } = normaliseRows(x, n, dim);
  const yielder = new Yielder(options.signal, 'Duplicate search');
  const { tf } = await useBestBackend();
  const starts: number[] = [];
  for (let s = 0; s < n; s += block) starts.push(s);
  const size = (b: number) => Math.min(block, n - starts[b]!);
  const columns: ReturnType<typeof tf.tensor2d>[] = [];
  const pairs: DuplicatePair[] = [];
  const total = (starts.length * (starts.length + 1)) / 2;
  let done = 0;
  try {
    for (let b = 0; b < starts.length; b++) {
      const rows = size(b);
      const t = new Float32Array(dim * rows);
      const from = starts[b]! * dim;
      for (let i = 0; i < rows; i++)
        for (let k = 0; k < dim; k++) t[k * rows + i] = unit[from + i * dim + k]!;
      columns.push(tf.tensor2d(t, [dim, rows]));
      if (yielder.due()) await yielder.yieldNow();
    }
    for (let bi = 0; bi < starts.length; bi++) {
      const ri = size(bi);
      const i0 = starts[bi]!;
      const A = tf.tensor2d(unit.subarray(i0 * dim, (i0 + ri) * dim), [ri, dim]);
      try {
        for (let bj = bi; bj < starts.length; bj++) {
          const rj = size(bj);
          const j0 = starts[bj]!;
          const S = tf.matMul(A, columns[bj]!);
          let sim: Float32Array;
          try {
            sim = S.dataSync() as Float32Array;
          } finally {
            S.dispose();
          }
          for (let i = 0; i < ri; i++) {
            const a = i0 + i;
            if (zero[a]) continue;
            const row = i * rj;
            for (let j = bi === bj ? i + 1 : 0; j < rj; j++) {
              const s = sim[row + j]!;
              if (s < threshold) continue;
              const b = j0 + j;
              if (zero[b]) continue;
              const sa = splits?.[a];
              const sb = splits?.[b];
              pairs.push({
                a,
                b,
                idA: ids ? ids[a]! : a,
                idB: ids ? ids[b]! : b,
                similarity: Math.min(1, s),
                leak: !!sa && !!sb && sa !== sb,
              });
            }
          }
          done++;
          options.onProgress?.(done / total);
          if (yielder.due()) await yielder.yieldNow();
        }
      } finally {
        A.dispose();
      }
    }
  } finally {
    for (const c of columns) c.dispose();
  }
  pairs.sort((p, q) => q.similarity - p.similarity || p.a - q.a || p.b - q.b);
  let zeroRows = 0;
  for (let i = 0; i < n; i++) zeroRows += zero[i]!;
  return {
    pairs,
    leaks: pairs.filter((p) => p.leak).length,
    stats: {
      n,
      dim,
      blockSize: block,
      blockProducts: total,
      multiplyAdds: (n * (n + 1) * dim) / 2,
      zeroRows,
      ms: performance.now() - started,
    },
  };
}

function normaliseRows(x: Float32Array, n: number, d: number): { unit: Float32Array; zero: Uint8Array } {
  const unit = new Float32Array(n * d);
  const zero = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const row = i * d;
    let ss = 0;
    for (let k = 0; k < d; k++) ss += x[row + k]! * x[row + k]!;
    if (!(ss > 0) || !Number.isFinite(ss)) {
      zero[i] = 1;
      continue;
    }
    const inv = 1 / Math.sqrt(ss);
    for (let k = 0; k < d; k++) unit[row + k] = x[row + k]! * inv;
  }
  return { unit, zero };
}
