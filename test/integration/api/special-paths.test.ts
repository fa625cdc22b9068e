import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { INCEPT_BIN, REPO_ROOT, startServeProcess } from '../../helpers/serve.ts';
import { tempDir } from '../../helpers/tmp.ts';

test('export to /proc, /sys or /dev is refused at once and the server keeps answering', async (t) => {
  if (process.platform !== 'linux') return t.skip('kernel file systems at /proc and /sys are Linux');
  const dir = tempDir(t);
  const data = join(dir, 'data');
  const project = join(dir, 'p.incept');
  const init = spawnSync(process.execPath, [INCEPT_BIN, 'init', project], {
    cwd: REPO_ROOT,
    env: { ...process.env, INCEPT_DATA_DIR: data },
    encoding: 'utf8',
  });
  assert.equal(init.status, 0, init.stderr);
  // In a child process: a server whose event loop hangs must not hang the test runner too.
  const server = await startServeProcess([project, '--no-ui'], { INCEPT_DATA_DIR: data });
  t.after(() => void server.child.kill('SIGKILL'));
  const post = (method: string, body: unknown) =>
    fetch(`${server.url}api/${method}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${server.token}` },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
  const cases: [string, unknown][] = [
    ['dataset.export', { format: 'csv', out: '/proc/self/x' }],
    ['dataset.export', { format: 'csv', out: '/proc/self/x/labels.csv' }],
    ['dataset.export', { format: 'folders', out: '/sys/kernel/incept-export' }],
    ['dataset.export', { format: 'folders', out: '/dev/shm-not/x' }],
    ['export.start', { format: 'onnx', out: '/proc/1/incept-model' }],
  ];
  for (const [method, body] of cases) {
    const res = await post(method, body);
    assert.equal(res.status, 400, `${method} ${JSON.stringify(body)}`);
    const json = (await res.json()) as { error: { code: string; message: string } };
    assert.equal(json.error.code, 'invalid_args');
    assert.match(json.error.message, /not on a disk/);
  }
  // Reading a device or a pipe would hold the event loop forever (a FIFO with no writer blocks open()).
  const fifo = join(dir, 'labels.csv');
  const made = spawnSync('mkfifo', [fifo]);
  for (const file of made.status === 0 ? ['/dev/zero', fifo] : ['/dev/zero']) {
    const res = await post('dataset.importCsv', { file });
    assert.equal(res.status, 400, file);
    assert.match(((await res.json()) as { error: { message: string } }).error.message, /not a regular file/);
  }
  const alive = await post('app.info', {});
  assert.equal(alive.status, 200);
});
