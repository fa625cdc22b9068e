import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import WebSocket from 'ws';
import { Core } from '../../../src/core.ts';
import { startServer } from '../../../src/server/server.ts';
import { tempDir } from '../../helpers/tmp.ts';

async function setup(t: { after(fn: () => Promise<void> | void): void }) {
  const dir = tempDir(t);
  const core = new Core({ dataDir: join(dir, 'data') });
  const server = await startServer({ core, port: 0, staticDir: null });
  t.after(async () => {
    await server.close();
    await core.dispose();
  });
  const post = (method: string, body: unknown, token: string | null = server.token) =>
    fetch(`${server.url}api/${method}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  return { dir, core, server, post };
}

test('HTTP: listens on 127.0.0.1 with a random port and a random token', async (t) => {
  const { server } = await setup(t);
  assert.equal(server.host, '127.0.0.1');
  assert.ok(server.port > 0);
  assert.ok(server.token.length >= 32);
  assert.match(server.openUrl, /\?token=/);
});

test('HTTP: every request without the right token gets 401 with a JSON error', async (t) => {
  const { server, post } = await setup(t);
  for (const res of [
    await post('app.info', {}, null),
    await post('app.info', {}, 'wrong-token'),
    await fetch(server.url),
    await fetch(`${server.url}img/1/thumb`),
  ]) {
    assert.equal(res.status, 401);
    const body = (await res.json()) as { error: { code: string; message: string } };
    assert.equal(body.error.code, 'unauthorized');
    assert.match(body.error.message, /token/);
  }
  const ok = await post('app.info', {});
  assert.equal(ok.status, 200);
  const viaQuery = await fetch(`${server.url}api/app.info?token=${server.token}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: '{}',
  });
  assert.equal(viaQuery.status, 200);
});

test('HTTP: contract validation, unknown methods and bad JSON are 4xx with a typed body; nothing is written', async (t) => {
  const { dir, post } = await setup(t);
  const cases: [string, unknown, number, string][] = [
    ['project.nothing', {}, 404, 'unknown_method'],
    ['project.create', { path: 5 }, 400, 'invalid_args'],
    ['project.create', '{not json', 400, 'invalid_args'],
    ['project.open', { path: join(dir, 'absent.incept') }, 404, 'not_found'],
    ['project.create', { path: join(dir, 'no', 'such', 'dir', 'p.incept') }, 404, 'not_found'],
  ];
  for (const [method, body, status, code] of cases) {
    const res = await post(method, body);
    assert.equal(res.status, status, `${method} ${JSON.stringify(body)}`);
    const json = (await res.json()) as { error: { code: string; message: string } };
    assert.equal(json.error.code, code);
    assert.ok(json.error.message.length > 10);
  }
  assert.equal(existsSync(join(dir, 'absent.incept')), false);
  const get = await fetch(`${(await setup(t)).server.url}api/app.info`, {
    headers: { Authorization: `Bearer ${(await setup(t)).server.token}` },
  });
  assert.equal(get.status, 401, 'a token from another server is refused');
});

test('WebSocket: needs the token, then pushes events', async (t) => {
  const { dir, server, post } = await setup(t);
  const wsUrl = server.url.replace('http', 'ws') + 'ws';
  const refused = await new Promise<string>((resolve) => {
    const ws = new WebSocket(wsUrl);
    ws.on('unexpected-response', (_req, res) => resolve(String(res.statusCode)));
    ws.on('open', () => resolve('open'));
    ws.on('error', () => resolve('error'));
  });
  assert.equal(refused, '401');

  const ws = new WebSocket(`${wsUrl}?token=${server.token}`);
  t.after(() => ws.close());
  const events: { event: string; payload: unknown }[] = [];
  ws.on('message', (data) => {
    const frame = JSON.parse(String(data)) as
      { event: string; payload: unknown } | { event: string; payload: unknown }[];
    events.push(...(Array.isArray(frame) ? frame : [frame]));
  });
  await new Promise((resolve) => ws.once('open', resolve));
  const res = await post('project.create', { path: join(dir, 'events.incept') });
  assert.equal(res.status, 200);
  for (let i = 0; i < 50 && !events.some((e) => e.event === 'project.changed'); i++)
    await new Promise((resolve) => setTimeout(resolve, 20));
  const changed = events.find((e) => e.event === 'project.changed') as
    { payload: { project: { name: string } } } | undefined;
  assert.equal(changed?.payload.project.name, 'events');
});
