// map.points on the API thread: layout files of version 2, answers kept in memory while the
// project file is unchanged, and the freshness key map.check compares.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { test } from 'node:test';
import { methods } from '../../../src/api/contract.ts';
import { blobs } from '../../../src/map/clusters.ts';
import { readLayout, readLayoutFile, writeLayout, type Layout } from '../../../src/map/layout-cache.ts';
import {
  currentPcaLayout,
  featureSet,
  mapLayoutFile,
  mapPointsCheck,
  mapPointsPage,
  runLayoutTask,
  type LayoutTaskInput,
} from '../../../src/services/map.ts';
import { createClass } from '../../../src/store/classes.ts';
import { setLabels } from '../../../src/store/labels.ts';
import { changeGeneration } from '../../../src/store/map.ts';
import { ProjectStore } from '../../../src/store/project.ts';
import { mapProject } from './fixture.ts';

const DIMS = 16;

function seeded(t: { after(fn: () => void): void }, rows = 30) {
  const fx = mapProject(t);
  const { m } = blobs(3, rows / 3, DIMS, 5);
  const ids: number[] = [];
  for (let r = 0; r < m.rows; r++) ids.push(fx.addImage(`i${r}`, m.data.slice(r * DIMS, (r + 1) * DIMS)));
  const model = { id: fx.modelId, sha256: 'abc123' };
  const layoutRuns: LayoutTaskInput[] = [];
  const request = {
    cacheDir: fx.dir,
    project: fx.project,
    model,
    layout: 'auto' as const,
    layoutInWorker: (input: LayoutTaskInput) => {
      layoutRuns.push(input);
      return runLayoutTask(input, { signal: new AbortController().signal, progress: () => {} });
    },
  };
  return { ...fx, ids, model, request, layoutRuns };
}

function labels(page: { label: string }): number[] {
  return [...new Int32Array(Uint8Array.from(Buffer.from(page.label, 'base64')).buffer)];
}

test('a version 2 layout file reads back exactly, with sha256 or other hashes, basis and reduced vectors', (t) => {
  const fx = mapProject(t);
  const file = `${fx.dir}/l.bin`;
  const sha = [
    createHash('sha256').update('a').digest('hex'),
    createHash('sha256').update('b').digest('hex'),
  ];
  for (const hashes of [sha, ['hash-a', 'hash-b']]) {
    const layout: Layout = {
      method: 'umap',
      key: 'k1',
      hashes,
      coords: Float32Array.from([0.5, -0.25, 1, -1]),
      seconds: 1.5,
      createdAt: '2026-01-01T00:00:00.000Z',
      placed: 1,
      basis: { mean: Float32Array.from([1, 2, 3]), components: Float32Array.from([1, 0, 0, 0, 1, 0]), k: 2 },
      reduced: Float32Array.from([1, 2, 3, 4]),
    };
    writeLayout(file, layout);
    assert.deepEqual(readLayoutFile(file), layout);
    assert.ok(
      !readFileSync(file).includes(Buffer.from(hashes[0]!)) || hashes[0] === 'hash-a',
      'sha256 hashes are stored as bytes',
    );
    assert.equal(readLayout(file, 'other key'), null);
  }
  // Cut short, or one byte too many: damaged, so not trusted.
  const bytes = readFileSync(file);
  writeFileSync(file, bytes.subarray(0, bytes.length - 4));
  assert.equal(readLayoutFile(file), null);
  writeFileSync(file, Buffer.concat([bytes, Buffer.from([0])]));
  assert.equal(readLayoutFile(file), null);
});

test('a version 1 layout file (hashes in a JSON header) is computed again, not read', (t) => {
  const fx = seeded(t);
  const set = featureSet(fx.project.db, fx.modelId);
  const file = mapLayoutFile(fx.dir, fx.project, fx.model, 'pca');
  // The old format, exactly as version 1 wrote it, for the current set.
  const header = Buffer.from(
    JSON.stringify({
      version: 1,
      method: 'pca',
      key: set.key,
      hashes: set.hashes,
      seconds: 0,
      createdAt: 'v1',
    }),
  );
  const size = Buffer.alloc(4);
  size.writeUInt32LE(header.length);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, Buffer.concat([size, header, Buffer.alloc(set.hashes.length * 8)]));
  assert.equal(readLayout(file, set.key), null);
  const layout = currentPcaLayout(fx.dir, fx.project, fx.model);
  assert.notEqual(layout.createdAt, 'v1');
  assert.equal(readLayout(file, set.key)?.createdAt, layout.createdAt, 'rewritten as version 2');
});

test('the change generation moves with writes through this connection or another, not with reads', (t) => {
  const fx = seeded(t);
  const db = fx.project.db;
  const g0 = changeGeneration(db);
  db.prepare('SELECT count(*) FROM images').get();
  assert.equal(changeGeneration(db), g0);
  const cls = createClass(db, { name: 'cat' });
  const g1 = changeGeneration(db);
  assert.notEqual(g1, g0);
  const other = ProjectStore.open(fx.project.path);
  try {
    setLabels(other.db, [fx.ids[0]!], cls.id);
  } finally {
    other.close();
  }
  assert.notEqual(changeGeneration(db), g1, "another connection's commit (the compute worker's) counts");
});

test('map.points pages come from one build; label changes show, keep the key, and do not lay out again', async (t) => {
  const fx = seeded(t);
  const first = await mapPointsPage({ ...fx.request, offset: 0, limit: 1000 });
  assert.equal(first.total, 30);
  assert.equal(fx.layoutRuns.length, 1, 'the PCA layout was computed once, in the worker');
  const a = await mapPointsPage({ ...fx.request, offset: 0, limit: 10 });
  const b = await mapPointsPage({ ...fx.request, offset: 10, limit: 100 });
  assert.equal(a.count + b.count, 30);
  assert.equal(Buffer.from(a.xy, 'base64').length + Buffer.from(b.xy, 'base64').length, 30 * 8);
  assert.deepEqual(
    Buffer.concat([Buffer.from(a.ids, 'base64'), Buffer.from(b.ids, 'base64')]),
    Buffer.from(first.ids, 'base64'),
  );
  assert.equal(a.key, first.key);
  assert.deepEqual(await mapPointsCheck({ ...fx.request, key: first.key }), {
    unchanged: true,
    key: first.key,
  });

  // A label set through another connection (another window's server, say) shows at once.
  const cls = createClass(fx.project.db, { name: 'dog' });
  const other = ProjectStore.open(fx.project.path);
  try {
    setLabels(other.db, [fx.ids[3]!], cls.id);
  } finally {
    other.close();
  }
  const relabeled = await mapPointsPage({ ...fx.request, offset: 0, limit: 1000 });
  assert.equal(labels(relabeled)[3], cls.id);
  assert.equal(relabeled.xy, first.xy, 'the same places');
  assert.equal(relabeled.key, first.key, 'labels are not part of the key: clients patch them from events');
  assert.equal(fx.layoutRuns.length, 1);
  setLabels(fx.project.db, [fx.ids[4]!], cls.id);
  assert.equal(labels(await mapPointsPage({ ...fx.request, offset: 0, limit: 1000 }))[4], cls.id);

  // A new image with features changes the set: a new key, and the check says so.
  fx.addImage('late', new Float32Array(DIMS).fill(2));
  const check = await mapPointsCheck({ ...fx.request, key: first.key });
  assert.equal(check.unchanged, false);
  const grown = await mapPointsPage({ ...fx.request, offset: 0, limit: 1000 });
  assert.equal(grown.total, 31);
  assert.equal(grown.key, check.key);
  assert.equal(fx.layoutRuns.length, 2);
  // An image without features changes the key too (withoutFeatures is part of the answer).
  fx.addImage('plain', null);
  const plain = await mapPointsPage({ ...fx.request, offset: 0, limit: 1000 });
  assert.equal(plain.withoutFeatures, 1);
  assert.notEqual(plain.key, grown.key);
});

test('a layout file replaced on disk is read again', async (t) => {
  const fx = seeded(t);
  const first = await mapPointsPage({ ...fx.request, offset: 0, limit: 1000 });
  const file = mapLayoutFile(fx.dir, fx.project, fx.model, 'pca');
  const layout = readLayoutFile(file)!;
  const moved = Float32Array.from(layout.coords, (v) => v / 2);
  writeLayout(file, { ...layout, coords: moved, createdAt: 'moved' });
  const again = await mapPointsPage({ ...fx.request, offset: 0, limit: 1000 });
  assert.notEqual(again.key, first.key);
  assert.notEqual(again.xy, first.xy);
});

test('a UMAP layout a little out of date is updated by placing the new points; a big change leaves it stale', async (t) => {
  const fx = seeded(t);
  await runLayoutTask(
    {
      projectPath: fx.project.path,
      modelId: fx.modelId,
      method: 'umap',
      file: mapLayoutFile(fx.dir, fx.project, fx.model, 'umap'),
      force: false,
    },
    { signal: new AbortController().signal, progress: () => {} },
  );
  const first = await mapPointsPage({ ...fx.request, offset: 0, limit: 1000 });
  assert.deepEqual([first.method, first.umap, first.placed], ['umap', 'current', 0]);
  fx.addImage('new1', new Float32Array(DIMS).fill(1));
  fx.addImage('new2', new Float32Array(DIMS).fill(-1));
  const placed = await mapPointsPage({ ...fx.request, offset: 0, limit: 1000 });
  assert.deepEqual([placed.method, placed.umap, placed.placed, placed.total], ['umap', 'current', 2, 32]);
  assert.deepEqual(
    fx.layoutRuns.map((r) => [r.method, r.placeOnly]),
    [['umap', true]],
  );
  for (let i = 0; i < 10; i++) fx.addImage(`many${i}`, new Float32Array(DIMS).fill(i));
  const stale = await mapPointsPage({ ...fx.request, offset: 0, limit: 1000 });
  assert.deepEqual([stale.method, stale.umap, stale.total], ['pca', 'stale', 42]);
  await mapPointsPage({ ...fx.request, offset: 0, limit: 1000 });
  assert.deepEqual(
    fx.layoutRuns.map((r) => [r.method, r.placeOnly]),
    [
      ['umap', true],
      ['umap', true],
      ['pca', undefined],
    ],
    'tried once for the set, then PCA',
  );
});

test('map.check takes a key (and the layout), nothing else', () => {
  const args = methods['map.check'].args;
  assert.deepEqual(args.parse({ key: 'abc' }), { key: 'abc', layout: 'auto' });
  assert.equal(args.safeParse({}).success, false, 'a key is required');
  assert.equal(args.safeParse({ key: '' }).success, false);
  assert.equal(args.safeParse({ key: 'x'.repeat(201) }).success, false);
  assert.equal(args.safeParse({ key: 'abc', offset: 0 }).success, false, 'strict');
});
