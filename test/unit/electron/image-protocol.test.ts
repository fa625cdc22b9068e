import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { ApiError } from '../../../src/domain/errors.ts';
import { resolveImageRequest } from '../../../src/services/image-request.ts';
import { ProjectStore } from '../../../src/store/project.ts';
import { createImageProtocolHandler, imageRequestFromUrl } from '../../../electron/image-protocol.ts';
import { tempDir } from '../../helpers/tmp.ts';

test('only incept-img://<id>/<thumb|full> is an image address', () => {
  assert.equal(imageRequestFromUrl('incept-img://12/thumb'), '12/thumb');
  assert.equal(imageRequestFromUrl('incept-img://7/full'), '7/full');
  const hash = '0f'.repeat(32);
  assert.equal(imageRequestFromUrl(`incept-img://7/${hash}/full`), `7/${hash}/full`);
  const refused = [
    'incept-img://../../etc/passwd',
    'incept-img://1/../../etc/passwd',
    'incept-img://1/..%2f..%2fetc%2fpasswd',
    'incept-img://1%2Fthumb',
    'incept-img://1/thumb%00',
    'incept-img:///etc/passwd',
    'incept-img:///1/thumb',
    'incept-img://C:/Windows/win.ini',
    'incept-img://1\\thumb',
    'incept-img://1/thumb?x=1',
    'incept-img://1/thumb#x',
    'incept-img://user@1/thumb',
    'incept-img://1:80/thumb',
    'incept-img://0/thumb',
    'incept-img://01/thumb',
    'incept-img://-1/thumb',
    'incept-img://1/original',
    'incept-img://1/thumb/',
    'incept-img://1',
    `incept-img://1/${'0F'.repeat(32)}/thumb`,
    `incept-img://1/${'0f'.repeat(31)}/thumb`,
    `incept-img://1/thumb/${'0f'.repeat(32)}`,
    'incept-img://abc/thumb',
    'incept-img://99999999999999999/thumb',
    'file:///etc/passwd',
    'app://incept/1/thumb',
    'https://example.com/1/thumb',
    '',
  ];
  for (const url of refused) {
    assert.throws(
      () => imageRequestFromUrl(url),
      (err: unknown) => err instanceof ApiError && err.code === 'invalid_args',
      url,
    );
  }
});

async function body(res: Response): Promise<{ status: number; json: { error?: { code: string } } | null }> {
  const text = await res.text();
  return {
    status: res.status,
    json: text.startsWith('{') ? (JSON.parse(text) as { error?: { code: string } }) : null,
  };
}

test('bad addresses never reach the fetcher; answers carry the CSP', async () => {
  let fetched = 0;
  const handle = createImageProtocolHandler(async () => {
    fetched += 1;
    return { contentType: 'image/png', body: new Uint8Array([1]) };
  });
  const bad = await handle(new Request('incept-img://1/../../etc/passwd'));
  assert.equal(bad.status, 400);
  assert.match(bad.headers.get('content-security-policy') ?? '', /default-src 'none'/);
  const post = await handle(new Request('incept-img://1/thumb', { method: 'POST', body: 'x' }));
  assert.equal(post.status, 400);
  assert.equal(fetched, 0);
});

/** Inserts an image row with whatever the schema needs today (the images table is evolving). */
function insertImage(project: ProjectStore, path: string, bytes: number): number {
  const columns = project.db.prepare('PRAGMA table_info(images)').all() as {
    name: string;
    type: string;
    notnull: number;
    dflt_value: unknown;
    pk: number;
  }[];
  const values: Record<string, unknown> = {};
  for (const c of columns) {
    if (c.pk || !c.notnull || c.dflt_value !== null) continue;
    const byName: Record<string, unknown> = {
      path,
      name: 'a.png',
      bytes,
      status: 'ok',
      split: 'train',
      added_at: new Date().toISOString(),
      hash: 'h',
      format: 'png',
    };
    values[c.name] = c.name in byName ? byName[c.name] : /INT|REAL/i.test(c.type) ? 0 : '';
  }
  values.path = path;
  for (const [name, value] of [
    ['hash', 'abc123'],
    ['format', 'png'],
    ['width', 8],
    ['height', 8],
  ] as const)
    if (columns.some((c) => c.name === name)) values[name] = value;
  const names = Object.keys(values);
  const info = project.db
    .prepare(`INSERT INTO images (${names.join(', ')}) VALUES (${names.map((n) => `@${n}`).join(', ')})`)
    .run(values);
  return Number(info.lastInsertRowid);
}

test('ids resolve through the project database: unknown ids are not_found, known ones are served', async (t) => {
  const dir = tempDir(t);
  const project = ProjectStore.create(join(dir, 'p.incept'));
  t.after(() => project.close());
  const file = join(dir, 'a.png');
  writeFileSync(
    file,
    await sharp({ create: { width: 8, height: 8, channels: 3, background: '#f00' } })
      .png()
      .toBuffer(),
  );
  const id = insertImage(project, file, 100);
  const handle = createImageProtocolHandler(async (rest) => resolveImageRequest(project, rest));

  const unknown = await body(await handle(new Request(`incept-img://${id + 1000}/full`)));
  assert.equal(unknown.status, 404);
  assert.equal(unknown.json?.error?.code, 'not_found');

  const res = await handle(new Request(`incept-img://${id}/full`));
  assert.equal(res.status, 200, await res.clone().text());
  assert.ok((await res.arrayBuffer()).byteLength > 0);
  assert.equal(res.headers.get('x-content-type-options'), 'nosniff');

  const thumb = await handle(new Request(`incept-img://${id}/thumb`));
  assert.equal(thumb.status, 200, await thumb.clone().text());
  assert.match(thumb.headers.get('content-type') ?? '', /^image\//);
});

test('an address with the content hash is cached and must match the image; a bare id is never cached', async (t) => {
  const dir = tempDir(t);
  const project = ProjectStore.create(join(dir, 'p.incept'));
  t.after(() => project.close());
  const file = join(dir, 'a.png');
  writeFileSync(
    file,
    await sharp({ create: { width: 8, height: 8, channels: 3, background: '#0f0' } })
      .png()
      .toBuffer(),
  );
  const id = insertImage(project, file, 100);
  const hash = 'ab'.repeat(32);
  project.db.prepare('UPDATE images SET hash = ? WHERE id = ?').run(hash, id);
  const handle = createImageProtocolHandler(async (rest) => resolveImageRequest(project, rest));

  const named = await handle(new Request(`incept-img://${id}/${hash}/thumb`));
  assert.equal(named.status, 200, await named.clone().text());
  assert.match(named.headers.get('cache-control') ?? '', /immutable/);

  const bare = await handle(new Request(`incept-img://${id}/thumb`));
  assert.equal(bare.status, 200);
  assert.equal(bare.headers.get('cache-control'), 'no-store');

  // Another project's image with this id, or the file before it changed: never these pixels.
  const other = await body(await handle(new Request(`incept-img://${id}/${'cd'.repeat(32)}/thumb`)));
  assert.equal(other.status, 404);
  assert.equal(other.json?.error?.code, 'not_found');
});
