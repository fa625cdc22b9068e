/**
 * Applies a trained head (logits = x·W + b, softmax) to many feature vectors.
 *
 * The product runs in tfjs in chunks of rows; W is one tensor for the whole call, so XNNPACK
 * packs it once. Softmax, arg-max and margin run in JS on each chunk's [rows, C] logits.
 */
import { useBestBackend } from '../model/tfjs-runtime.ts';
import { throwIfAborted } from './abort.ts';
import type { HeadWeights } from './head.ts';

export interface Prediction {
  /** n × C, row-major. */
  probs: Float32Array;
  /** Arg-max class per row (lowest index on ties; -1 for a row whose features are not finite). */
  top: Int32Array;
  topProb: Float32Array;
  /** Top probability minus the runner-up's (0 = a toss-up, 1 = certain). */
  margin: Float32Array;
}

export interface PredictOptions {
  signal?: AbortSignal | undefined;
  /** Rows per tfjs product; default 4M values' worth (16 MiB, 4096 rows at d = 1024). */
  rowsPerChunk?: number | undefined;
}

const CHUNK_VALUES = 4 * 1024 * 1024;

export async function predictHead(
  head: Pick<HeadWeights, 'weights' | 'bias'>,
  x: Float32Array,
  n: number,
  options: PredictOptions = {},
): Promise<Prediction> {
  const C = head.bias.length;
  if (C < 1 || head.weights.length % C !== 0) {
    throw new RangeError(
      `head has ${head.weights.length} weights for ${C} classes; expected featureDim × ${C}`,
    );
  }
  const d = head.weights.length / C;
  if (!Number.isInteger(n) || n < 0 || x.length !== n * d) {
    throw new RangeError(`x has ${x.length} values; expected ${n} rows × ${d} features`);
  }
  const probs = new Float32Array(n * C);
  const top = new Int32Array(n);
  const topProb = new Float32Array(n);
  const margin = new Float32Array(n);
  if (n === 0) return { probs, top, topProb, margin };

  const { tf } = await useBestBackend();
  const rowsPerChunk = Math.max(1, Math.floor(options.rowsPerChunk ?? CHUNK_VALUES / d));
  const W = tf.tensor2d(head.weights, [d, C]);
  try {
    for (let start = 0; start < n; start += rowsPerChunk) {
      throwIfAborted(options.signal, 'Prediction');
      const rows = Math.min(rowsPerChunk, n - start);
      const logits = tf.tidy(() =>
        tf.matMul(tf.tensor2d(x.subarray(start * d, (start + rows) * d), [rows, d]), W),
      );
      let z: Float32Array;
      try {
        z = logits.dataSync() as Float32Array;
      } finally {
        logits.dispose();
      }
      softmaxRows(z, rows, C, head.bias, probs, start, top, topProb, margin);
    }
  } finally {
    W.dispose();
  }
  return { probs, top, topProb, margin };
}

function softmaxRows(
  z: Float32Array,
  rows: number,
  C: number,
  bias: Float32Array,
  probs: Float32Array,
  start: number,
  top: Int32Array,
  topProb: Float32Array,
  margin: Float32Array,
): void {
  for (let r = 0; r < rows; r++) {
    const zi = r * C;
    const out = (start + r) * C;
    let max = -Infinity;
    for (let c = 0; c < C; c++) {
      const v = z[zi + c]! + bias[c]!;
      z[zi + c] = v;
      if (v > max) max = v;
    }
    let sum = 0;
    for (let c = 0; c < C; c++) sum += probs[out + c] = Math.exp(z[zi + c]! - max);
    let best = -1;
    let p1 = -1;
    let p2 = 0;
    for (let c = 0; c < C; c++) {
      const p = probs[out + c]! / sum;
      probs[out + c] = p;
      if (p > p1) {
        p2 = p1;
        p1 = p;
        best = c;
      } else if (p > p2) {
        p2 = p;
      }
    }
    top[start + r] = best;
    topProb[start + r] = p1;
    margin[start + r] = C === 1 ? 1 : p1 - Math.max(p2, 0);
  }
}
