import assert from 'node:assert/strict';
import { test } from 'node:test';
import { blobs, proposeClusters } from '../../../src/map/clusters.ts';
import { clusterProposal } from '../../../src/services/map.ts';
import { pointInPolygon } from '../../../src/map/polygon.ts';
import { setLabels } from '../../../src/store/labels.ts';
import { createClass } from '../../../src/store/classes.ts';
import { adjustedRand, mapProject } from './fixture.ts';

test('the adjusted Rand index helper scores known cases', () => {
  assert.equal(adjustedRand([0, 0, 1, 1], [5, 5, 9, 9]), 1);
  assert.ok(adjustedRand([0, 0, 0, 1, 1, 1], [0, 1, 0, 1, 0, 1]) < 0.1);
  // Worked by hand: index 2, expected 6·3/15 = 1.2, max 4.5 → 0.8 / 3.3.
  assert.ok(Math.abs(adjustedRand([0, 0, 0, 1, 1, 1], [0, 0, 1, 1, 2, 2]) - 0.2424242) < 1e-6);
});

test('k-means finds well-separated blobs with a given k (ARI ≥ 0.9)', () => {
  const { m, truth } = blobs(5, 80, 64, 3);
  const r = proposeClusters(m, 5);
  assert.equal(r.k, 5);
  assert.equal(r.automatic, false);
  const ari = adjustedRand(truth, r.assignments);
  assert.ok(ari >= 0.9, `ARI ${ari}`);
  assert.equal(
    r.members.reduce((s, x) => s + x.length, 0),
    400,
  );
});

test('k is picked by silhouette when not given, and finds the blobs', () => {
  const { m, truth } = blobs(4, 60, 128, 9);
  const r = proposeClusters(m);
  assert.equal(r.automatic, true);
  assert.equal(r.k, 4);
  assert.ok(adjustedRand(truth, r.assignments) >= 0.9);
  assert.ok(r.silhouette !== null && r.silhouette > 0.5, `silhouette ${r.silhouette}`);
});

test('members run from most to least typical', () => {
  const { m } = blobs(2, 30, 16, 5);
  // Push one member of blob 0 far from its centre (still closer to it than to blob 1).
  const far = 0;
  const base = m.data.slice(0, 16);
  for (let c = 0; c < 16; c++) m.data[far * 16 + c] = base[c]! + (c === 0 ? 4 : 0);
  const r = proposeClusters(m, 2);
  const group = r.members.find((g) => g.includes(far))!;
  assert.equal(group.at(-1), far, 'the pushed row is the least typical of its group');
});

test('cluster proposals cover the unlabeled images with features and say how many lack them', (t) => {
  const fx = mapProject(t);
  const { m, truth } = blobs(3, 20, 32, 4);
  const ids: number[] = [];
  for (let r = 0; r < m.rows; r++) ids.push(fx.addImage(`i${r}`, m.data.slice(r * 32, (r + 1) * 32)));
  fx.addImage('nofeatures', null);
  const cls = createClass(fx.project.db, { name: 'done' });
  setLabels(fx.project.db, [ids[0]!], cls.id);
  const p = clusterProposal(fx.project, fx.modelId, { scope: 'unlabeled', typical: 3, atypical: 2, k: 3 });
  assert.equal(p.withoutFeatures, 1);
  assert.equal(
    p.clusters.reduce((s, c) => s + c.size, 0),
    59,
  );
  assert.ok(!p.clusters.some((c) => c.imageIds.includes(ids[0]!)), 'labeled images are left out');
  for (const c of p.clusters) {
    assert.equal(c.typical.length, 3);
    assert.equal(c.atypical.length, 2);
    const groups = new Set(c.imageIds.map((id) => truth[ids.indexOf(id)]));
    assert.equal(groups.size, 1, 'each proposed group is one blob');
  }
  // Splitting one group: only its images are clustered.
  const first = p.clusters[0]!;
  const split = clusterProposal(fx.project, fx.modelId, {
    scope: 'unlabeled',
    imageIds: first.imageIds,
    k: 2,
    typical: 1,
    atypical: 0,
  });
  assert.deepEqual(
    split.clusters.flatMap((c) => c.imageIds).sort((a, b) => a - b),
    [...first.imageIds].sort((a, b) => a - b),
  );
});

test('the lasso hit test follows the polygon, concave parts included', () => {
  // A "U": the notch in the middle is outside.
  const u: [number, number][] = [
    [0, 0],
    [3, 0],
    [3, 3],
    [2, 3],
    [2, 1],
    [1, 1],
    [1, 3],
    [0, 3],
  ];
  assert.equal(pointInPolygon(0.5, 2, u), true);
  assert.equal(pointInPolygon(2.5, 2, u), true);
  assert.equal(pointInPolygon(1.5, 2, u), false);
  assert.equal(pointInPolygon(1.5, 0.5, u), true);
  assert.equal(pointInPolygon(4, 1, u), false);
});
