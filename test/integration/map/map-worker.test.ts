/**
 * The first map of a big project reads every feature vector and lays them out: that runs in
 * the compute worker, so the API answers other calls meanwhile (ordering only, no timings).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { ClusterProposal, MapPoints } from '../../../src/api/contract.ts';
import { createCoreDispatch } from '../../../src/api/handlers.ts';
import { Core } from '../../../src/core.ts';
import { blobs } from '../../../src/map/clusters.ts';
import { decodePoints, pointHash } from '../../../src/map/packed.ts';
import { PRESETS } from '../../../src/domain/preprocessing.ts';
import { useModel } from '../../../src/store/models.ts';
import { googlenetDescription } from '../../fixtures/model-row.ts';
import { tempDir } from '../../helpers/tmp.ts';

const DIMS = 1024;

test('map.points and clusters.propose compute in the worker while the API answers other calls', async (t) => {
  const dir = tempDir(t);
  const core = new Core({ dataDir: join(dir, 'data') });
  t.after(() => core.dispose());
  const call = createCoreDispatch(core);
  await call('project.create', { path: join(dir, 'p.incept') });
  const project = core.requireProject();
  const model = useModel(project, googlenetDescription('f'.repeat(64), 'googlenet', DIMS), PRESETS.caffe);
  const { m } = blobs(4, 1_000, DIMS, 5);
  const hashes: string[] = [];
  const db = project.db;
  const addImage = db.prepare(
    `INSERT INTO images (path, name, hash, bytes, mtime_ms, status, split, added_at)
     VALUES (?, ?, ?, 1, 0, 'ok', 'train', '2024-01-01T00:00:00.000Z')`,
  );
  const addFeature = db.prepare('INSERT INTO features (model_id, variant, hash, vector) VALUES (?, 0, ?, ?)');
  db.transaction(() => {
    for (let r = 0; r < m.rows; r++) {
      const hash = createHash('sha256').update(`image ${r}`).digest('hex');
      hashes.push(hash);
      addImage.run(join(dir, `${r}.jpg`), `${r}.jpg`, hash);
      const v = m.data.subarray(r * DIMS, (r + 1) * DIMS);
      addFeature.run(model.id, hash, Buffer.from(v.buffer, v.byteOffset, v.byteLength));
    }
  })();

  const order: string[] = [];
  const points = (call('map.points', {}) as Promise<MapPoints>).then((p) => {
    order.push('map.points');
    return p;
  });
  // A turn of the event loop first: work done on the API thread would finish before it.
  await new Promise((resolve) => setTimeout(resolve, 0));
  await call('images.counts', {});
  order.push('images.counts');
  const page = await points;
  assert.deepEqual(order, ['images.counts', 'map.points'], 'the API answered while the layout was computed');
  assert.equal(page.total, m.rows);
  assert.equal(page.method, 'pca');
  // Every point carries its image's content hash, for the cached image address.
  const decoded = decodePoints(page);
  assert.equal(decoded.hashes.length, m.rows * 32);
  for (let i = 0; i < m.rows; i++) assert.equal(pointHash(decoded, i), hashes[decoded.ids[i]! - 1]);

  order.length = 0;
  const groups = (call('clusters.propose', { k: 4, scope: 'all' }) as Promise<ClusterProposal>).then((p) => {
    order.push('clusters.propose');
    return p;
  });
  // A turn of the event loop first: work done on the API thread would finish before it.
  await new Promise((resolve) => setTimeout(resolve, 0));
  await call('images.counts', {});
  order.push('images.counts');
  const proposal = await groups;
  assert.deepEqual(order, ['images.counts', 'clusters.propose']);
  assert.equal(proposal.k, 4);
  assert.equal(
    proposal.clusters.reduce((n, c) => n + c.size, 0),
    m.rows,
  );
});
