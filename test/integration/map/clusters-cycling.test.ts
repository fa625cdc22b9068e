// Clustering 2 000 rows with k picked by silhouette takes seconds: not a unit test.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { blobs, proposeClusters } from '../../../src/map/clusters.ts';
import { adjustedRand } from '../../unit/map/fixture.ts';

test('k is found when rows cycle through the groups (the silhouette sample does not alias)', () => {
  // blobs() interleaves its groups (row r is in group r % 5): an evenly spaced sample of 600 of
  // 2 000 rows would only ever see three of the five.
  const { m, truth } = blobs(5, 400, 64, 3);
  const r = proposeClusters(m);
  assert.equal(r.k, 5);
  assert.ok(adjustedRand(truth, r.assignments) >= 0.9);
});
