/**
 * How far float32 rounding alone can move a head's probabilities for one image. Two correct runs
 * of the same network (another engine, another batch size, the exported graph) give features that
 * differ in their last bits: about 1e-6 relative (wasm executor vs onnxruntime: 1.1e-6). A head
 * trained on features that all share one large direction has large weights whose products nearly
 * cancel, so on an image near its decision boundary it can turn that into a 5e-4 probability
 * difference. A fixed 1e-4 bound would then fail a faithful export; this gives each image its own
 * floor instead, measured, not assumed: the features are perturbed by twice that relative noise
 * (seeded, so the check is repeatable) and the largest probability change seen, times four, is
 * what rounding may explain. A well-conditioned head gets a floor far below 1e-4, so its bound
 * stays 1e-4; a broken export moves probabilities by far more than any floor.
 */
import { mulberry32 } from '../train/random.ts';

const RELATIVE_NOISE = 2e-6;
const DRAWS = 8;
const SAFETY = 4;

function softmax64(weights: Float32Array, bias: Float32Array, f: ArrayLike<number>): Float64Array {
  const c = bias.length;
  const d = weights.length / c;
  const z = new Float64Array(c);
  for (let j = 0; j < c; j++) z[j] = bias[j] as number;
  for (let k = 0; k < d; k++) {
    const x = f[k] as number;
    if (x === 0) continue;
    for (let j = 0; j < c; j++) z[j] = (z[j] as number) + x * (weights[k * c + j] as number);
  }
  let max = -Infinity;
  for (const v of z) if (v > max) max = v;
  let sum = 0;
  for (let j = 0; j < c; j++) {
    z[j] = Math.exp((z[j] as number) - max);
    sum += z[j] as number;
  }
  for (let j = 0; j < c; j++) z[j] = (z[j] as number) / sum;
  return z;
}

/** `weights` is [featureDim × classes] row-major, as the head stores it. */
export function float32Allowance(
  head: { weights: Float32Array; bias: Float32Array },
  features: Float32Array,
): number {
  const base = softmax64(head.weights, head.bias, features);
  const rand = mulberry32(features.length * 7919 + head.bias.length);
  const noisy = new Float64Array(features.length);
  let worst = 0;
  for (let t = 0; t < DRAWS; t++) {
    for (let k = 0; k < features.length; k++) {
      noisy[k] = (features[k] as number) * (1 + (2 * rand() - 1) * RELATIVE_NOISE);
    }
    const p = softmax64(head.weights, head.bias, noisy);
    for (let j = 0; j < p.length; j++)
      worst = Math.max(worst, Math.abs((p[j] as number) - (base[j] as number)));
  }
  return SAFETY * worst;
}
