import assert from 'node:assert/strict';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  renameSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import type { ImageRow, ImportResult } from '../../../src/api/contract.ts';
import { ApiError } from '../../../src/domain/errors.ts';
import { scanFolders } from '../../../src/services/import.ts';
import type { JobContext } from '../../../src/jobs/manager.ts';
import {
  CLASS_STYLES,
  shapeImage,
  writeBrokenFiles,
  writeClassTree,
  writeManyJpegs,
  writeSpecialFormats,
} from '../../fixtures/images.ts';
import { harness, type Harness } from './harness.ts';

async function allImages(h: Harness): Promise<ImageRow[]> {
  return (await h.call('images.query', { limit: 1000 })).items;
}

async function byPath(h: Harness): Promise<Map<string, ImageRow>> {
  return new Map((await allImages(h)).map((r) => [r.path, r]));
}

function fakeContext(): JobContext & { controller: AbortController } {
  const controller = new AbortController();
  return {
    controller,
    signal: controller.signal,
    progress: () => {},
    throwIfCancelled: () => {
      if (controller.signal.aborted) throw new ApiError('cancelled', 'cancelled');
    },
  };
}

test('a folder-per-class import reproduces the tree’s labels exactly', async () => {
  const h = await harness();
  try {
    const root = join(h.dir, 'tree');
    const files = await writeClassTree(root, { classes: 3, perClass: 5 });
    writeFileSync(join(root, 'loose.jpg'), await shapeImage(CLASS_STYLES[3]!, 99));
    const longName = join(root, 'x'.repeat(120));
    mkdirSync(longName);
    writeFileSync(join(longName, 'in-long.jpg'), await shapeImage(CLASS_STYLES[3]!, 98));
    const events: string[] = [];
    h.core.events.on('dataset.changed', (e) => events.push(e.reason));
    const job = await h.job('import.start', { folder: root, labelsFromFolders: true });
    assert.equal(job.status, 'succeeded', JSON.stringify(job.error));
    const result = job.result as ImportResult;
    assert.equal(result.counters.imported, 17);
    assert.equal(result.counters.seen, 17);
    assert.equal(job.progress.counters.imported, 17, 'progress carries the counters');
    assert.match(
      result.skippedFiles.find((f) => f.path === longName)?.reason ?? '',
      /cannot be a class name .*stay unlabeled/,
    );
    assert.ok(events.includes('import'));

    const classes = new Map((await h.call('classes.list', {})).map((c) => [c.id, c.name]));
    assert.deepEqual(
      [...classes.values()].sort(),
      CLASS_STYLES.slice(0, 3)
        .map((s) => s.name)
        .sort(),
    );
    const rows = await byPath(h);
    for (const f of files) assert.equal(classes.get(rows.get(f.path)!.classId!), f.className, f.path);
    assert.equal(rows.get(join(root, 'loose.jpg'))!.classId, null, 'a file in the root stays unlabeled');
    assert.equal(rows.get(join(longName, 'in-long.jpg'))!.classId, null);
    assert.ok([...rows.values()].every((r) => r.labelSource !== 'human'));
    const counts = await h.call('images.counts', {});
    assert.equal(counts.labeled, 15);
    assert.equal(counts.unlabeled, 2);
    assert.equal(counts.perSplit.train + counts.perSplit.validation + counts.perSplit.test, 17);
    assert.deepEqual(
      (await h.call('import.roots', {})).map((r) => [r.path, r.labelsFromFolders]),
      [[root, true]],
    );
  } finally {
    await h.close();
  }
});

test('broken files are stored with their reason, odd files are skipped, and the good ones import', async () => {
  const h = await harness();
  try {
    const root = join(h.dir, 'mixed');
    const broken = await writeBrokenFiles(join(root, 'broken'));
    const special = await writeSpecialFormats(join(root, 'special'));
    const odd = join(root, 'with space ünïcødé', 'фото 1 (copy).jpg');
    mkdirSync(join(root, 'with space ünïcødé'));
    writeFileSync(odd, await shapeImage(CLASS_STYLES[0]!, 5));
    writeFileSync(join(root, 'readme.txt'), 'not an image');
    writeFileSync(join(root, '.hidden.jpg'), 'hidden');
    symlinkSync('..', join(root, 'special', 'loop'));
    symlinkSync(join(root, 'nowhere'), join(root, 'dangling'));

    const job = await h.job('import.start', { folder: root });
    assert.equal(job.status, 'succeeded');
    const r = job.result as ImportResult;
    const reasons = new Map(r.failures.map((f) => [f.path, f.reason]));
    const expected: [keyof typeof broken, RegExp][] = [
      ['truncatedJpeg', /JPEG is cut short/],
      ['truncatedPng', /PNG is cut short|damaged/],
      ['zeroByte', /empty file/],
      ['textAsJpeg', /not an image/],
      ['hugePng', /30000 × 30000 .*above the 100 MP limit/],
      ['garbageHeader', /not an image/],
    ];
    for (const [kind, reason] of expected)
      assert.match(reasons.get(broken[kind]) ?? 'not reported', reason, kind);
    assert.equal(r.counters.failed, expected.length);

    const failed = await h.call('images.query', { filter: { kind: 'failed' } });
    assert.deepEqual(failed.items.map((i) => i.path).sort(), Object.values(broken).sort());
    assert.ok(failed.items.every((i) => i.status === 'unreadable' && i.error));

    const rows = await byPath(h);
    for (const [key, s] of Object.entries(special)) {
      const row = rows.get(s.path);
      assert.ok(row, `${key} imported`);
      assert.equal(row.status, 'ok', `${key}: ${row.error}`);
      assert.deepEqual([row.width, row.height, row.format], [s.width, s.height, s.format], key);
      assert.match(row.hash!, /^[0-9a-f]{64}$/);
    }
    assert.equal(rows.get(odd)?.status, 'ok', 'a path with spaces and non-ASCII characters');

    const skipped = new Map(r.skippedFiles.map((s) => [s.path, s.reason]));
    assert.match(skipped.get(join(root, 'readme.txt'))!, /not an image file name/);
    assert.match(skipped.get(join(root, '.hidden.jpg'))!, /hidden/);
    assert.match(skipped.get(join(root, 'special', 'loop'))!, /loop/);
    assert.match(skipped.get(join(root, 'dangling'))!, /broken symbolic link/);
  } finally {
    await h.close();
  }
});

/** The environment for a nested test run: without NODE_TEST_CONTEXT it reports as a top-level run. */
function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: tmpdir() };
  delete env.NODE_TEST_CONTEXT;
  return env;
}

const UNREADABLE_TEST =
  'an unreadable folder is reported, the rest imports, and a rescan does not call its images missing';

test(UNREADABLE_TEST, async (t) => {
  if (process.platform === 'win32') return t.skip('POSIX permissions only');
  if (process.getuid?.() === 0) {
    // chmod 000 does not stop root, so as root this test runs itself again as "nobody".
    const setpriv = ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => existsSync(p));
    if (!setpriv) return t.skip('running as root without setpriv to drop to an unprivileged user');
    const asNobody = ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath];
    const self = fileURLToPath(import.meta.url);
    const probe = spawnSync(
      setpriv,
      [...asNobody, '-e', `require('fs').accessSync(${JSON.stringify(self)})`],
      {
        env: childEnv(),
      },
    );
    if (probe.status !== 0)
      return t.skip('running as root, and the checkout is not readable by the user "nobody"');
    const r = spawnSync(
      setpriv,
      [...asNobody, '--import', 'tsx', '--test', `--test-name-pattern=${UNREADABLE_TEST}`, self],
      {
        encoding: 'utf8',
        cwd: fileURLToPath(new URL('../../../', import.meta.url)),
        env: childEnv(),
        timeout: 60_000,
      },
    );
    assert.equal(r.status, 0, `as nobody:\n${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /^# pass 1$/m, r.stdout);
    return;
  }
  const h = await harness();
  const root = join(h.dir, 'perm');
  const locked = join(root, 'locked');
  try {
    await writeManyJpegs(join(root, 'open'), 2);
    mkdirSync(locked);
    writeFileSync(join(locked, 'secret.jpg'), await shapeImage(CLASS_STYLES[1]!, 6));
    await h.job('import.start', { folder: root });
    chmodSync(locked, 0o000);
    const r = (await h.job('import.rescan', {})).result as ImportResult;
    assert.match(r.skippedFiles.find((s) => s.path === locked)?.reason ?? '', /permission denied/);
    assert.equal(r.counters.missing, 0);
    assert.equal(r.counters.unchanged, 2);
  } finally {
    chmodSync(locked, 0o755);
    await h.close();
  }
});

test('a file deleted between listing and reading is stored as unreadable with the reason', async () => {
  const h = await harness();
  try {
    const root = join(h.dir, 'vanishing');
    const paths = await writeManyJpegs(root, 5);
    const victim = paths[2]!;
    const result = await scanFolders(
      h.core.requireProject(),
      {
        roots: [{ path: root, labelsFromFolders: false }],
        beforeRead: (p) => {
          if (p === victim) unlinkSync(victim);
        },
      },
      fakeContext(),
    );
    assert.equal(result.counters.imported, 4);
    assert.equal(result.counters.failed, 1);
    const row = (await byPath(h)).get(victim)!;
    assert.equal(row.status, 'unreadable');
    assert.match(row.error!, /disappeared/);
  } finally {
    await h.close();
  }
});

test('duplicate content is imported once and reported', async () => {
  const h = await harness();
  try {
    const root = join(h.dir, 'dups');
    const [a] = await writeManyJpegs(root, 3);
    const copy = join(root, 'copy-of-a.jpg');
    copyFileSync(a!, copy);
    const r = (await h.job('import.start', { folder: root })).result as ImportResult;
    assert.equal(r.counters.imported, 3);
    assert.equal(r.counters.duplicates, 1);
    const dup = r.duplicateFiles[0]!;
    assert.ok(
      (dup.path === copy && dup.duplicateOf === a) || (dup.path === a && dup.duplicateOf === copy),
      JSON.stringify(dup),
    );
    assert.equal((await allImages(h)).length, 3);
  } finally {
    await h.close();
  }
});

test('a rescan picks up new, changed, moved, missing and returning files, keeping labels', async () => {
  const h = await harness();
  try {
    const root = join(h.dir, 'photos');
    const files = await writeClassTree(root, { classes: 2, perClass: 3 });
    await h.job('import.start', { folder: root, labelsFromFolders: true });
    const before = await byPath(h);
    const [changed, deleted, moved] = [files[0]!.path, files[1]!.path, files[3]!.path];
    const movedTo = join(root, files[3]!.className, 'renamed.jpg');

    writeFileSync(changed, await shapeImage(CLASS_STYLES[0]!, 12345));
    const deletedBytes = await shapeImage(CLASS_STYLES[0]!, 777);
    unlinkSync(deleted);
    renameSync(moved, movedTo);
    const added = join(root, files[4]!.className, 'new.jpg');
    writeFileSync(added, await shapeImage(CLASS_STYLES[1]!, 4242));

    const job = await h.job('import.rescan', {});
    assert.equal(job.kind, 'rescan');
    const c = (job.result as ImportResult).counters;
    assert.deepEqual(
      {
        imported: c.imported,
        changed: c.changed,
        moved: c.moved,
        missing: c.missing,
        unchanged: c.unchanged,
      },
      { imported: 1, changed: 1, moved: 1, missing: 1, unchanged: 3 },
    );
    const after = await byPath(h);
    const was = before.get(changed)!;
    const now = after.get(changed)!;
    assert.equal(now.id, was.id);
    assert.notEqual(now.hash, was.hash, 'the new content was hashed');
    assert.equal(now.classId, was.classId, 'a changed file keeps its label');
    assert.equal(after.get(deleted)!.status, 'missing');
    assert.equal(after.get(movedTo)!.id, before.get(moved)!.id, 'a moved file keeps its row');
    assert.equal(after.get(movedTo)!.classId, before.get(moved)!.classId);
    assert.equal(after.has(moved), false);
    assert.equal(
      after.get(added)!.classId,
      before.get(files[4]!.path)!.classId,
      'new files get their folder label',
    );
    assert.deepEqual(
      (await h.call('images.query', { filter: { kind: 'missing' } })).items.map((i) => i.path),
      [deleted],
    );

    writeFileSync(deleted, deletedBytes);
    const back = (await h.job('import.rescan', { folder: root })).result as ImportResult;
    assert.equal(back.counters.restored, 1);
    assert.equal((await byPath(h)).get(deleted)!.status, 'ok');

    rmSync(root, { recursive: true });
    const gone = (await h.job('import.rescan', {})).result as ImportResult;
    assert.equal(gone.counters.missing, 7, 'a vanished folder marks all its images missing');
  } finally {
    await h.close();
  }
});

test('cancelling keeps whole committed batches only; importing again completes the rest', async () => {
  const h = await harness();
  try {
    const root = join(h.dir, 'many');
    await writeManyJpegs(root, 1000, { folders: 4 });
    let jobId = '';
    const off = h.core.events.on('dataset.changed', () => {
      if (jobId) h.core.jobs.cancel(jobId);
    });
    ({ jobId } = await h.call('import.start', { folder: root }));
    const job = await h.core.jobs.wait(jobId);
    off();
    assert.equal(job.status, 'cancelled');
    const { total } = await h.call('images.query', {});
    assert.ok(total > 0 && total < 1000, `committed ${total}`);
    assert.equal(total % 200, 0, 'only whole batches of 200 were committed');
    const incomplete = h.core
      .requireProject()
      .db.prepare("SELECT count(*) AS n FROM images WHERE hash IS NULL OR width IS NULL OR status <> 'ok'")
      .get() as { n: number };
    assert.equal(incomplete.n, 0);

    const again = (await h.job('import.start', { folder: root })).result as ImportResult;
    assert.equal(again.counters.unchanged, total, 'what was committed is recognised, not read again');
    assert.equal(again.counters.imported, 1000 - total);
    assert.equal(again.counters.duplicates, 0);
    assert.equal((await h.call('images.query', {})).total, 1000);
  } finally {
    await h.close();
  }
});

test('import refuses bad folders and overlapping scans; the project cache is never imported', async () => {
  const h = await harness();
  try {
    assert.equal(await h.errorCode('import.start', { folder: join(h.dir, 'nope') }), 'not_found');
    writeFileSync(join(h.dir, 'file.jpg'), 'x');
    assert.equal(await h.errorCode('import.start', { folder: join(h.dir, 'file.jpg') }), 'invalid_args');
    assert.equal(await h.errorCode('import.start', { folder: '' }), 'invalid_args');
    assert.equal(await h.errorCode('import.rescan', {}), 'precondition');
    assert.equal(await h.errorCode('import.rescan', { folder: h.dir }), 'not_found');

    // The project lives inside the folder being imported: its thumbnail cache must not come in.
    await writeManyJpegs(join(h.dir, 'imgs'), 3);
    const { jobId } = await h.call('import.start', { folder: h.dir });
    assert.equal(await h.errorCode('import.start', { folder: h.dir }), 'conflict');
    await h.core.jobs.wait(jobId);
    const { resolveImageRequest } = await import('../../../src/services/image-request.ts');
    const first = (await allImages(h)).find((r) => r.status === 'ok')!;
    await resolveImageRequest(h.core.requireProject(), `${first.id}/thumb`);
    const r = (await h.job('import.rescan', {})).result as ImportResult;
    assert.equal(r.counters.imported, 0);
    assert.ok(r.skippedFiles.some((s) => /cache folder/.test(s.reason)));
  } finally {
    await h.close();
  }
});

test('folders become classes in natural order, and the same tree always gets the same ids', async () => {
  const source = join(tmpdir(), `incept-natural-${process.pid}`);
  rmSync(source, { recursive: true, force: true });
  // Created in a scrambled order, so the directory listing is not already sorted.
  const folders = ['7', '10', '1', '4', '0', '11', '6', '2', '9', '5', '8', '3', 'b', 'A'];
  let n = 0;
  for (const f of folders) {
    mkdirSync(join(source, f), { recursive: true });
    for (const name of ['img10.jpg', 'img2.jpg', 'img1.jpg'])
      writeFileSync(join(source, f, name), await shapeImage(CLASS_STYLES[n % 4]!, 500 + n++, 32));
  }
  const importOnce = async (): Promise<{ classes: [string, string | null][]; ids: [string, number][] }> => {
    const h = await harness();
    try {
      await h.job('import.start', { folder: source, labelsFromFolders: true });
      const classes = (await h.call('classes.list', {})).map(
        (c) => [c.name, c.key] as [string, string | null],
      );
      const ids = (await allImages(h)).map((r) => [r.path.slice(source.length), r.id] as [string, number]);
      return { classes, ids };
    } finally {
      await h.close();
    }
  };
  try {
    const first = await importOnce();
    assert.deepEqual(
      first.classes,
      [
        ['0', '1'],
        ['1', '2'],
        ['2', '3'],
        ['3', '4'],
        ['4', '5'],
        ['5', '6'],
        ['6', '7'],
        ['7', '8'],
        ['8', '9'],
        ['9', 'q'],
        ['10', 'w'],
        ['11', 'e'],
        ['A', 'r'],
        ['b', 't'],
      ],
      'natural order; keys 1–9, then the letter row, none shared',
    );
    assert.deepEqual(first.ids.slice(0, 4), [
      ['/0/img1.jpg', 1],
      ['/0/img2.jpg', 2],
      ['/0/img10.jpg', 3],
      ['/1/img1.jpg', 4],
    ]);
    const second = await importOnce();
    assert.deepEqual(second, first, 'the same tree imports to the same ids and classes');
  } finally {
    rmSync(source, { recursive: true, force: true });
  }
});
