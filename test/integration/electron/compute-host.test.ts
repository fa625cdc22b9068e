/**
 * The compute host under plain Node, as a forked child: the TypeScript module through tsx, and
 * the esbuild bundles that Electron runs (no tsx: proves the bundles find migrations and
 * package.json through their rewritten import.meta.url, and that the bundled compute worker runs
 * the engines with no TypeScript loader anywhere).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, matchesGlob, relative } from 'node:path';
import type { Events, ExportReport, JobInfo, JobStarted, ModelStatus } from '../../../src/api/contract.ts';
import type { ApiError } from '../../../src/domain/errors.ts';
import { COMPUTE_WORKER_ENV } from '../../../src/jobs/compute-client.ts';
import { TFJS_CHECK_WORKER_BUNDLE } from '../../../src/export/tfjs-check-protocol.ts';
import { bundledWorkerFor } from '../../../electron/compute-host.ts';
import { spawnNodeCompute } from '../../../electron/compute-node.ts';
import {
  COMPUTE_WORKER_BUNDLE,
  type ComputeEnd,
  type ComputeStatus,
} from '../../../electron/compute-process-protocol.ts';
import { ComputeSupervisor } from '../../../electron/compute-supervisor.ts';
import { bundleElectron } from '../../../electron/tooling/bundle.ts';
import { writeGoogLeNet } from '../../fixtures/googlenet.ts';
import { writeClassTree } from '../../fixtures/images.ts';
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

test('the bundled host finds its worker bundle beside itself; under tsx there is none', () => {
  const host = join('/app', 'electron', 'dist', 'compute-host.cjs');
  assert.equal(bundledWorkerFor(host), join('/app', 'electron', 'dist', COMPUTE_WORKER_BUNDLE));
  assert.equal(bundledWorkerFor(HOST_TS), undefined);
  assert.equal(bundledWorkerFor(undefined), undefined);
});

/** Copies what electron-builder's `files` would put in app.asar from these top-level entries. */
function stageShippedFiles(app: string, tops: string[]): string[] {
  const { files } = createRequire(import.meta.url)(
    join(REPO_ROOT, 'build', 'electron-builder.config.cjs'),
  ) as { files: string[] };
  const shipped = (rel: string): boolean =>
    files.some((g) => !g.startsWith('!') && matchesGlob(rel, g)) &&
    !files.some((g) => g.startsWith('!') && matchesGlob(rel, g.slice(1)));
  const copied: string[] = [];
  const walk = (rel: string): void => {
    const abs = join(REPO_ROOT, rel);
    if (statSync(abs).isDirectory()) {
      for (const name of readdirSync(abs)) walk(`${rel}/${name}`);
    } else if (shipped(rel)) {
      mkdirSync(dirname(join(app, rel)), { recursive: true });
      copyFileSync(abs, join(app, rel));
      copied.push(rel);
    }
  };
  for (const top of tops) walk(top);
  return copied;
}

test('the bundled worker runs the engines from an app folder with no TypeScript and no tsx', async (t) => {
  mkdirSync(join(REPO_ROOT, 'electron', 'dist'), { recursive: true });
  const outdir = mkdtempSync(join(REPO_ROOT, 'electron', 'dist', 'test-'));
  t.after(() => rmSync(outdir, { recursive: true, force: true }));
  await bundleElectron({
    root: REPO_ROOT,
    outdir,
    entries: ['compute-host', 'compute-worker', 'tfjs-check-worker'],
  });

  // An app folder laid out like app.asar: the bundles at the same place below it (their banner
  // finds the app folder relative to themselves), what the builder config ships of package.json,
  // migrations/ and src/, and the repository's packages. No TypeScript worker is there to fall
  // back on, so features can only be computed by the bundled one.
  const dir = tempDir(t);
  const app = join(dir, 'app');
  const bundleDir = join(app, relative(REPO_ROOT, outdir));
  mkdirSync(bundleDir, { recursive: true });
  for (const file of ['compute-host.cjs', COMPUTE_WORKER_BUNDLE, TFJS_CHECK_WORKER_BUNDLE])
    copyFileSync(join(outdir, file), join(bundleDir, file));
  const staged = stageShippedFiles(app, ['package.json', 'migrations', 'src']);
  assert.ok(staged.includes('package.json') && staged.some((f) => f.startsWith('migrations/')));
  assert.ok(staged.includes('src/export/samples/node.mjs'), 'the export samples ship');
  assert.ok(!existsSync(join(app, 'src', 'jobs')), 'no TypeScript worker (nor its tsx entry) ships');
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(app, 'node_modules'), 'junction');

  const images = join(dir, 'shapes');
  await writeClassTree(images, { classes: 2, perClass: 3, size: 64, seed: 4 });
  const modelPath = join(dir, 'googlenet.onnx');
  await writeGoogLeNet(modelPath, { seed: 5 });

  const finished: JobInfo[] = [];
  const supervisor = new ComputeSupervisor({
    spawn: () =>
      spawnNodeCompute({
        entry: join(bundleDir, 'compute-host.cjs'),
        execArgv: [],
        // Nothing that would load tsx into the child, and no worker named: the host picks its own.
        // tfjs on wasm whatever is installed, so its .wasm files must be found from the bundle.
        env: {
          INCEPT_DATA_DIR: join(dir, 'data'),
          INCEPT_DISABLE_NATIVE_TF: '1',
          NODE_OPTIONS: undefined,
          [COMPUTE_WORKER_ENV]: undefined,
        },
        cwd: dir,
      }),
    onEvent: (event, payload) => {
      if (event === 'job.finished') finished.push(payload as JobInfo);
    },
  });
  t.after(() => supervisor.stop());
  await supervisor.start();
  const job = async (started: unknown): Promise<JobInfo> => {
    const { jobId } = started as JobStarted;
    const info = await waitFor(finished, (j) => j.id === jobId, `job ${jobId}`, 180_000);
    assert.equal(info.status, 'succeeded', JSON.stringify(info.error));
    return info;
  };

  await supervisor.call('project.create', { path: join(dir, 'shapes.incept') });
  await job(await supervisor.call('import.start', { folder: images, labelsFromFolders: true }));
  const model = (await supervisor.call('model.import', { path: modelPath })) as ModelStatus;
  assert.equal(model.ready, true, model.problem ?? '');
  const features = await job(await supervisor.call('features.start', {}));
  const result = features.result as { computed: number; failed: number; engine: string };
  assert.equal(result.failed, 0, JSON.stringify(result));
  assert.equal(result.computed, 6);
  const status = (await supervisor.call('model.status', {})) as ModelStatus;
  assert.deepEqual(status.features, { images: 6, done: 6, missing: 0, failed: 0 });

  // Training (tfjs) and an export, which copies the samples and self-checks the files with
  // onnxruntime and with tfjs on wasm (in threads started from tfjs-check-worker.cjs: no
  // TypeScript ships, so the check can only pass if that bundle is found beside the worker's).
  await job(await supervisor.call('train.start', { settings: { seed: 3 } }));
  const out = join(dir, 'export');
  const exported = await job(await supervisor.call('export.start', { format: 'both', out }));
  const report = exported.result as ExportReport;
  assert.deepEqual(report.formats.sort(), ['onnx', 'tfjs']);
  assert.deepEqual(report.checks.map((c) => c.format).sort(), ['onnx', 'tfjs']);
  for (const check of report.checks) assert.equal(check.passed, true, JSON.stringify(check));
  for (const sample of readdirSync(join(REPO_ROOT, 'src', 'export', 'samples')))
    assert.ok(existsSync(join(out, 'samples', sample)), `sample ${sample} exported`);
  await supervisor.stop();
});
