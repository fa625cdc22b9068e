import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { DatasetCounts, ImportResult } from '../../../src/api/contract.ts';
import { runCli } from '../../../src/cli/main.ts';
import { Core } from '../../../src/core.ts';
import { writeBrokenFiles, writeClassTree } from '../../fixtures/images.ts';

const dir = mkdtempSync(join(tmpdir(), 'incept-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(
    argv,
    { stdout: (t) => void (out += `${t}\n`), stderr: (t) => void (err += `${t}\n`) },
    new Core({ dataDir: join(dir, 'data') }),
  );
  return { code, out, err };
}

test('init, import, status, label and export-dataset from the command line', async () => {
  const project = join(dir, 'cli.incept');
  const photos = join(dir, 'photos');
  const files = await writeClassTree(photos, { classes: 2, perClass: 3 });
  const broken = await writeBrokenFiles(join(photos, 'junk'));

  assert.equal((await cli('init', project)).code, 0);
  const imp = await cli('import', project, photos, '--labels-from-folders');
  assert.equal(imp.code, 0, imp.err);
  assert.match(imp.out, /12 image files seen, 6 imported, 6 failed, 0 duplicates/);
  assert.match(imp.out, /Failed \(stored as unreadable\):/);
  assert.match(imp.out, new RegExp(`${broken.zeroByte.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: empty file`));

  const again = await cli('import', project, photos, '--json');
  const result = JSON.parse(again.out) as ImportResult;
  assert.equal(result.counters.unchanged, 12);

  const status = await cli('status', project);
  assert.equal(status.code, 0);
  assert.match(status.out, /Images: 12 \(6 ok, 6 unreadable, 0 missing\)/);
  // Unreadable files carry no folder label: junk/ holds only broken files and makes no class.
  assert.match(status.out, /Labeled: 6, unlabeled: 6/);
  assert.match(status.out, /red-circle\s+3/);
  const json = JSON.parse((await cli('status', project, '--json')).out) as DatasetCounts & {
    project: { path: string };
  };
  assert.equal(json.project.path, project);
  assert.equal(
    json.perClass.find((c) => c.name === 'junk'),
    undefined,
  );

  const csv = join(dir, 'relabel.csv');
  writeFileSync(csv, `path,label\n${files[0]!.path},green-square\n${join(dir, 'nope.jpg')},x\n`);
  const label = await cli('label', project, '--csv', csv);
  assert.equal(label.code, 0, label.err);
  assert.match(label.out, /2 rows: 1 labels changed, 0 already so, 1 not applied/);
  assert.match(label.out, /line 3: .*nope\.jpg: no image with this path/);

  const out = join(dir, 'export');
  const exp = await cli('export-dataset', project, '--format', 'folders', '--out', out, '--mode', 'symlink');
  assert.equal(exp.code, 0, exp.err);
  assert.match(exp.out, /Wrote 6 images into/);
  assert.deepEqual(readdirSync(out).sort(), ['green-square', 'red-circle']);
  const csvOut = await cli('export-dataset', project, '--format', 'csv', '--out', join(dir, 'all.csv'));
  assert.equal(csvOut.code, 0);
  assert.ok(existsSync(join(dir, 'all.csv')));

  const usage = await cli('export-dataset', project, '--out', out);
  assert.equal(usage.code, 2);
  assert.match(usage.err, /--format must be csv or folders/);
  assert.equal((await cli('import', project)).code, 2);
  const missing = await cli('import', project, join(dir, 'no-such-folder'));
  assert.equal(missing.code, 2);
  assert.match(missing.err, /No folder at/);
});

test('an import that finds no images says why, and fails when nothing in the folder can be used', async () => {
  const project = join(dir, 'empty.incept');
  assert.equal((await cli('init', project)).code, 0);
  const notes = join(dir, 'notes');
  mkdirSync(notes);
  writeFileSync(join(notes, 'readme.txt'), 'no pictures here');
  const none = await cli('import', project, notes);
  assert.equal(none.code, 1, 'no image files: a failed import');
  assert.match(none.out, /No images: .*notes holds no image files \(1 other file passed over/);

  const empty = join(dir, 'empty-folder');
  mkdirSync(empty);
  assert.match((await cli('import', project, empty)).out, /holds no files at all/);

  const junk = join(dir, 'only-broken');
  await writeBrokenFiles(junk);
  const broken = await cli('import', project, junk);
  assert.equal(broken.code, 1);
  assert.match(broken.out, /No images: none of the \d+ image files in .* could be read/);

  const photos = join(dir, 'photos-twice');
  await writeClassTree(photos, { classes: 1, perClass: 2 });
  assert.equal((await cli('import', project, photos)).code, 0);
  const again = await cli('import', project, photos);
  assert.equal(again.code, 0, 'importing a folder again is not a failure');
  assert.match(again.out, /No new images: all 2 images in .* were imported before/);
  const json = JSON.parse((await cli('import', project, photos, '--json')).out) as ImportResult;
  assert.match(json.noImagesReason ?? '', /imported before/);
});
