/** Seeded synthetic feature sets for the training tests. */
import { mulberry32 } from '../../../src/train/random.ts';

export function gaussian(rand: () => number): () => number {
  return () => {
    const u = 1 - rand();
    const v = rand();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  };
}

export interface Rows {
  x: Float32Array;
  y: Int32Array;
}

/**
 * Gaussian blobs: class c has mean `centers[c]` and isotropic noise `spread`. Labels cycle through
 * the classes so every class is equally represented.
 */
export function blobs(centers: Float64Array[], n: number, spread: number, seed: number): Rows {
  const d = centers[0]!.length;
  const C = centers.length;
  const g = gaussian(mulberry32(seed));
  const x = new Float32Array(n * d);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % C;
    y[i] = c;
    for (let k = 0; k < d; k++) x[i * d + k] = centers[c]![k]! + spread * g();
  }
  return { x, y };
}

export function randomCenters(C: number, d: number, scale: number, seed: number): Float64Array[] {
  const g = gaussian(mulberry32(seed));
  return Array.from({ length: C }, () => Float64Array.from({ length: d }, () => scale * g()));
}

/** Features independent of the labels. */
export function noise(n: number, d: number, C: number, seed: number): Rows {
  const g = gaussian(mulberry32(seed));
  const x = Float32Array.from({ length: n * d }, () => g());
  const y = Int32Array.from({ length: n }, (_, i) => i % C);
  return { x, y };
}

/** Mean softmax cross-entropy + l2·ΣW² of a head on rows, in float64. */
export function objective(
  weights: ArrayLike<number>,
  bias: ArrayLike<number>,
  rows: Rows,
  d: number,
  C: number,
  l2: number,
): number {
  const n = rows.y.length;
  let loss = 0;
  const z = new Float64Array(C);
  for (let i = 0; i < n; i++) {
    let max = -Infinity;
    for (let c = 0; c < C; c++) {
      let s = bias[c]!;
      for (let k = 0; k < d; k++) s += rows.x[i * d + k]! * weights[k * C + c]!;
      z[c] = s;
      max = Math.max(max, s);
    }
    let sum = 0;
    for (let c = 0; c < C; c++) sum += Math.exp(z[c]! - max);
    loss += Math.log(sum) + max - z[rows.y[i]!]!;
  }
  let pen = 0;
  for (let j = 0; j < d * C; j++) pen += weights[j]! * weights[j]!;
  return loss / n + l2 * pen;
}
