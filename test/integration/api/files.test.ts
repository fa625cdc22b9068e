import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Core } from '../../../src/core.ts';
import { createCoreDispatch } from '../../../src/api/handlers.ts';
import type { FolderListing, FolderPreview, Places } from '../../../src/api/contract.ts';
import { tempDir } from '../../helpers/tmp.ts';
import { CLASS_STYLES, shapeImage } from '../../fixtures/images.ts';

async function setup(t: { after(fn: () => Promise<void> | void): void }) {
  const dir = tempDir(t);
  const core = new Core({ dataDir: join(dir, 'data') });
  t.after(() => core.dispose());
  const dispatch = createCoreDispatch(core);
  const root = join(dir, 'photos');
  mkdirSync(join(root, 'cats'), { recursive: true });
  mkdirSync(join(root, 'dogs', 'puppies'), { recursive: true });
  mkdirSync(join(root, '.hidden'));
  mkdirSync(join(root, 'locked'));
  for (let i = 0; i < 3; i++)
    writeFileSync(join(root, 'cats', `cat-${i}.png`), await shapeImage(CLASS_STYLES[0]!, i, 48, 'png'));
  writeFileSync(join(root, 'dogs', 'dog-1.jpg'), await shapeImage(CLASS_STYLES[1]!, 7, 48));
  writeFileSync(join(root, 'dogs', 'notes.txt'), 'not an image');
  writeFileSync(join(root, 'b10.png'), await shapeImage(CLASS_STYLES[2]!, 10, 48, 'png'));
  writeFileSync(join(root, 'b9.png'), 'text pretending to be a PNG');
  writeFileSync(join(root, 'model.onnx'), 'x');
  symlinkSync(join(root, 'gone'), join(root, 'dangling'));
  return { dir, core, dispatch, root };
}

test('files.list: folders first with image counts, images and accepted files, hidden left out', async (t) => {
  const { dispatch, root } = await setup(t);
  const listing = (await dispatch('files.list', { path: root, accept: ['.onnx'] })) as FolderListing;
  assert.equal(listing.path, root);
  assert.equal(listing.images, 2);
  const names = listing.entries.map((e) => e.name);
  assert.deepEqual(names, ['cats', 'dogs', 'locked', 'b9.png', 'b10.png', 'dangling', 'model.onnx']);
  const cats = listing.entries.find((e) => e.name === 'cats')!;
  assert.deepEqual([cats.kind, cats.images, cats.folders], ['folder', 3, 0]);
  const dogs = listing.entries.find((e) => e.name === 'dogs')!;
  assert.deepEqual([dogs.images, dogs.folders], [1, 1]);
  const dangling = listing.entries.find((e) => e.name === 'dangling')!;
  assert.match(dangling.problem ?? '', /cannot be followed: it does not exist/);
  const withoutOnnx = (await dispatch('files.list', { path: root })) as FolderListing;
  assert.ok(!withoutOnnx.entries.some((e) => e.name === 'model.onnx'));
  const hidden = (await dispatch('files.list', { path: root, showHidden: true })) as FolderListing;
  assert.ok(hidden.entries.some((e) => e.name === '.hidden'));
});

test('files.list: an unreadable folder gets its own reason; bad paths are refused in words', async (t) => {
  const { dispatch, root } = await setup(t);
  if (process.getuid?.() !== 0) {
    chmodSync(join(root, 'locked'), 0o000);
    t.after(() => chmodSync(join(root, 'locked'), 0o755));
    const listing = (await dispatch('files.list', { path: root })) as FolderListing;
    assert.equal(listing.entries.find((e) => e.name === 'locked')!.problem, 'permission denied');
    await assert.rejects(dispatch('files.list', { path: join(root, 'locked') }), /permission denied/);
  }
  await assert.rejects(dispatch('files.list', { path: join(root, 'nope') }), (err: Error) => {
    assert.match(err.message, /nope cannot be listed: it does not exist/);
    assert.doesNotMatch(err.message, /ENOENT/);
    return true;
  });
  await assert.rejects(dispatch('files.list', { path: 'relative/path' }), /not an absolute path/);
  const home = (await dispatch('files.list', {})) as FolderListing;
  assert.equal(home.path, home.home);
});

test('files.previews: small thumbnails of the first images, a reason for the broken one', async (t) => {
  const { dispatch, root } = await setup(t);
  const previews = (await dispatch('files.previews', { path: root, count: 4 })) as FolderPreview[];
  assert.deepEqual(
    previews.map((p) => p.name),
    ['b9.png', 'b10.png'],
  );
  assert.equal(previews[0]!.dataUrl, null);
  assert.equal(previews[0]!.problem, 'not a readable image');
  assert.match(previews[1]!.dataUrl ?? '', /^data:image\/webp;base64,/);
});

test('files.places: home, recent folders and bookmarks persist in the data folder', async (t) => {
  const { dispatch, root, dir } = await setup(t);
  let places = (await dispatch('files.places', {})) as Places;
  assert.ok(places.roots.length >= 1);
  assert.deepEqual(places.recent, []);
  await dispatch('files.remember', { path: join(root, 'cats') });
  places = (await dispatch('files.bookmark', { path: join(root, 'dogs'), bookmarked: true })) as Places;
  assert.deepEqual(places.recent, [join(root, 'cats')]);
  assert.deepEqual(places.bookmarks, [{ path: join(root, 'dogs'), exists: true }]);
  // A new core on the same data folder sees them.
  const again = new Core({ dataDir: join(dir, 'data') });
  t.after(() => again.dispose());
  const more = (await createCoreDispatch(again)('files.places', {})) as Places;
  assert.deepEqual(more.bookmarks, [{ path: join(root, 'dogs'), exists: true }]);
  places = (await dispatch('files.bookmark', { path: join(root, 'dogs'), bookmarked: false })) as Places;
  assert.deepEqual(places.bookmarks, []);
});
