import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { harness } from '../store/harness.ts';

async function png(seed: number): Promise<string> {
  const buf = await sharp({
    create: { width: 8, height: 8, channels: 3, background: { r: seed % 256, g: (seed * 7) % 256, b: 99 } },
  })
    .png()
    .toBuffer();
  return buf.toString('base64');
}

test('images.add: ten at once all land, each with its label', async (t) => {
  const h = await harness();
  t.after(() => h.close());
  const cat = await h.call('classes.create', { name: 'cat' });
  const results = await Promise.allSettled(
    Array.from({ length: 10 }, async (_, i) =>
      h.call('images.add', { name: `shot-${i}.png`, base64: await png(i), classId: cat.id }),
    ),
  );
  assert.deepEqual(
    results.map((r) => r.status),
    Array(10).fill('fulfilled'),
    JSON.stringify(results.filter((r) => r.status === 'rejected')),
  );
  const counts = await h.call('images.counts', {});
  assert.equal(counts.total, 10);
  assert.equal(counts.unlabeled, 0);
  const page = await h.call('images.query', { filter: { kind: 'class', classId: cat.id }, limit: 50 });
  assert.equal(page.items.length, 10);
});

test('images.add: a call that fails changes nothing (no row, no file)', async (t) => {
  const h = await harness();
  t.after(() => h.close());
  const uploads = join(h.dir, 'project.incept-uploads');
  const files = (): string[] => (existsSync(uploads) ? readdirSync(uploads) : []);

  assert.equal(
    await h.errorCode('images.add', { name: 'a.png', base64: await png(1), classId: 999 }),
    'not_found',
  );
  assert.equal(
    await h.errorCode('images.add', {
      name: 'broken.png',
      base64: Buffer.from('not a png at all').toString('base64'),
      classId: null,
    }),
    'invalid_args',
  );
  assert.equal((await h.call('images.counts', {})).total, 0);
  assert.deepEqual(files(), []);

  const first = await h.call('images.add', { name: 'b.png', base64: await png(2), classId: null });
  assert.equal(first.status, 'ok');
  assert.equal(
    await h.errorCode('images.add', { name: 'c.png', base64: await png(2), classId: null }),
    'conflict',
  );
  assert.equal((await h.call('images.counts', {})).total, 1);
  assert.equal(files().length, 1);
});
