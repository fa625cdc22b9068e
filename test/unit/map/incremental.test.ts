// A layout cached for a feature set that then changes a little is updated, not computed again:
// old points keep their places exactly and only the new ones are placed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { blobs } from '../../../src/map/clusters.ts';
import { MAX_PLACED_SHARE, updateLayout } from '../../../src/map/incremental.ts';
import { readLayoutFile, type Layout, type LayoutMethod } from '../../../src/map/layout-cache.ts';
import { mapLayoutFile, runLayoutTask } from '../../../src/services/map.ts';
import { readFeatureMatrix } from '../../../src/store/map.ts';
import { mapProject } from './fixture.ts';

const DIMS = 24;
const GROUPS = 3;
const noHooks = { signal: new AbortController().signal, progress: () => {} };

/** 90 images of 3 blobs in the project, and 30 more rows of the same blobs to add later. */
function project(t: { after(fn: () => void): void }) {
  const fx = mapProject(t);
  const { m } = blobs(GROUPS, 40, DIMS, 2);
  const row = (r: number): Float32Array => m.data.slice(r * DIMS, (r + 1) * DIMS);
  for (let r = 0; r < 90; r++) fx.addImage(`i${r}`, row(r));
  const model = { id: fx.modelId, sha256: 'abc123' };
  const layOut = (method: LayoutMethod, force = false) =>
    runLayoutTask(
      {
        projectPath: fx.project.path,
        modelId: fx.modelId,
        method,
        file: mapLayoutFile(fx.dir, fx.project, model, method),
        force,
      },
      noHooks,
    );
  const layout = (method: LayoutMethod): Layout =>
    readLayoutFile(mapLayoutFile(fx.dir, fx.project, model, method))!;
  const add = (r: number): void => void fx.addImage(`i${r}`, row(r));
  return { ...fx, layOut, layout, add };
}

function at(layout: Layout, hash: string): [number, number] {
  const i = layout.hashes.indexOf(hash);
  assert.ok(i >= 0, hash);
  return [layout.coords[i * 2]!, layout.coords[i * 2 + 1]!];
}

const blobOf = (hash: string): number => Number(hash.slice('hash-i'.length)) % GROUPS;

/** The blob of the nearest point on the map among the first 90 (the points laid out in full). */
function nearestOldBlob(layout: Layout, hash: string): number {
  const [x, y] = at(layout, hash);
  let best = '';
  let bestD = Infinity;
  for (let r = 0; r < 90; r++) {
    const [ox, oy] = at(layout, `hash-i${r}`);
    const d = (ox - x) ** 2 + (oy - y) ** 2;
    if (d < bestD) {
      bestD = d;
      best = `hash-i${r}`;
    }
  }
  return blobOf(best);
}

for (const method of ['pca', 'umap'] as const) {
  test(`${method}: a few new images are placed into the cached layout; every old point keeps its place`, async (t) => {
    const fx = project(t);
    const first = await fx.layOut(method);
    assert.equal(first.placed, 0);
    const before = fx.layout(method);
    for (let r = 90; r < 99; r++) fx.add(r);
    const result = await fx.layOut(method);
    assert.deepEqual([result.cached, result.placed, result.points], [false, 9, 99]);
    const after = fx.layout(method);
    assert.equal(after.placed, 9);
    for (let r = 0; r < 90; r++)
      assert.deepEqual(at(after, `hash-i${r}`), at(before, `hash-i${r}`), `point ${r} did not move`);
    for (let r = 90; r < 99; r++) {
      const [x, y] = at(after, `hash-i${r}`);
      assert.ok(Math.abs(x) <= 1 && Math.abs(y) <= 1);
      assert.equal(
        nearestOldBlob(after, `hash-i${r}`),
        blobOf(`hash-i${r}`),
        `new point ${r} lands in its blob`,
      );
    }
  });
}

test('more new points than the threshold (counting earlier placements) lay the whole set out again', async (t) => {
  const fx = project(t);
  await fx.layOut('pca');
  for (let r = 90; r < 105; r++) fx.add(r);
  assert.equal((await fx.layOut('pca')).placed, 15, '15 of 105 ≤ 20 %');
  for (let r = 105; r < 115; r++) fx.add(r);
  const full = await fx.layOut('pca');
  assert.ok(25 / 115 > MAX_PLACED_SHARE);
  assert.equal(full.placed, 0, '25 of 115 placed would be too many: a full layout');
  assert.equal(fx.layout('pca').placed, 0);
  fx.add(115);
  assert.equal((await fx.layOut('pca', true)).placed, 0, 'force lays everything out');
});

test('removing images keeps every other point where it was', async (t) => {
  const fx = project(t);
  await fx.layOut('umap');
  const before = fx.layout('umap');
  fx.project.db.prepare(`UPDATE images SET status = 'missing' WHERE name IN ('i3.jpg', 'i4.jpg')`).run();
  const result = await fx.layOut('umap');
  assert.deepEqual([result.cached, result.placed, result.points], [false, 0, 88]);
  const after = fx.layout('umap');
  assert.ok(!after.hashes.includes('hash-i3'));
  for (let r = 5; r < 90; r++) assert.deepEqual(at(after, `hash-i${r}`), at(before, `hash-i${r}`));
});

test('only the new images’ features are read', async (t) => {
  const fx = project(t);
  await fx.layOut('umap');
  const old = fx.layout('umap');
  const hashes = [...old.hashes.filter((h) => h !== 'hash-i7'), 'hash-i95', 'hash-i96'].sort();
  fx.add(95);
  fx.add(96);
  const asked: string[][] = [];
  const updated = updateLayout(old, { key: 'next', hashes }, 'umap', (wanted) => {
    asked.push(wanted);
    return readFeatureMatrix(fx.project.db, fx.modelId, wanted);
  });
  assert.deepEqual(asked, [['hash-i95', 'hash-i96']]);
  assert.equal(updated?.placed, 2);
  assert.equal(updated?.reduced?.length, hashes.length * 24);
  // A PCA layout cannot be updated as a UMAP one, nor one with no basis (written before).
  assert.equal(
    updateLayout({ ...old, basis: undefined }, { key: 'next', hashes }, 'umap', () => assert.fail()),
    null,
  );
  assert.equal(
    updateLayout(old, { key: 'next', hashes }, 'pca', () => assert.fail()),
    null,
  );
});
