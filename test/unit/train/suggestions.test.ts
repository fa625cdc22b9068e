import { test } from 'node:test';
import assert from 'node:assert/strict';
import { countAbove, rankSuggestions } from '../../../src/train/suggestions.ts';

const pred = {
  top: Int32Array.from([0, 1, 2, 1, 0]),
  topProb: Float32Array.from([0.9, 0.55, 0.4, 0.99, 0.55]),
  margin: Float32Array.from([0.85, 0.1, 0.05, 0.98, 0.1]),
};

test('most uncertain first, and most confident first', () => {
  const ids = [10, 11, 12, 13, 14];
  assert.deepEqual(
    rankSuggestions(pred, 'uncertain', ids).map((s) => s.id),
    [12, 11, 14, 10, 13], // margin ascending; 11 and 14 tie on both keys → row order
  );
  assert.deepEqual(
    rankSuggestions(pred, 'confident').map((s) => s.index),
    [3, 0, 1, 4, 2],
  );
  const [first] = rankSuggestions(pred, 'confident', ids, 1);
  assert.deepEqual(first, {
    index: 3,
    id: 13,
    predicted: 1,
    probability: pred.topProb[3],
    margin: pred.margin[3],
  });
  assert.equal(rankSuggestions(pred, 'uncertain', undefined, 2).length, 2);
});

test('countAbove counts top probabilities at or above p', () => {
  assert.equal(countAbove(pred.topProb, 0.9), 2);
  assert.equal(countAbove(pred.topProb, 0.55), 4);
  assert.equal(countAbove([0.5, 0.7], 0.7), 1);
  assert.equal(countAbove(pred.topProb, 0), 5);
  assert.equal(countAbove(pred.topProb, 1), 0);
});
