import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lowerBound32, upperBound32 } from '../../../src/domain/float32-bounds.ts';
import { isLikelyMislabeled, MISLABELED_RULE, outOfFoldFacts } from '../../../src/domain/mislabeled-rule.ts';

test('likely mislabeled: another class confidently predicted AND the given label unlikely', () => {
  const { minOtherClassProbability: min, maxLabelProbability: max } = MISLABELED_RULE;
  const at = (probability: number, labelProbability: number | null, predicted = 1) =>
    isLikelyMislabeled(0, { predicted, probability, labelProbability });
  assert.equal(at(min, max), true, 'both at their limits');
  assert.equal(at(0.95, 0.02), true);
  assert.equal(at(min - 0.01, 0.05), false, 'the other class is not sure enough');
  assert.equal(at(0.75, max + 0.01), false, 'confident elsewhere, but the label keeps a real chance');
  assert.equal(at(0.99, 0.0, 0), false, 'the prediction agrees with the label');
  // Runs stored without the label's probability: 1 − top bounds it from above.
  assert.equal(at(0.9, null), true);
  assert.equal(at(0.8, null), false);
  // A higher minimum narrows the rule; a lower one never widens it.
  assert.equal(isLikelyMislabeled(0, { predicted: 1, probability: 0.8, labelProbability: 0.1 }, 0.85), false);
  assert.equal(isLikelyMislabeled(0, { predicted: 1, probability: 0.69, labelProbability: 0.1 }, 0.2), false);
});

test('the limits hold for probabilities stored as float32', () => {
  const f = (v: number) => Math.fround(v);
  const { minOtherClassProbability: min, maxLabelProbability: max } = MISLABELED_RULE;
  assert.ok(f(min) < min && f(max) > max, 'the float32 neighbours fall on the wrong side as doubles');
  assert.equal(isLikelyMislabeled(0, { predicted: 1, probability: f(min), labelProbability: f(max) }), true);
  // The bounds move by one float32 step at most, never across another float32.
  assert.equal(lowerBound32(0.9), f(0.9));
  assert.ok(lowerBound32(0.6) <= 0.6 && lowerBound32(0.6) > f(0.6) - 1e-7);
  assert.equal(upperBound32(0.15), f(0.15));
  assert.equal(lowerBound32(0.75), 0.75);
  assert.equal(lowerBound32(0), 0);
  assert.equal(upperBound32(1), 1);
});

test('outOfFoldFacts reads the top class and the label from a row of probabilities', () => {
  const probs = Float32Array.from([0.1, 0.2, 0.7, 0.05, 0.9, 0.05]);
  assert.deepEqual(outOfFoldFacts(probs, 0, 3, 0), {
    predicted: 2,
    probability: probs[2],
    labelProbability: probs[0],
  });
  assert.deepEqual(outOfFoldFacts(probs, 1, 3, 1), {
    predicted: 1,
    probability: probs[4],
    labelProbability: probs[4],
  });
});
