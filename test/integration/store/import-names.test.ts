import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import type { ImportResult } from '../../../src/api/contract.ts';
import { harness } from './harness.ts';

const bytePath = (...parts: (string | number[])[]): Buffer =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : Buffer.from(p))));

test('a file or folder name that is not valid UTF-8 is reported as such, never stored mangled', async (t) => {
  const h = await harness();
  t.after(() => h.close());
  const photos = join(h.dir, 'photos');
  mkdirSync(join(photos, 'cats'), { recursive: true });
  const png = (seed: number) =>
    sharp({ create: { width: 8, height: 8, channels: 3, background: { r: seed, g: 10, b: 10 } } })
      .png()
      .toBuffer();
  try {
    // Latin-1 "é" (0xE9) and a stray 0xFF: names a Linux file system accepts as bytes.
    writeFileSync(bytePath(photos, '/cats/bad', [0xff], 'name.png'), await png(1));
    mkdirSync(bytePath(photos, '/caf', [0xe9]));
    writeFileSync(bytePath(photos, '/caf', [0xe9], '/inside.png'), await png(2));
  } catch (err) {
    return t.skip(`this file system refuses names that are not UTF-8 (${(err as Error).message})`);
  }
  writeFileSync(join(photos, 'cats', 'good.png'), await png(3));
  // A valid name that happens to hold U+FFFD is a real name and is imported.
  writeFileSync(join(photos, 'cats', 'odd\uFFFDbut-valid.png'), await png(4));

  const job = await h.job('import.start', { folder: photos, labelsFromFolders: true });
  assert.equal(job.status, 'succeeded');
  const result = job.result as ImportResult;
  assert.equal(result.counters.imported, 2);
  assert.equal(result.counters.failed, 0, JSON.stringify(result.failures));
  const notUtf8 = result.skippedFiles.filter((s) => /not valid UTF-8/.test(s.reason));
  assert.equal(notUtf8.length, 2, JSON.stringify(result.skippedFiles));
  assert.ok(notUtf8.every((s) => /rename/.test(s.reason)));
  const page = await h.call('images.query', { limit: 50 });
  assert.deepEqual(page.items.map((i) => i.name).sort(), ['good.png', 'odd\uFFFDbut-valid.png']);
});
