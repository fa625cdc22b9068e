import { test } from 'node:test';
import assert from 'node:assert/strict';
import { utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { writeBrokenFiles, writeClassTree } from '../../fixtures/images.ts';
import { harness } from './harness.ts';

test('labels from folders: unreadable files get no label, make no class, and stay out of counts and splits', async (t) => {
  const h = await harness();
  t.after(() => h.close());
  const photos = join(h.dir, 'photos');
  await writeClassTree(photos, { classes: 2, perClass: 3, size: 32 });
  const broken = await writeBrokenFiles(join(photos, 'junk'));
  // A class with readable images and one broken file among them.
  writeFileSync(join(photos, 'red-circle', 'cut.jpg'), Buffer.from('not really a jpeg'));

  const imported = await h.job('import.start', { folder: photos, labelsFromFolders: true });
  assert.equal(imported.status, 'succeeded');
  const counts = await h.call('images.counts', {});
  assert.equal(counts.total, 13);
  assert.equal(counts.unreadable, 7);
  assert.equal(counts.labeled, 6, 'only the readable images carry their folder label');
  assert.deepEqual(
    counts.perClass.map((c) => [c.name, c.count]).sort(),
    [
      ['green-square', 3],
      ['red-circle', 3],
    ],
    'no class for a folder of broken files',
  );
  assert.equal(counts.perSplit.train + counts.perSplit.validation + counts.perSplit.test, 6);

  // Once a broken file is repaired, a rescan labels it from its folder and makes the class.
  const fixed = broken.textAsJpeg;
  writeFileSync(
    fixed,
    await sharp({ create: { width: 16, height: 16, channels: 3, background: '#123456' } })
      .jpeg()
      .toBuffer(),
  );
  utimesSync(fixed, new Date(), new Date(Date.now() + 5_000));
  const rescan = await h.job('import.rescan', {});
  assert.equal(rescan.status, 'succeeded');
  const after = await h.call('images.counts', {});
  assert.equal(after.labeled, 7);
  assert.equal(after.perClass.find((c) => c.name === 'junk')?.count, 1);
});

test('a labeled image that becomes unreadable leaves its class counts and splits until it is read again', async (t) => {
  const h = await harness();
  t.after(() => h.close());
  const photos = join(h.dir, 'photos');
  const files = await writeClassTree(photos, { classes: 1, perClass: 3, size: 32 });
  assert.equal(
    (await h.job('import.start', { folder: photos, labelsFromFolders: true })).status,
    'succeeded',
  );
  writeFileSync(files[0]!.path, Buffer.from('damaged on disk'));
  utimesSync(files[0]!.path, new Date(), new Date(Date.now() + 5_000));
  assert.equal((await h.job('import.rescan', {})).status, 'succeeded');
  const counts = await h.call('images.counts', {});
  assert.equal(counts.unreadable, 1);
  assert.equal(counts.perClass[0]?.count, 2);
  assert.equal(counts.perSplit.train + counts.perSplit.validation + counts.perSplit.test, 2);
});
