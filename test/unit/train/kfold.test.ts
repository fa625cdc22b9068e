import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isLikelyMislabeled, MISLABELED_RULE, outOfFoldFacts } from '../../../src/domain/mislabeled-rule.ts';
import { outOfFoldPredictions, stratifiedFolds, type OofResult } from '../../../src/train/kfold.ts';
import { blobs, randomCenters } from './synthetic.ts';

/** The rows the app would flag: assessable, and the rule says so on their out-of-fold facts. */
function suspects(oof: OofResult, numClasses: number, y: Int32Array) {
  const out = [];
  for (let i = 0; i < y.length; i++) {
    if (!oof.assessable[i]) continue;
    const facts = outOfFoldFacts(oof.probs, i, numClasses, y[i]!);
    if (isLikelyMislabeled(y[i]!, facts)) out.push({ index: i, label: y[i]!, ...facts });
  }
  return out;
}

test('the rule flags exactly the deliberately flipped labels of a separable set', async () => {
  const d = 16;
  const C = 4;
  const n = 400;
  const rows = blobs(randomCenters(C, d, 3, 91), n, 0.5, 92);
  const flipped = [3, 50, 101, 222, 399];
  const y = rows.y.slice();
  for (const i of flipped) y[i] = (y[i]! + 2) % C;
  const oof = await outOfFoldPredictions({ featureDim: d, numClasses: C, x: rows.x, y }, { seed: 3 });
  assert.equal(oof.k, 5);
  const found = suspects(oof, C, y);
  assert.deepEqual(
    found.map((s) => s.index),
    flipped,
  );
  for (const s of found) {
    assert.equal(s.predicted, rows.y[s.index]); // the true class
    assert.equal(s.label, y[s.index]);
    assert.ok(
      s.probability >= MISLABELED_RULE.minOtherClassProbability &&
        s.labelProbability! <= MISLABELED_RULE.maxLabelProbability,
    );
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
  const oof = await outOfFoldPredictions({ featureDim: d, numClasses: 4, x, y }, { k: 3, seed: 1 });
  assert.equal(oof.assessable[60], 0);
  assert.ok(!suspects(oof, 4, y).some((s) => s.index === 60));
});
