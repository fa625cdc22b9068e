import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import WebSocket from 'ws';
import { Core } from '../../../src/core.ts';
import { startServer } from '../../../src/server/server.ts';
import { tempDir } from '../../helpers/tmp.ts';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function setup(t: { after(fn: () => Promise<void> | void): void }) {
  const dir = tempDir(t);
  const core = new Core({ dataDir: join(dir, 'data') });
  const server = await startServer({ core, port: 0, staticDir: null });
  t.after(async () => {
    await server.close();
    await core.dispose();
  });
  return { dir, core, server };
}

/** A raw request, so that Host and Origin can be anything (fetch fixes them). */
function call(
  server: { host: string; port: number; token: string },
  path: string,
  headers: Record<string, string>,
  body = '{}',
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: server.host,
        port: server.port,
        path,
        method: 'POST',
        headers: { Authorization: `Bearer ${server.token}`, ...headers },
      },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

test('HTTP: API calls need a JSON content type, their own Host and no foreign Origin', async (t) => {
  const { server } = await setup(t);
  const json = { 'Content-Type': 'application/json' };
  const own = `127.0.0.1:${server.port}`;
  assert.equal((await call(server, '/api/app.info', json)).status, 200);
  assert.equal((await call(server, '/api/app.info', { ...json, Origin: `http://${own}` })).status, 200);
  assert.equal(
    (await call(server, '/api/app.info', { ...json, Host: `localhost:${server.port}` })).status,
    200,
  );

  const refused: [Record<string, string>, number, RegExp][] = [
    [{}, 415, /Content-Type: application\/json/],
    [{ 'Content-Type': 'text/plain' }, 415, /text\/plain/],
    [{ 'Content-Type': 'application/x-www-form-urlencoded' }, 415, /application\/json/],
    [{ ...json, Origin: 'http://127.0.0.1:1' }, 403, /other pages/],
    [{ ...json, Origin: 'null' }, 403, /other pages/],
    [{ ...json, Host: `evil.example:${server.port}` }, 403, /own address/],
    [{ ...json, 'Sec-Fetch-Site': 'same-site', 'Sec-Fetch-Mode': 'no-cors' }, 403, /other pages/],
  ];
  for (const [headers, status, message] of refused) {
    const res = await call(server, '/api/app.info', headers);
    assert.equal(res.status, status, JSON.stringify(headers));
    const body = JSON.parse(res.body) as { error: { code: string; message: string } };
    assert.match(body.error.message, message);
  }
});

test('HTTP: a malformed escape in the URL is 400, not 500', async (t) => {
  const { server } = await setup(t);
  const res = await call(server, '/api/%ZZ', { 'Content-Type': 'application/json' });
  assert.equal(res.status, 400);
  assert.equal((JSON.parse(res.body) as { error: { code: string } }).error.code, 'invalid_args');
});

test('WebSocket: a foreign Origin or Host is refused before the token is looked at', async (t) => {
  const { server } = await setup(t);
  const url = `${server.url.replace('http', 'ws')}ws?token=${server.token}`;
  const outcome = (opts: WebSocket.ClientOptions): Promise<string> =>
    new Promise((resolve) => {
      const ws = new WebSocket(url, opts);
      ws.on('unexpected-response', (_req, res) => resolve(String(res.statusCode)));
      ws.on('open', () => {
        ws.close();
        resolve('open');
      });
      ws.on('error', () => resolve('error'));
    });
  assert.equal(await outcome({}), 'open');
  assert.equal(await outcome({ origin: `http://127.0.0.1:${server.port}` }), 'open');
  assert.equal(await outcome({ origin: 'http://127.0.0.1:1' }), '403');
  assert.equal(await outcome({ headers: { Host: `rebind.example:${server.port}` } }), '403');
});

test('HTTP: an idle keep-alive connection outlives the old 5 s server timeout and is reused without reset', async (t) => {
  const { server } = await setup(t);
  assert.ok(server.server.keepAliveTimeout >= 60_000);
  assert.ok(server.server.headersTimeout > server.server.keepAliveTimeout);
  const socket = connect(server.port, server.host);
  t.after(() => socket.destroy());
  await new Promise((resolve) => socket.once('connect', resolve));
  let received = '';
  let closed = false;
  socket.on('data', (d: Buffer) => (received += d.toString()));
  socket.on('close', () => (closed = true));
  socket.on('error', () => (closed = true));
  const body = '{}';
  const req =
    `POST /api/app.info HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nConnection: keep-alive\r\n` +
    `Authorization: Bearer ${server.token}\r\nContent-Type: application/json\r\n` +
    `Content-Length: ${body.length}\r\n\r\n${body}`;
  const responses = (): number => received.split('HTTP/1.1 200').length - 1;
  socket.write(req);
  for (let i = 0; i < 100 && responses() < 1; i++) await sleep(20);
  assert.equal(responses(), 1);
  await sleep(5_600);
  assert.equal(closed, false, 'the server kept the idle connection');
  socket.write(req);
  for (let i = 0; i < 100 && responses() < 2; i++) await sleep(20);
  assert.equal(responses(), 2);
});

test('HTTP: a bounded loop of keep-alive calls sees no connection reset', async (t) => {
  const { server } = await setup(t);
  const { Agent } = await import('node:http');
  const agent = new Agent({ keepAlive: true, maxSockets: 8 });
  t.after(() => agent.destroy());
  const one = (): Promise<number> =>
    new Promise((resolve, reject) => {
      const req = request(
        {
          agent,
          host: server.host,
          port: server.port,
          path: '/api/app.info',
          method: 'POST',
          headers: { Authorization: `Bearer ${server.token}`, 'Content-Type': 'application/json' },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', reject);
      req.end('{}');
    });
  const failures: string[] = [];
  for (let round = 0; round < 3; round++) {
    const results = await Promise.allSettled(Array.from({ length: 40 }, one));
    for (const r of results) if (r.status === 'rejected') failures.push(String(r.reason));
    // Idle just past the old keep-alive timeout, then reuse the pooled sockets.
    await sleep(round === 0 ? 5_050 : 100);
  }
  assert.deepEqual(failures, []);
});

test('WebSocket: the events of one moment arrive as one frame, in order', async (t) => {
  const { core, server } = await setup(t);
  const ws = new WebSocket(`${server.url.replace('http', 'ws')}ws?token=${server.token}`);
  t.after(() => ws.close());
  const frames: unknown[] = [];
  ws.on('message', (data) => frames.push(JSON.parse(String(data))));
  await new Promise((resolve) => ws.once('open', resolve));
  for (let i = 0; i < 50 && frames.length < 1; i++) await sleep(10);
  frames.length = 0;
  for (let i = 0; i < 100; i++) core.events.emit('dataset.changed', { reason: 'labels', imageIds: [i] });
  for (let i = 0; i < 100 && frames.length < 1; i++) await sleep(10);
  await sleep(50);
  assert.equal(frames.length, 1);
  const batch = frames[0] as { event: string; payload: { imageIds: number[] } }[];
  assert.equal(batch.length, 100);
  assert.deepEqual(
    batch.map((m) => m.payload.imageIds[0]),
    Array.from({ length: 100 }, (_, i) => i),
  );
});

test('WebSocket: a stream of events across many turns is sent as a few frames, none lost', async (t) => {
  const { core, server } = await setup(t);
  const ws = new WebSocket(`${server.url.replace('http', 'ws')}ws?token=${server.token}`);
  t.after(() => ws.close());
  const frames: unknown[] = [];
  ws.on('message', (data) => frames.push(JSON.parse(String(data))));
  await new Promise((resolve) => ws.once('open', resolve));
  for (let i = 0; i < 50 && frames.length < 1; i++) await sleep(10);
  frames.length = 0;
  const t0 = performance.now();
  // One event per turn of the event loop, as a busy writer emits them.
  for (let i = 0; i < 200; i++) {
    core.events.emit('dataset.changed', { reason: 'labels', imageIds: [i] });
    await new Promise((resolve) => setImmediate(resolve));
  }
  const elapsed = performance.now() - t0;
  await sleep(150);
  const events = frames.flatMap((f) => (Array.isArray(f) ? f : [f])) as { payload: { imageIds: number[] } }[];
  assert.deepEqual(
    events.map((e) => e.payload.imageIds[0]),
    Array.from({ length: 200 }, (_, i) => i),
  );
  // At most one frame per 50 ms of the stream (plus the first and the last).
  assert.ok(frames.length <= Math.ceil(elapsed / 50) + 2, `${frames.length} frames in ${elapsed} ms`);
  assert.ok(frames.length < 200);
});
