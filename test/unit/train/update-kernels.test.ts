import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createUpdateKernels } from '../../../src/train/update-kernels.ts';
import { mulberry32 } from '../../../src/train/random.ts';

test('the wasm SIMD update kernels agree with the JS ones', (t) => {
  const n = 1030; // not a multiple of 4
  const simd = createUpdateKernels(n, true);
  const js = createUpdateKernels(n, false);
  if (!simd.simd) return t.skip('WebAssembly SIMD is not available here');
  assert.equal(js.simd, false);
  for (const k of [simd, js]) {
    const r = mulberry32(3);
    for (let j = 0; j < n; j++) {
      k.w[j] = r() - 0.5;
      k.penalty[j] = 2e-3;
    }
  }
  const r = mulberry32(4);
  for (let step = 1; step <= 100; step++) {
    for (let j = 0; j < n; j++) simd.grad[j] = js.grad[j] = r() - 0.5;
    const a = (1e-2 * Math.sqrt(1 - 0.999 ** step)) / (1 - 0.9 ** step);
    simd.adam(a, 0.9, 0.999, 1e-7);
    js.adam(a, 0.9, 0.999, 1e-7);
  }
  for (let step = 1; step <= 50; step++) {
    for (let j = 0; j < n; j++) simd.grad[j] = js.grad[j] = r() - 0.5;
    simd.momentum(1e-2, 0.9);
    js.momentum(1e-2, 0.9);
  }
  let worst = 0;
  for (let j = 0; j < n; j++) worst = Math.max(worst, Math.abs(simd.w[j]! - js.w[j]!));
  // Only float32 vs float64 rounding separates them.
  assert.ok(worst < 1e-5, `max difference ${worst}`);
});
