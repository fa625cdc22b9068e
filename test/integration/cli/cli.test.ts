import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { INCEPT_BIN, REPO_ROOT, startServeProcess } from '../../helpers/serve.ts';
import { tempDir } from '../../helpers/tmp.ts';

function incept(args: string[], dataDir: string): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [INCEPT_BIN, ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, INCEPT_DATA_DIR: dataDir },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('CLI: --help lists the commands; unknown commands exit 2 with one line', (t) => {
  const dir = tempDir(t);
  const help = incept(['--help'], dir);
  assert.equal(help.code, 0);
  for (const c of ['init', 'serve', 'info']) assert.match(help.stdout, new RegExp(`\\b${c}\\b`));
  const bad = incept(['frobnicate'], dir);
  assert.equal(bad.code, 2);
  assert.equal(bad.stderr.trim().split('\n').length, 1);
  assert.match(bad.stderr, /unknown command "frobnicate"/);
  const badOpt = incept(['init', '--colour', 'x'], dir);
  assert.equal(badOpt.code, 2);
  assert.match(badOpt.stderr, /Unknown option '--colour'/);
});

test('CLI: init and info with --json; errors exit 2 with one line (and a JSON error under --json)', (t) => {
  const dir = tempDir(t);
  const data = join(dir, 'data');
  const created = incept(['init', join(dir, 'flowers'), '--json'], data);
  assert.equal(created.code, 0, created.stderr);
  const project = JSON.parse(created.stdout) as { path: string; name: string; schemaVersion: number };
  assert.equal(project.path, join(dir, 'flowers.incept'));
  assert.ok(project.schemaVersion >= 1);

  const again = incept(['init', join(dir, 'flowers.incept'), '--json'], data);
  assert.equal(again.code, 2);
  assert.deepEqual(Object.keys(JSON.parse(again.stdout) as object), ['error']);
  assert.equal((JSON.parse(again.stdout) as { error: { code: string } }).error.code, 'conflict');
  assert.equal(again.stderr.trim().split('\n').length, 1);

  const info = incept(['info', '--json'], data);
  assert.equal(info.code, 0);
  const parsed = JSON.parse(info.stdout) as { engines: { name: string }[]; version: string };
  assert.ok(parsed.engines.some((e) => e.name === 'wasm'));

  const missingArg = incept(['init'], data);
  assert.equal(missingArg.code, 2);
  assert.match(missingArg.stderr, /missing <project>/);

  writeFileSync(join(dir, 'fake.incept'), 'not sqlite');
  const recent = incept(['recent', '--json'], data);
  assert.equal(recent.code, 0);
  assert.equal((JSON.parse(recent.stdout) as { path: string }[])[0]?.path, project.path);
});

test('CLI: serve prints a URL and refuses a bad port', (t) => {
  const dir = tempDir(t);
  const bad = incept(['serve', '--port', 'abc', '--no-ui'], dir);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--port needs a number/);
  const notProject = incept(['serve', join(dir, 'nothing.incept'), '--no-ui'], dir);
  assert.equal(notProject.code, 2);
  assert.match(notProject.stderr, /No project at/);
});

test('CLI: serve keeps its token across restarts (so open pages reconnect) unless told otherwise', async (t) => {
  const dir = tempDir(t);
  const env = { INCEPT_DATA_DIR: dir };
  const first = await startServeProcess(['--no-ui'], env);
  await first.stop();
  const second = await startServeProcess(['--no-ui'], env);
  t.after(() => second.stop());
  assert.equal(second.token, first.token);
  const ok = await fetch(`${second.url}api/app.info`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${first.token}` },
  });
  assert.equal(ok.status, 200);
  const rotated = await startServeProcess(['--no-ui', '--new-token'], env);
  t.after(() => rotated.stop());
  assert.notEqual(rotated.token, first.token);
  const short = incept(['serve', '--no-ui', '--token', 'abc'], dir);
  assert.equal(short.code, 2);
  assert.match(short.stderr, /--token needs at least 32/);
});

test('CLI: a model imported for one project is offered to the next, and --use takes it', async (t) => {
  const dir = tempDir(t);
  const data = join(dir, 'data');
  const { writeGoogLeNet } = await import('../../fixtures/googlenet.ts');
  const modelPath = join(dir, 'my-googlenet.onnx');
  await writeGoogLeNet(modelPath, { seed: 2 });
  assert.equal(incept(['init', join(dir, 'a')], data).code, 0);
  const imported = incept(['model', join(dir, 'a.incept'), '--file', modelPath], data);
  assert.equal(imported.code, 0, imported.stderr);

  assert.equal(incept(['init', join(dir, 'b')], data).code, 0);
  const offered = incept(['model', join(dir, 'b.incept')], data);
  assert.equal(offered.code, 0, offered.stderr);
  assert.match(offered.stdout, /Already on this machine/);
  const sha = /^ {2}([0-9a-f]{12}) {2}my-googlenet\.onnx/m.exec(offered.stdout)?.[1];
  assert.ok(sha, offered.stdout);
  const used = incept(['model', join(dir, 'b.incept'), '--use', sha, '--json'], data);
  assert.equal(used.code, 0, used.stderr);
  const status = JSON.parse(used.stdout) as { ready: boolean; model: { name: string } };
  assert.equal(status.ready, true);
  assert.equal(status.model.name, 'my-googlenet.onnx');
  const unknown = incept(['model', join(dir, 'b.incept'), '--use', 'ffffffff'], data);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /no model on this machine matches/);
});
