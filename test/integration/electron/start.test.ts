import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { findElectronBinary, platformExecutable } from '../../../electron/tooling/electron-binary.ts';
import { REPO_ROOT } from '../../helpers/serve.ts';
import { tempDir } from '../../helpers/tmp.ts';

/** A fake install: node_modules/electron with or without a dist folder. */
function fakeRoot(dir: string, opts: { pathTxt?: string; withBinary?: boolean }): string {
  const pkg = join(dir, 'node_modules', 'electron');
  mkdirSync(pkg, { recursive: true });
  writeFileSync(join(pkg, 'package.json'), '{"name":"electron","version":"45.5.0"}');
  if (opts.pathTxt) writeFileSync(join(pkg, 'path.txt'), opts.pathTxt);
  if (opts.withBinary) {
    mkdirSync(join(pkg, 'dist'), { recursive: true });
    writeFileSync(join(pkg, 'dist', opts.pathTxt ?? 'electron'), '');
  }
  return dir;
}

test('the Electron binary is looked up without downloading it', (t) => {
  const dir = tempDir(t);
  const missing = findElectronBinary(fakeRoot(join(dir, 'a'), {}), {}, 'linux');
  assert.equal(missing.ok, false);
  assert.match(!missing.ok ? missing.reason : '', /binary is missing/);

  const present = findElectronBinary(
    fakeRoot(join(dir, 'b'), { pathTxt: 'electron', withBinary: true }),
    {},
    'linux',
  );
  assert.deepEqual(present, {
    ok: true,
    path: join(dir, 'b', 'node_modules', 'electron', 'dist', 'electron'),
  });

  const override = join(dir, 'unpacked');
  mkdirSync(override);
  writeFileSync(join(override, 'electron'), '');
  assert.deepEqual(findElectronBinary(join(dir, 'a'), { ELECTRON_OVERRIDE_DIST_PATH: override }, 'linux'), {
    ok: true,
    path: join(override, 'electron'),
  });
  const wrong = findElectronBinary(
    join(dir, 'a'),
    { ELECTRON_OVERRIDE_DIST_PATH: join(dir, 'nope') },
    'linux',
  );
  assert.match(!wrong.ok ? wrong.reason : '', /ELECTRON_OVERRIDE_DIST_PATH/);
  assert.equal(platformExecutable('darwin'), 'Electron.app/Contents/MacOS/Electron');
  assert.equal(platformExecutable('win32'), 'electron.exe');
});

test('npm start without an Electron binary points at "npx incept serve" and exits 1, no stack trace', (t) => {
  const binary = findElectronBinary(REPO_ROOT);
  if (binary.ok) return t.skip(`an Electron binary exists here (${binary.path}); npm start would launch it`);
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.ELECTRON_OVERRIDE_DIST_PATH;
  const r = spawnSync(process.execPath, [join(REPO_ROOT, 'scripts', 'start.mjs')], {
    cwd: REPO_ROOT,
    env,
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /npx incept serve/);
  assert.match(r.stderr, /Electron is not available/);
  assert.doesNotMatch(r.stderr + r.stdout, /^\s+at .+:\d+:\d+\)?$/m, 'no stack trace');
  assert.doesNotMatch(r.stdout, /Building the renderer/, 'it stops before building anything');
});
