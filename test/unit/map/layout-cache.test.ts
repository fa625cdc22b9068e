import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { test } from 'node:test';
import { blobs } from '../../../src/map/clusters.ts';
import { readLayout } from '../../../src/map/layout-cache.ts';
import {
  currentPcaLayout,
  featureSet,
  mapLayoutFile,
  mapPoints,
  runLayoutTask,
} from '../../../src/services/map.ts';
import { ApiError } from '../../../src/domain/errors.ts';
import { mapProject } from './fixture.ts';

const DIMS = 24;

function seeded(t: { after(fn: () => void): void }, rows = 45) {
  const fx = mapProject(t);
  const { m } = blobs(3, rows / 3, DIMS, 2);
  const ids: number[] = [];
  for (let r = 0; r < m.rows; r++) ids.push(fx.addImage(`i${r}`, m.data.slice(r * DIMS, (r + 1) * DIMS)));
  return { ...fx, ids, model: { id: fx.modelId, sha256: 'abc123' } };
}

const noHooks = { signal: new AbortController().signal, progress: () => {} };

test('the PCA layout is cached per feature set and recomputed when the set changes', (t) => {
  const fx = seeded(t);
  const first = currentPcaLayout(fx.dir, fx.project, fx.model);
  assert.equal(first.hashes.length, 45);
  for (const v of first.coords) assert.ok(v >= -1 && v <= 1);
  const again = currentPcaLayout(fx.dir, fx.project, fx.model);
  assert.equal(again.createdAt, first.createdAt, 'the cached layout is read back, not recomputed');
  assert.deepEqual(again.coords, first.coords);

  // An image without features does not change the set; one with features does.
  fx.addImage('plain', null);
  assert.equal(currentPcaLayout(fx.dir, fx.project, fx.model).createdAt, first.createdAt);
  fx.addImage('new', new Float32Array(DIMS).fill(3));
  const changed = currentPcaLayout(fx.dir, fx.project, fx.model);
  assert.equal(changed.hashes.length, 46);
  assert.notEqual(changed.key, first.key);
  assert.equal(
    readLayout(mapLayoutFile(fx.dir, fx.project, fx.model, 'pca'), first.key),
    null,
    'the old key is stale',
  );
});

test('a damaged cache file is recomputed, not trusted', (t) => {
  const fx = seeded(t);
  const file = mapLayoutFile(fx.dir, fx.project, fx.model, 'pca');
  currentPcaLayout(fx.dir, fx.project, fx.model);
  writeFileSync(file, Buffer.from([1, 2, 3]));
  const set = featureSet(fx.project.db, fx.modelId);
  assert.equal(readLayout(file, set.key), null);
  assert.equal(currentPcaLayout(fx.dir, fx.project, fx.model).hashes.length, 45);
});

test('the UMAP job caches its layout and computes again only when the set changed', async (t) => {
  const fx = seeded(t, 60);
  const file = mapLayoutFile(fx.dir, fx.project, fx.model, 'umap');
  const input = {
    projectPath: fx.project.path,
    modelId: fx.modelId,
    method: 'umap' as const,
    file,
    force: false,
  };
  const phases: string[] = [];
  const first = await runLayoutTask(input, { ...noHooks, progress: (p) => phases.push(p.phase ?? '') });
  assert.equal(first.cached, false);
  assert.equal(first.points, 60);
  assert.ok(
    phases.some((p) => /^epoch \d+ of \d+$/.test(p)),
    'progress counts epochs',
  );
  assert.ok(existsSync(file));
  const second = await runLayoutTask(input, noHooks);
  assert.equal(second.cached, true);
  fx.addImage('late', new Float32Array(DIMS).fill(1));
  const third = await runLayoutTask(input, noHooks);
  assert.equal(third.cached, false);
  assert.equal(third.points, 61);
  // UMAP keeps the blobs apart: each point's nearest neighbour on the map is from its own blob.
  const layout = readLayout(file, featureSet(fx.project.db, fx.modelId).key)!;
  let same = 0;
  for (let i = 0; i < 60; i++) {
    let best = -1;
    let bestD = Infinity;
    for (let j = 0; j < 60; j++) {
      if (i === j) continue;
      const d =
        (layout.coords[i * 2]! - layout.coords[j * 2]!) ** 2 +
        (layout.coords[i * 2 + 1]! - layout.coords[j * 2 + 1]!) ** 2;
      if (d < bestD) {
        bestD = d;
        best = j;
      }
    }
    const blobOf = (k: number): number => Number(layout.hashes[k]!.slice('hash-i'.length)) % 3;
    if (blobOf(best) === blobOf(i)) same++;
  }
  assert.ok(same >= 57, `${same} of 60 nearest neighbours in the same blob`);
});

test('a cancelled UMAP job stops with "cancelled" and writes nothing', async (t) => {
  const fx = seeded(t, 60);
  const file = mapLayoutFile(fx.dir, fx.project, fx.model, 'umap');
  const controller = new AbortController();
  controller.abort();
  await assert.rejects(
    runLayoutTask(
      { projectPath: fx.project.path, modelId: fx.modelId, method: 'umap', file, force: false },
      { signal: controller.signal, progress: () => {} },
    ),
    (err) => err instanceof ApiError && err.code === 'cancelled',
  );
  assert.equal(existsSync(file), false);
});

test('map points are packed typed arrays with labels, splits and positions', (t) => {
  const fx = seeded(t);
  fx.addImage('nofeatures', null);
  const layout = currentPcaLayout(fx.dir, fx.project, fx.model);
  const page = mapPoints(fx.project.db, layout, { offset: 40, limit: 100, umap: 'none' });
  assert.equal(page.total, 45);
  assert.equal(page.count, 5);
  assert.equal(page.withoutFeatures, 1);
  const ids = new Int32Array(Uint8Array.from(Buffer.from(page.ids, 'base64')).buffer);
  assert.deepEqual([...ids], fx.ids.slice(40));
  const xy = Buffer.from(page.xy, 'base64');
  assert.equal(xy.length, 5 * 2 * 4);
  const at = layout.hashes.indexOf('hash-i40');
  assert.equal(xy.readFloatLE(0), layout.coords[at * 2]);
  assert.deepEqual([...Buffer.from(page.split, 'base64')], [0, 0, 0, 0, 0]);
  assert.deepEqual([...Buffer.from(page.label, 'base64')], new Array(20).fill(0));
});
