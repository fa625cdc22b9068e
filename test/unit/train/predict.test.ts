import { test } from 'node:test';
import assert from 'node:assert/strict';
import { predictHead } from '../../../src/train/predict.ts';
import { mulberry32 } from '../../../src/train/random.ts';

test('matches a float64 reference across chunk boundaries', async () => {
  const d = 7;
  const C = 4;
  const n = 53;
  const r = mulberry32(9);
  const x = Float32Array.from({ length: n * d }, () => r() * 4 - 2);
  const weights = Float32Array.from({ length: d * C }, () => r() - 0.5);
  const bias = Float32Array.from({ length: C }, () => r() - 0.5);
  const p = await predictHead({ weights, bias }, x, n, { rowsPerChunk: 10 });
  for (let i = 0; i < n; i++) {
    const z = Array.from({ length: C }, (_, c) => {
      let s = bias[c]!;
      for (let k = 0; k < d; k++) s += x[i * d + k]! * weights[k * C + c]!;
      return s;
    });
    const max = Math.max(...z);
    const e = z.map((v) => Math.exp(v - max));
    const sum = e.reduce((a, b) => a + b, 0);
    const probs = e.map((v) => v / sum);
    const order = probs.map((v, c) => [v, c] as const).sort((a, b) => b[0] - a[0]);
    for (let c = 0; c < C; c++) assert.ok(Math.abs(p.probs[i * C + c]! - probs[c]!) < 1e-5);
    assert.equal(p.top[i], order[0]![1]);
    assert.ok(Math.abs(p.topProb[i]! - order[0]![0]) < 1e-5);
    assert.ok(Math.abs(p.margin[i]! - (order[0]![0] - order[1]![0])) < 1e-5);
  }
});

test('zero rows, shape errors, cancellation', async () => {
  const head = { weights: new Float32Array(6), bias: new Float32Array(2) };
  const empty = await predictHead(head, new Float32Array(0), 0);
  assert.equal(empty.top.length, 0);
  await assert.rejects(predictHead(head, new Float32Array(5), 2), /expected 2 rows × 3/);
  await assert.rejects(predictHead(head, new Float32Array(6), 2, { signal: AbortSignal.abort() }), {
    name: 'AbortError',
  });
  // Equal logits: a toss-up, lowest index wins.
  const tie = await predictHead(head, new Float32Array(3), 1);
  assert.equal(tie.top[0], 0);
  assert.equal(tie.margin[0], 0);
  assert.equal(tie.topProb[0], 0.5);
});
