import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findLikelyMislabeled, stratifiedFolds } from '../../../src/train/kfold.ts';
import { blobs, randomCenters } from './synthetic.ts';

test('flags deliberately flipped labels in a separable set, most suspicious first', async () => {
  const d = 16;
  const C = 4;
  const n = 400;
  const rows = blobs(randomCenters(C, d, 3, 91), n, 0.5, 92);
  const flipped = [3, 50, 101, 222, 399];
  const y = rows.y.slice();
  for (const i of flipped) y[i] = (y[i]! + 2) % C;
  const ids = Array.from({ length: n }, (_, i) => 1000 + i);
  const { oof, suspects } = await findLikelyMislabeled(
    { featureDim: d, numClasses: C, x: rows.x, y },
    { seed: 3, ids },
  );
  assert.equal(oof.k, 5);
  assert.deepEqual(
    suspects.map((s) => s.index).sort((a, b) => a - b),
    flipped,
  );
  for (const s of suspects) {
    assert.equal(s.id, 1000 + s.index);
    assert.equal(s.predicted, rows.y[s.index]); // the true class
    assert.equal(s.label, y[s.index]);
    assert.ok(s.predictedProbability >= 0.7 && s.labelProbability <= 0.15);
  }
  for (let i = 1; i < suspects.length; i++) {
    assert.ok(suspects[i - 1]!.labelProbability <= suspects[i]!.labelProbability);
  }
});

test('folds are stratified, seeded, and keep groups together', () => {
  const y = Int32Array.from({ length: 100 }, (_, i) => (i < 60 ? 0 : 1));
  const f = stratifiedFolds(y, 5, 7);
  assert.deepEqual(f, stratifiedFolds(y, 5, 7));
  assert.notDeepEqual(f, stratifiedFolds(y, 5, 8));
  for (let k = 0; k < 5; k++) {
    const inFold = [...f.keys()].filter((i) => f[i] === k);
    assert.equal(inFold.filter((i) => y[i] === 0).length, 12);
    assert.equal(inFold.filter((i) => y[i] === 1).length, 8);
  }
  const groups = Int32Array.from({ length: 100 }, (_, i) => Math.floor(i / 4)); // 4 variants per image
  const g = stratifiedFolds(y, 5, 7, groups);
  for (let i = 0; i < 100; i++) assert.equal(g[i], g[i - (i % 4)]);
});

test('a class too small to judge is never flagged', async () => {
  const d = 8;
  const rows = blobs(randomCenters(3, d, 3, 95), 60, 0.5, 96);
  // One lone sample of class 3: its fold's model never saw class 3.
  const x = new Float32Array([...rows.x, ...rows.x.subarray(0, d)]);
  const y = Int32Array.from([...rows.y, 3]);
  const { oof, suspects } = await findLikelyMislabeled(
    { featureDim: d, numClasses: 4, x, y },
    { k: 3, seed: 1 },
  );
  assert.equal(oof.assessable[60], 0);
  assert.ok(!suspects.some((s) => s.index === 60));
});
