/**
 * Model download against a local HTTP server: success, resume after a dropped connection, refusal
 * of a wrong hash, and cancel.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, test } from 'node:test';
import { downloadFile, downloadModel, type DownloadProgress } from '../../../src/model/download.ts';
import { ModelError } from '../../../src/model/errors.ts';

const BODY = randomBytes(3 * 1024 * 1024 + 123);
const SHA = createHash('sha256').update(BODY).digest('hex');

type Handler = (req: IncomingMessage, res: ServerResponse) => void;
let handler: Handler;
let server: Server;
let base: string;
let dir: string;
const requests: { url: string; range: string | undefined }[] = [];

before(async () => {
  server = createServer((req, res) => {
    requests.push({ url: req.url ?? '', range: req.headers.range });
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  dir = await mkdtemp(join(tmpdir(), 'incept-download-'));
});
after(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await rm(dir, { recursive: true, force: true });
});
afterEach(() => {
  requests.length = 0;
});

/** Serves BODY, honouring `Range: bytes=N-`. */
function serve(req: IncomingMessage, res: ServerResponse, body: Buffer = BODY): void {
  const m = /bytes=(\d+)-/.exec(req.headers.range ?? '');
  if (m) {
    const start = Number(m[1]);
    if (start >= body.length) {
      res.writeHead(416, { 'content-range': `bytes */${body.length}` }).end();
      return;
    }
    res.writeHead(206, {
      'content-length': body.length - start,
      'content-range': `bytes ${start}-${body.length - 1}/${body.length}`,
    });
    res.end(body.subarray(start));
    return;
  }
  res.writeHead(200, { 'content-length': body.length });
  res.end(body);
}

test('downloads, reports progress, verifies and moves into place', async () => {
  handler = (req, res) => serve(req, res);
  const dest = join(dir, 'ok', 'model.onnx');
  const progress: DownloadProgress[] = [];
  const r = await downloadFile({
    url: `${base}/model.onnx`,
    dest,
    expectedBytes: BODY.length,
    sha256: SHA,
    onProgress: (p) => progress.push(p),
    progressIntervalMs: 0,
  });
  assert.equal(r.sha256, SHA);
  assert.equal(r.bytes, BODY.length);
  assert.equal(r.resumed, false);
  assert.ok((await readFile(dest)).equals(BODY));
  assert.ok(!existsSync(`${dest}.part`));
  assert.ok(progress.length >= 2);
  const last = progress.at(-1)!;
  assert.equal(last.bytes, BODY.length);
  assert.equal(last.total, BODY.length);
  assert.ok(last.rate > 0);
  assert.ok(progress.every((p, i) => i === 0 || p.bytes >= progress[i - 1]!.bytes));

  // Already there and verified: no request at all.
  requests.length = 0;
  await downloadFile({ url: `${base}/model.onnx`, dest, expectedBytes: BODY.length, sha256: SHA });
  assert.equal(requests.length, 0);
});

test('resumes with a Range request after the connection is cut midway', async () => {
  let cuts = 0;
  handler = (req, res) => {
    if (cuts === 0 && !req.headers.range) {
      cuts++;
      res.writeHead(200, { 'content-length': BODY.length });
      res.write(BODY.subarray(0, 1024 * 1024), () => res.socket?.destroy());
      return;
    }
    serve(req, res);
  };
  const dest = join(dir, 'resume', 'model.onnx');
  const r = await downloadFile({
    url: `${base}/model.onnx`,
    dest,
    expectedBytes: BODY.length,
    sha256: SHA,
    retryDelayMs: 10,
  });
  assert.equal(r.resumed, true);
  assert.ok((await readFile(dest)).equals(BODY));
  assert.equal(requests.length, 2);
  assert.equal(requests[0]!.range, undefined);
  const resumedAt = Number(/bytes=(\d+)-/.exec(requests[1]!.range ?? '')?.[1]);
  assert.ok(resumedAt > 0 && resumedAt <= 1024 * 1024, `resumed at ${resumedAt}`);
});

test('a server that ignores Range restarts from zero', async () => {
  handler = (_req, res) => {
    res.writeHead(200, { 'content-length': BODY.length });
    res.end(BODY);
  };
  const dest = join(dir, 'norange', 'model.onnx');
  await mkdir(join(dir, 'norange'), { recursive: true });
  await writeFile(`${dest}.part`, BODY.subarray(0, 1000));
  const r = await downloadFile({ url: `${base}/model.onnx`, dest, expectedBytes: BODY.length, sha256: SHA });
  assert.equal(r.resumed, false);
  assert.ok((await readFile(dest)).equals(BODY));
});

test('a wrong hash is refused and no file is left behind', async () => {
  handler = (req, res) => serve(req, res);
  const dest = join(dir, 'badhash', 'model.onnx');
  await assert.rejects(
    downloadFile({ url: `${base}/model.onnx`, dest, expectedBytes: BODY.length, sha256: '0'.repeat(64) }),
    (err: unknown) =>
      err instanceof ModelError && err.code === 'checksum_mismatch' && /SHA-256/.test(err.message),
  );
  assert.ok(!existsSync(dest));
  assert.ok(!existsSync(`${dest}.part`));
});

test('a wrong size is refused and no file is left behind', async () => {
  handler = (req, res) => serve(req, res, BODY.subarray(0, 5000));
  const dest = join(dir, 'badsize', 'model.onnx');
  await assert.rejects(
    downloadFile({ url: `${base}/model.onnx`, dest, expectedBytes: BODY.length, sha256: SHA, retries: 0 }),
    (err: unknown) => err instanceof ModelError,
  );
  assert.ok(!existsSync(dest));
});

test('HTTP errors fail with the status and keep nothing at the final path', async () => {
  handler = (_req, res) => res.writeHead(404, 'Not Found').end('nope');
  const dest = join(dir, 'missing', 'model.onnx');
  await assert.rejects(
    downloadFile({ url: `${base}/model.onnx`, dest, sha256: SHA, retryDelayMs: 1 }),
    (err: unknown) =>
      err instanceof ModelError && err.code === 'download_failed' && /HTTP 404/.test(err.message),
  );
  assert.equal(requests.length, 1, '4xx is not retried');
  assert.ok(!existsSync(dest));
});

test('cancel through an AbortSignal keeps the part for a later resume', async () => {
  const controller = new AbortController();
  handler = (_req, res) => {
    // Half the body, then silence: only the cancel ends this download.
    res.writeHead(200, { 'content-length': BODY.length });
    res.write(BODY.subarray(0, 512 * 1024));
  };
  const dest = join(dir, 'cancel', 'model.onnx');
  await assert.rejects(
    downloadFile({
      url: `${base}/model.onnx`,
      dest,
      expectedBytes: BODY.length,
      sha256: SHA,
      signal: controller.signal,
      progressIntervalMs: 0,
      onProgress: (p) => {
        if (p.bytes > 0) controller.abort();
      },
    }),
    (err: unknown) => err instanceof ModelError && err.code === 'cancelled',
  );
  assert.ok(!existsSync(dest));
  assert.ok((await stat(`${dest}.part`)).size > 0);
  server.closeAllConnections();

  handler = (req, res) => serve(req, res);
  const r = await downloadFile({ url: `${base}/model.onnx`, dest, expectedBytes: BODY.length, sha256: SHA });
  assert.equal(r.resumed, true);
  assert.ok((await readFile(dest)).equals(BODY));
});

test('downloadModel puts the source file into the data folder', async () => {
  handler = (req, res) => serve(req, res);
  const r = await downloadModel(join(dir, 'data'), {
    source: {
      url: `${base}/zoo/googlenet-7.onnx`,
      fileName: 'googlenet-7.onnx',
      bytes: BODY.length,
      sha256: SHA,
    },
  });
  assert.equal(r.path, join(dir, 'data', 'googlenet-7.onnx'));
  assert.ok((await readFile(r.path)).equals(BODY));
});
