/**
 * The compute host under plain Node, as a forked child: the TypeScript module through tsx, and
 * the esbuild bundle that Electron runs (no tsx: proves the bundle finds migrations and
 * package.json through its rewritten import.meta.url).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Events } from '../../../src/api/contract.ts';
import type { ApiError } from '../../../src/api/errors.ts';
import { spawnNodeCompute } from '../../../electron/compute-node.ts';
import type { ComputeEnd, ComputeStatus } from '../../../electron/compute-protocol.ts';
import { ComputeSupervisor } from '../../../electron/compute-supervisor.ts';
import { bundleElectron } from '../../../electron/tooling/bundle.ts';
import { REPO_ROOT } from '../../helpers/serve.ts';
import { tempDir } from '../../helpers/tmp.ts';

const HOST_TS = join(REPO_ROOT, 'electron', 'compute-host.ts');
const VERSION = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string })
  .version;

function waitFor<T>(items: T[], pred: (item: T) => boolean, what: string, ms = 20_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const poll = (): void => {
      const found = items.find(pred);
      if (found !== undefined) return resolve(found);
      if (Date.now() - started > ms) return reject(new Error(`timed out waiting for ${what}`));
      setTimeout(poll, 20);
    };
    poll();
  });
}

test('the host serves the API over the message protocol, forwards events, and is restarted after a crash', async (t) => {
  const dir = tempDir(t);
  const events: { event: string; payload: unknown }[] = [];
  const ends: ComputeEnd[] = [];
  const statuses: ComputeStatus[] = [];
  const supervisor = new ComputeSupervisor({
    spawn: () =>
      spawnNodeCompute({
        entry: HOST_TS,
        execArgv: ['--import', 'tsx'],
        env: { INCEPT_DATA_DIR: join(dir, 'data') },
      }),
    onEvent: (event, payload) => events.push({ event, payload }),
    onEnd: (end) => ends.push(end),
    onStatus: (status) => statuses.push(status),
    restartDelayMs: 10,
  });
  t.after(() => supervisor.stop());
  await supervisor.start();
  const firstPid = supervisor.pid;
  assert.ok(firstPid && firstPid !== process.pid, 'a separate process');

  const info = (await supervisor.call('app.info', {})) as { name: string; version: string; project: unknown };
  assert.equal(info.name, 'Incept');
  assert.equal(info.version, VERSION);
  assert.equal(info.project, null);

  const path = join(dir, 'birds.incept');
  const created = (await supervisor.call('project.create', { path })) as { path: string };
  assert.equal(created.path, path);
  const changed = await waitFor(events, (e) => e.event === 'project.changed', 'project.changed');
  assert.equal((changed.payload as Events['project.changed']).project?.path, path);
  assert.equal(supervisor.projectPath, path);

  await assert.rejects(
    supervisor.call('project.create', { path: '' }),
    (err: ApiError) => err.code === 'invalid_args',
  );
  await assert.rejects(supervisor.call('no.such', {}), (err: ApiError) => err.code === 'unknown_method');
  await assert.rejects(supervisor.image('999/thumb'), (err: ApiError) => err.code === 'not_found');
  await assert.rejects(supervisor.image('../etc/passwd'), (err: ApiError) => err.code === 'invalid_args');

  process.kill(firstPid, 'SIGKILL');
  const crash = await waitFor(ends, (e) => e.type === 'crash', 'a crash event');
  assert.deepEqual(crash, {
    type: 'crash',
    pid: firstPid,
    code: null,
    signal: 'SIGKILL',
    reason: 'killed by SIGKILL',
  });
  assert.ok(statuses.some((s) => s.state === 'crashed' && s.restarting));

  // The next call waits for the new process, which has reopened the project.
  const current = (await supervisor.call('project.current', {})) as { path: string } | null;
  assert.equal(current?.path, path);
  assert.notEqual(supervisor.pid, firstPid);
  assert.equal(supervisor.restarts, 1);
  assert.ok(statuses.some((s) => s.state === 'ready' && s.restarts === 1));

  await supervisor.stop();
  assert.deepEqual(ends.at(-1), { type: 'exit', pid: ends.at(-1)!.pid, code: 0, signal: null });
  await assert.rejects(supervisor.call('app.info', {}), (err: ApiError) => err.code === 'unavailable');
});

test('the bundled host (what Electron runs) works under plain Node without tsx', async (t) => {
  // Below electron/dist (git-ignored), so packages resolve from the repository's node_modules.
  mkdirSync(join(REPO_ROOT, 'electron', 'dist'), { recursive: true });
  const outdir = mkdtempSync(join(REPO_ROOT, 'electron', 'dist', 'test-'));
  t.after(() => rmSync(outdir, { recursive: true, force: true }));
  await bundleElectron({ root: REPO_ROOT, outdir, entries: ['compute-host'] });
  const entry = join(outdir, 'compute-host.cjs');
  assert.ok(existsSync(entry));
  const dir = tempDir(t);
  const supervisor = new ComputeSupervisor({
    spawn: () => spawnNodeCompute({ entry, env: { INCEPT_DATA_DIR: join(dir, 'data') } }),
  });
  t.after(() => supervisor.stop());
  await supervisor.start();
  const info = (await supervisor.call('app.info', {})) as { version: string };
  assert.equal(info.version, VERSION, 'package.json found next to the sources');
  const project = (await supervisor.call('project.create', { path: join(dir, 'p.incept') })) as {
    schemaVersion: number;
  };
  assert.ok(project.schemaVersion >= 1, 'migrations found and applied');
  await supervisor.stop();
});
