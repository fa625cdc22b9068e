import test from 'node:test';
import assert from 'node:assert/strict';
import { float32Allowance } from '../../../src/export/rounding-floor.ts';
import { mulberry32 } from '../../../src/train/random.ts';

const D = 1024;

function features(seed: number, mean: number, spread: number): Float32Array {
  const rand = mulberry32(seed);
  return Float32Array.from({ length: D }, () => mean + spread * (2 * rand() - 1));
}

test('a well-conditioned head keeps the float32 bound at 1e-4', () => {
  const rand = mulberry32(1);
  const head = {
    weights: Float32Array.from({ length: D * 3 }, () => 0.05 * (2 * rand() - 1)),
    bias: new Float32Array(3),
  };
  for (let s = 0; s < 5; s++) {
    const a = float32Allowance(head, features(10 + s, 0.5, 0.5));
    assert.ok(a < 1e-5, `allowance ${a} should be far below 1e-4`);
  }
});

test('a head that amplifies rounding near its boundary gets a measured floor above 1e-4', () => {
  // Features that share one large direction (mean 40, spread 1) and weights of ±100 whose products
  // nearly cancel: the logit difference is small, but each term is huge.
  const rand = mulberry32(2);
  const w = Float32Array.from({ length: D }, () => 100 * (2 * rand() - 1));
  const f = features(3, 40, 1);
  let dot = 0;
  for (let k = 0; k < D; k++) dot += (f[k] as number) * (w[k] as number);
  const weights = new Float32Array(D * 2);
  for (let k = 0; k < D; k++) weights[k * 2] = w[k] as number;
  // Bias puts the image on the decision boundary (p ≈ 0.5), where the softmax is steepest.
  const head = { weights, bias: Float32Array.of(-dot, 0) };
  const a = float32Allowance(head, f);
  assert.ok(a > 1e-4, `allowance ${a} should exceed 1e-4`);
  assert.ok(a < 0.5, `allowance ${a} must stay a bound, not accept anything`);
  // Repeatable: the check must not pass one run and fail the next.
  assert.equal(float32Allowance(head, f), a);
});
