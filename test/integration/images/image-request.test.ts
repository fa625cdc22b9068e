import assert from 'node:assert/strict';
import { existsSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import sharp from 'sharp';
import type { ImageRow } from '../../../src/api/contract.ts';
import { ApiError } from '../../../src/domain/errors.ts';
import { parseImageRequest, resolveImageRequest } from '../../../src/services/image-request.ts';
import { THUMB_SIZE } from '../../../src/images/thumbnails.ts';
import { startServer } from '../../../src/server/server.ts';
import type { ProjectStore } from '../../../src/store/project.ts';
import { writeSpecialFormats } from '../../fixtures/images.ts';
import { harness } from '../store/harness.ts';

async function failure(p: Promise<unknown>): Promise<ApiError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof ApiError, String(err));
    return err;
  }
  assert.fail('expected the request to fail');
}

test('only <decimal id>/<thumb|full> parses; traversal, absolute paths and encoded slashes are refused first', async () => {
  assert.deepEqual(parseImageRequest('12/thumb'), { id: 12, hash: null, variant: 'thumb' });
  assert.deepEqual(parseImageRequest('7/full'), { id: 7, hash: null, variant: 'full' });
  const hash = '9a'.repeat(32);
  assert.deepEqual(parseImageRequest(`7/${hash}/full`), { id: 7, hash, variant: 'full' });
  const untouchable = {
    get db(): never {
      throw new Error('the database was touched');
    },
  } as unknown as ProjectStore;
  for (const bad of [
    '',
    '..',
    '../1/thumb',
    '1/../2/thumb',
    '/etc/passwd',
    '1%2Fthumb',
    '1%2fthumb',
    '..%2F..%2Fetc%2Fpasswd',
    '1/thumb/',
    '1/thumb/..',
    '01/thumb',
    '0/thumb',
    '-1/thumb',
    '1e3/thumb',
    '1/THUMB',
    '1/original',
    '1/thumb?x=1',
    '1\\thumb',
    'C:\\Windows\\win.ini',
    '99999999999999999/thumb',
    `1/${'9A'.repeat(32)}/thumb`,
    `1/${'9a'.repeat(33)}/thumb`,
    `1/../${'9a'.repeat(32)}/thumb`,
  ]) {
    const err = await failure(resolveImageRequest(untouchable, bad));
    assert.equal(err.code, 'invalid_args', bad);
  }
});

test('thumbnails and full images for every format; unknown, missing and unreadable images refused', async () => {
  const h = await harness();
  try {
    const root = join(h.dir, 'imgs');
    const special = await writeSpecialFormats(root);
    const big = join(root, 'big.png');
    writeFileSync(
      big,
      await sharp({ create: { width: 1000, height: 500, channels: 3, background: '#123456' } })
        .png()
        .toBuffer(),
    );
    const tiffAlpha = join(root, 'alpha.tif');
    writeFileSync(
      tiffAlpha,
      await sharp({
        create: { width: 20, height: 10, channels: 4, background: { r: 1, g: 2, b: 3, alpha: 0.5 } },
      })
        .tiff({ compression: 'lzw' })
        .toBuffer(),
    );
    writeFileSync(join(root, 'broken.jpg'), 'not a jpeg');
    await h.job('import.start', { folder: root });
    const project = h.core.requireProject();
    const rows = new Map<string, ImageRow>(
      (await h.call('images.query', { limit: 100 })).items.map((r) => [r.path, r]),
    );

    for (const [key, s] of Object.entries(special)) {
      const row = rows.get(s.path)!;
      const thumb = await resolveImageRequest(project, `${row.id}/thumb`);
      assert.equal(thumb.contentType, 'image/webp', key);
      const meta = await sharp(thumb.body).metadata();
      assert.equal(meta.format, 'webp', key);
      assert.deepEqual([meta.width, meta.height], [s.width, s.height], `${key}: oriented, not enlarged`);
      const full = await resolveImageRequest(project, `${row.id}/full`);
      if (s.format === 'tiff') {
        assert.equal(full.contentType, 'image/jpeg', key);
        assert.equal((await sharp(full.body).metadata()).format, 'jpeg');
      } else {
        assert.equal(full.contentType, `image/${s.format}`, key);
        assert.deepEqual(full.body, readFileSync(s.path), `${key}: the original bytes`);
      }
    }
    const alpha = await resolveImageRequest(project, `${rows.get(tiffAlpha)!.id}/full`);
    assert.equal(alpha.contentType, 'image/png', 'a TIFF with transparency converts to PNG');

    const bigRow = rows.get(big)!;
    const bigThumb = await sharp((await resolveImageRequest(project, `${bigRow.id}/thumb`)).body).metadata();
    assert.deepEqual([bigThumb.width, bigThumb.height], [THUMB_SIZE, THUMB_SIZE / 2]);
    const cached = join(project.cacheDir, 'thumbs', bigRow.hash!.slice(0, 2), `${bigRow.hash}.webp`);
    assert.ok(existsSync(cached), 'cached by content hash');
    writeFileSync(cached, Buffer.from('cached'));
    assert.equal((await resolveImageRequest(project, `${bigRow.id}/thumb`)).body.toString(), 'cached');

    assert.equal((await failure(resolveImageRequest(project, '9999/thumb'))).code, 'not_found');
    const broken = rows.get(join(root, 'broken.jpg'))!;
    const err = await failure(resolveImageRequest(project, `${broken.id}/full`));
    assert.equal(err.code, 'precondition');
    assert.match(err.message, /cannot be shown/);

    const gone = rows.get(special.gif!.path)!;
    unlinkSync(special.gif!.path);
    assert.equal((await failure(resolveImageRequest(project, `${gone.id}/full`))).code, 'not_found');
    assert.equal(
      (await h.call('images.get', { id: gone.id })).status,
      'missing',
      'the row learns the file is gone',
    );

    // Over HTTP: the server hands the rest of /img/ to the same parser.
    const server = await startServer({ core: h.core, port: 0, staticDir: null });
    try {
      const get = (p: string) =>
        fetch(new URL(p, server.url), { headers: { Authorization: `Bearer ${server.token}` } });
      const ok = await get(`/img/${bigRow.id}/full`);
      assert.equal(ok.status, 200, await ok.clone().text());
      assert.equal(ok.headers.get('content-type'), 'image/png');
      assert.equal((await get(`/img/${bigRow.id}%2Fthumb`)).status, 400);
      assert.equal((await get(`/img/..%2F..%2Fetc%2Fpasswd`)).status, 400);
      assert.equal((await get('/img/424242/thumb')).status, 404);
      assert.equal((await fetch(new URL(`/img/${bigRow.id}/full`, server.url))).status, 401);
    } finally {
      await server.close();
    }
  } finally {
    await h.close();
  }
});
