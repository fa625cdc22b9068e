import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ImageRow, ImportResult } from '../../../src/api/contract.ts';
import { CLASS_STYLES, shapeImage } from '../../fixtures/images.ts';
import { harness } from './harness.ts';

test('images.remove takes images out (files stay), and a rescan leaves them out', async (t) => {
  const h = await harness();
  t.after(() => h.close());
  const folder = join(h.dir, 'pics');
  mkdirSync(folder);
  for (let i = 0; i < 3; i++)
    writeFileSync(join(folder, `p${i}.png`), await shapeImage(CLASS_STYLES[i]!, i, 48, 'png'));
  assert.equal((await h.job('import.start', { folder })).status, 'succeeded');
  const page = await h.call('images.query', { sort: 'name' });
  const [first, second] = page.items as [ImageRow, ImageRow, ImageRow];

  assert.deepEqual(await h.call('images.remove', { imageIds: [second.id] }), { removed: 1 });
  assert.ok(existsSync(second.path), 'the file stays on disk');
  assert.equal((await h.call('images.counts', {})).total, 2);
  assert.equal(await h.errorCode('images.get', { id: second.id }), 'not_found');

  const rescan = await h.job('import.rescan', {});
  assert.equal(rescan.status, 'succeeded');
  const result = rescan.result as ImportResult;
  assert.equal((await h.call('images.counts', {})).total, 2, 'the removed file is not imported again');
  assert.deepEqual(
    result.skippedFiles.filter((f) => f.path === second.path),
    [{ path: second.path, reason: 'it was removed from the project' }],
  );

  // Splits: one call puts both images in the same split.
  const target = first.split === 'train' ? 'validation' : 'train';
  const third = page.items[2]!;
  const moved = await h.call('images.setSplit', { imageIds: [first.id, third.id], split: target });
  assert.equal(moved.changed, [first, third].filter((r) => r.split !== target).length);
  assert.equal((await h.call('images.get', { id: first.id })).split, target);
  assert.equal((await h.call('images.get', { id: third.id })).split, target);
  assert.deepEqual(await h.call('images.remove', { imageIds: [second.id] }), { removed: 0 });
});
