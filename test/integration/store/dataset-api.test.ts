import assert from 'node:assert/strict';
import {
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import type { DatasetExportResult, Events } from '../../../src/api/contract.ts';
import { ApiError } from '../../../src/domain/errors.ts';
import { createCoreDispatch } from '../../../src/api/handlers.ts';
import { Core } from '../../../src/core.ts';
import { parseCsv } from '../../../src/store/csv.ts';
import { writeClassTree } from '../../fixtures/images.ts';
import { harness, type Harness } from './harness.ts';

/** hash → class name of every labeled image: what an export and re-import must reproduce. */
async function labelsByHash(h: Harness): Promise<Map<string, string>> {
  const names = new Map((await h.call('classes.list', {})).map((c) => [c.id, c.name]));
  const rows = (await h.call('images.query', { filter: { kind: 'labeled' }, limit: 1000 })).items;
  return new Map(rows.filter((r) => r.status !== 'missing').map((r) => [r.hash!, names.get(r.classId!)!]));
}

async function labelsByPath(h: Harness): Promise<Map<string, string | null>> {
  const names = new Map((await h.call('classes.list', {})).map((c) => [c.id, c.name]));
  const rows = (await h.call('images.query', { limit: 1000 })).items;
  return new Map(rows.map((r) => [r.path, r.classId === null ? null : names.get(r.classId)!]));
}

test('bad arguments and unknown ids come back as clear API errors', async () => {
  const h = await harness();
  try {
    const root = join(h.dir, 'imgs');
    await writeClassTree(root, { classes: 1, perClass: 2 });
    await h.job('import.start', { folder: root });
    const [img] = (await h.call('images.query', {})).items;
    try {
      await h.call('labels.set', { imageIds: [img!.id], classId: 4242 });
      assert.fail('labels.set with an unknown class succeeded');
    } catch (err) {
      assert.ok(err instanceof ApiError);
      assert.equal(err.code, 'not_found');
      assert.match(err.message, /No class with id 4242/);
    }
    assert.equal(await h.errorCode('labels.set', { imageIds: [], classId: null }), 'invalid_args');
    assert.equal(await h.errorCode('labels.set', { imageIds: [999_999], classId: null }), 'not_found');
    assert.equal(await h.errorCode('labels.set', { imageIds: [1], classId: 'cat' }), 'invalid_args');
    assert.equal(await h.errorCode('classes.create', { name: '  ' }), 'invalid_args');
    assert.equal(await h.errorCode('classes.create', { name: 'x', color: 'red' }), 'invalid_args');
    assert.equal(await h.errorCode('classes.create', { name: 'x', key: 'F1' }), 'invalid_args');
    assert.equal(await h.errorCode('classes.create', { name: 'a\nb' }), 'invalid_args');
    assert.equal(await h.errorCode('images.query', { filter: { kind: 'class' } }), 'invalid_args');
    assert.equal(await h.errorCode('images.query', { filter: { kind: 'class', classId: 77 } }), 'not_found');
    assert.equal(await h.errorCode('images.query', { limit: 5000 }), 'invalid_args');
    assert.equal(await h.errorCode('images.get', { id: 999 }), 'not_found');
    assert.equal(await h.errorCode('classes.merge', { sourceIds: [1], targetId: 1 }), 'invalid_args');
    assert.equal(await h.errorCode('classes.merge', { sourceIds: [1], targetId: 2 }), 'not_found');
    assert.equal(
      await h.errorCode('dataset.export', { format: 'csv', out: h.dir, mode: 'copy' }),
      'invalid_args',
    );
    assert.equal(await h.errorCode('dataset.importCsv', { file: join(h.dir, 'none.csv') }), 'not_found');

    const core = new Core({ dataDir: join(h.dir, 'other-data') });
    try {
      await createCoreDispatch(core)('images.counts', {});
      assert.fail('images.counts without a project succeeded');
    } catch (err) {
      assert.equal((err as ApiError).code, 'no_project');
    } finally {
      await core.dispose();
    }
  } finally {
    await h.close();
  }
});

test('label changes announce themselves and undo/redo through the API restore exact state', async () => {
  const h = await harness();
  try {
    const root = join(h.dir, 'imgs');
    await writeClassTree(root, { classes: 2, perClass: 3 });
    await h.job('import.start', { folder: root });
    const ids = (await h.call('images.query', {})).items.map((r) => r.id);
    const events: Events['dataset.changed'][] = [];
    h.core.events.on('dataset.changed', (e) => events.push(e));
    const cat = await h.call('classes.create', { name: 'cat' });
    const dog = await h.call('classes.create', { name: 'dog' });
    const s0 = await labelsByPath(h);
    const r1 = await h.call('labels.set', { imageIds: ids.slice(0, 4), classId: cat.id });
    assert.equal(r1.changed, 4);
    assert.equal(r1.history.canUndo, true);
    assert.deepEqual(events.at(-1), { reason: 'labels', imageIds: ids.slice(0, 4) });
    const s1 = await labelsByPath(h);
    await h.call('labels.set', { imageIds: ids.slice(2), classId: dog.id });
    const s2 = await labelsByPath(h);
    assert.equal(await h.errorCode('classes.delete', { id: dog.id }), 'precondition');
    const del = await h.call('classes.delete', { id: dog.id, confirm: true });
    assert.equal(del.changed, 4);
    assert.equal((await h.call('images.counts', {})).labeled, 2);

    assert.equal((await h.call('labels.undo', {})).step, del.step);
    assert.deepEqual(await labelsByPath(h), s2);
    assert.deepEqual(
      (await h.call('classes.list', {})).find((c) => c.id === dog.id),
      { ...dog, count: 4 },
      'the deleted class comes back as it was',
    );
    await h.call('labels.undo', {});
    assert.deepEqual(await labelsByPath(h), s1);
    await h.call('labels.undo', {});
    assert.deepEqual(await labelsByPath(h), s0);
    const none = await h.call('labels.undo', {});
    assert.equal(none.step, null);
    await h.call('labels.redo', {});
    await h.call('labels.redo', {});
    assert.deepEqual(await labelsByPath(h), s2);
    assert.equal((await h.call('labels.history', {})).redoLabel, 'delete class "dog"');
    assert.ok(events.some((e) => e.reason === 'classes'));
  } finally {
    await h.close();
  }
});

test('CSV: export, then import into a fresh project, reproduces every label', async () => {
  const a = await harness();
  const b = await harness();
  try {
    const root = join(a.dir, 'tree');
    await writeClassTree(root, { classes: 3, perClass: 4 });
    await a.job('import.start', { folder: root, labelsFromFolders: true });
    const [first] = (await a.call('images.query', {})).items;
    await a.call('labels.set', { imageIds: [first!.id], classId: null });
    const out = join(a.dir, 'exports');
    const job = await a.job('dataset.export', { format: 'csv', out });
    const csv = (job.result as DatasetExportResult).out;
    assert.equal(csv, join(out, 'labels.csv'));
    const records = parseCsv(readFileSync(csv, 'utf8'));
    assert.deepEqual(records[0]!.fields, ['path', 'label', 'split']);
    assert.equal(records.length, 13);

    await b.job('import.start', { folder: root });
    assert.equal((await b.call('images.counts', {})).labeled, 0);
    const r = await b.call('dataset.importCsv', { file: csv });
    assert.equal(r.problemCount, 0);
    assert.equal(r.changed, 11);
    assert.deepEqual([...r.createdClasses].sort(), ['blue-triangle', 'green-square', 'red-circle']);
    assert.deepEqual(await labelsByPath(b), await labelsByPath(a));

    // One undo step takes the whole file back, classes it created included.
    await b.call('labels.undo', {});
    assert.equal((await b.call('images.counts', {})).labeled, 0);
    assert.equal((await b.call('classes.list', {})).length, 0);
    await b.call('labels.redo', {});
    assert.deepEqual(await labelsByPath(b), await labelsByPath(a));
  } finally {
    await a.close();
    await b.close();
  }
});

test('CSV import: relative paths, quoting, no header, unknown paths and classes reported per row', async () => {
  const h = await harness();
  try {
    const root = join(h.dir, 'set');
    const files = await writeClassTree(root, { classes: 2, perClass: 2 });
    const odd = join(root, 'a, "b"');
    mkdirSync(odd);
    writeFileSync(join(odd, 'x.jpg'), readFileSync(files[0]!.path).subarray(0, 2)); // unreadable, still labelable
    await h.job('import.start', { folder: root });
    await h.call('classes.create', { name: 'Known' });
    const rel = (p: string) => relative(root, p);
    const csv = [
      `${rel(files[0]!.path)},known`,
      `"${rel(join(odd, 'x.jpg')).replace(/"/g, '""')}",New Class`,
      `${files[1]!.path},`,
      'no/such/file.jpg,known',
      `${rel(files[2]!.path)},${'x'.repeat(150)}`,
      `${rel(files[3]!.path)},"quoted, label"`,
    ].join('\r\n');
    writeFileSync(join(root, 'labels.csv'), csv);
    const r = await h.call('dataset.importCsv', { file: join(root, 'labels.csv') });
    assert.equal(r.rows, 6);
    assert.deepEqual(
      r.problems.map((p) => [p.line, p.reason.slice(0, 20)]),
      [
        [4, 'no image with this p'],
        [5, `"${'x'.repeat(19)}`],
      ],
    );
    const byPath = await labelsByPath(h);
    assert.equal(byPath.get(files[0]!.path), 'Known', 'labels match existing classes ignoring case');
    assert.equal(byPath.get(join(odd, 'x.jpg')), 'New Class');
    assert.equal(byPath.get(files[1]!.path), null);
    assert.equal(byPath.get(files[3]!.path), 'quoted, label');
    assert.deepEqual(r.createdClasses, ['New Class', 'quoted, label']);

    writeFileSync(join(root, 'strict.csv'), `path,label\n${files[2]!.path},Nope\n`);
    const strict = await h.call('dataset.importCsv', {
      file: join(root, 'strict.csv'),
      createClasses: false,
    });
    assert.equal(strict.rows, 1, 'the header row is not data');
    assert.match(strict.problems[0]!.reason, /no class named "Nope"/);
  } finally {
    await h.close();
  }
});

for (const mode of ['copy', 'hardlink', 'symlink'] as const) {
  test(`folder export (${mode}) re-imports with the same labels`, async () => {
    const a = await harness();
    const b = await harness();
    try {
      const root = join(a.dir, 'tree');
      const files = await writeClassTree(root, { classes: 3, perClass: 3 });
      await a.job('import.start', { folder: root, labelsFromFolders: true });
      await a.call('classes.update', { id: 1, name: 'has/slash: yes?' });
      unlinkSync(files[8]!.path);
      await a.job('import.rescan', {});
      const out = join(a.dir, `export-${mode}`);
      const job = await a.job('dataset.export', { format: 'folders', out, mode });
      assert.equal(job.status, 'succeeded', JSON.stringify(job.error));
      const r = job.result as DatasetExportResult;
      assert.equal(r.written, 8);
      assert.deepEqual(r.skipped, [{ path: files[8]!.path, reason: 'the file is missing' }]);
      assert.ok(readdirSync(out).includes('has_slash_ yes_'));
      const sample = join(out, readdirSync(out)[0]!, readdirSync(join(out, readdirSync(out)[0]!))[0]!);
      if (mode === 'symlink') assert.ok(lstatSync(sample).isSymbolicLink());
      if (mode === 'hardlink') assert.equal(statSync(sample).nlink, 2);

      await b.job('import.start', { folder: out, labelsFromFolders: true });
      const expected = new Map(
        [...(await labelsByHash(a))].map(([hash, name]) => [hash, name.replace(/[/:?]/g, '_')]),
      );
      assert.equal(expected.size, 8);
      assert.deepEqual(await labelsByHash(b), expected);

      assert.equal(await a.errorCode('dataset.export', { format: 'folders', out }), 'precondition');
    } finally {
      await a.close();
      await b.close();
    }
  });
}
