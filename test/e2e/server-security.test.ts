import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Core } from '../../src/core.ts';
import { createCoreDispatch } from '../../src/api/handlers.ts';
import { startServer } from '../../src/server/server.ts';
import { chromiumMissingReason, launchChromium } from '../helpers/browser.ts';
import { tempDir } from '../helpers/tmp.ts';

/** A page on another port of the same host: the same site, so the session cookie goes along. */
async function startOtherSite(t: { after(fn: () => Promise<void>): void }): Promise<string> {
  const server: Server = createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end('<!doctype html><title>another page</title><p>hello</p>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}

interface Probe {
  status?: number;
  classes: string[];
  socket: string[];
}

test('browser: pages of other origins cannot drive the API or listen to events; a rebound name is refused', async (t) => {
  const missing = chromiumMissingReason();
  if (missing) return t.skip(missing);
  const dir = tempDir(t);
  const ui = join(dir, 'ui');
  mkdirSync(ui);
  writeFileSync(join(ui, 'index.html'), '<!doctype html><title>Incept</title><p>app</p>');
  const core = new Core({ dataDir: join(dir, 'data') });
  const dispatch = createCoreDispatch(core);
  await dispatch('project.create', { path: join(dir, 'p.incept') });
  const server = await startServer({ core, port: 0, staticDir: ui });
  t.after(async () => {
    await server.close();
    await core.dispose();
  });
  const classNames = async (): Promise<string[]> =>
    ((await dispatch('classes.list', {})) as { name: string }[]).map((c) => c.name);
  const other = await startOtherSite(t);

  const { browser, close } = await launchChromium([`--host-resolver-rules=MAP rebind.test 127.0.0.1`]);
  t.after(close);
  const context = await browser.newContext();
  const app = await context.newPage();
  // Opening the printed URL sets the session cookie, as for a person.
  const opened = await app.goto(server.openUrl);
  assert.equal(opened?.status(), 200);

  // The app's own page, with nothing but the cookie, works: the refusals below are not about auth.
  const own = (await app.evaluate(`(async (base) => {
    const res = await fetch(base + 'api/classes.create', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'own' }),
    });
    const socket = [];
    await new Promise((resolve) => {
      const ws = new WebSocket(base.replace('http', 'ws') + 'ws');
      ws.onopen = () => socket.push('open');
      ws.onmessage = () => { socket.push('message'); ws.close(); resolve(); };
      ws.onclose = () => resolve();
    });
    return { status: res.status, classes: [], socket };
  })(${JSON.stringify(server.url)})`)) as Probe;
  assert.equal(own.status, 200);
  assert.deepEqual(own.socket, ['open', 'message']);
  assert.deepEqual(await classNames(), ['own']);

  const attacker = await context.newPage();
  await attacker.goto(other);
  // A string, not a function: the test runner's transform would add helpers the page lacks.
  const attempt = (await attacker.evaluate(`(async (base) => {
    const post = (name, type) =>
      fetch(base + 'api/classes.create', {
        method: 'POST',
        mode: 'no-cors',
        credentials: 'include',
        headers: { 'Content-Type': type },
        body: JSON.stringify({ name }),
      }).catch(() => null);
    await post('from-text-plain', 'text/plain');
    await post('from-form', 'application/x-www-form-urlencoded');
    await post('from-multipart', 'multipart/form-data; boundary=x');
    // A JSON content type needs a CORS preflight, which the server never grants.
    await fetch(base + 'api/classes.create', {
      method: 'POST',
      credentials: 'include',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'from-json' }),
    }).catch(() => null);
    const socket = [];
    await new Promise((resolve) => {
      const ws = new WebSocket(base.replace('http', 'ws') + 'ws');
      ws.onopen = () => socket.push('open');
      ws.onmessage = (m) => socket.push('message ' + String(m.data).slice(0, 40));
      ws.onclose = () => resolve();
      setTimeout(() => { ws.close(); resolve(); }, 2000);
    });
    return { classes: [], socket };
  })(${JSON.stringify(server.url)})`)) as Probe;
  assert.deepEqual(await classNames(), ['own'], 'no request from the other page created a class');
  assert.deepEqual(attempt.socket, [], 'the other page got no WebSocket and no event');

  // DNS rebinding: a name that now points at 127.0.0.1 is not this server's name, token or not.
  const rebound = await context.newPage();
  const reboundUrl = server.openUrl.replace('127.0.0.1', 'rebind.test');
  const response = await rebound.goto(reboundUrl);
  assert.equal(response?.status(), 403);
  const apiFromRebound = (await rebound.evaluate(`(async (token) => {
    const res = await fetch('/api/classes.create', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: 'Bearer ' + token },
      body: JSON.stringify({ name: 'rebound' }),
    });
    return { status: res.status, classes: [], socket: [] };
  })(${JSON.stringify(server.token)})`)) as Probe;
  assert.equal(apiFromRebound.status, 403);
  assert.deepEqual(await classNames(), ['own']);
});
