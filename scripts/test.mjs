#!/usr/bin/env node
// Runs every check `npm test` promises, in order: typecheck, lint, renderer build, then the
// unit, integration and browser end-to-end suites under node:test (through tsx).
// Unit test files run in parallel (they are pure and quick), each in its own process but compiled
// to JavaScript once beforehand (see compile-tests.mjs), so no process pays for tsx; integration
// and end-to-end files run one at a time under tsx because they bundle, start processes and share
// the same CPU-heavy work.
// It ends with one plain "N passed, N failed, N skipped" line that sums all suites.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { availableParallelism, tmpdir } from 'node:os';
import { compileTests } from './compile-tests.mjs';

const root = new URL('..', import.meta.url).pathname;
const only = process.argv.slice(2);
const wanted = (suite) => only.length === 0 || only.includes(suite);

function findTests(dir) {
  const out = [];
  let entries;
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of entries.sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...findTests(path));
    else if (/\.test\.ts$/.test(name)) out.push(path);
  }
  return out;
}

function step(title, cmd, args, env = {}) {
  console.log(`\n=== ${title}: ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  return r.status === 0;
}

const totals = { passed: 0, failed: 0, skipped: 0 };
let ok = true;

/**
 * Runs `files` under node:test. `compiled` (source → compiled JavaScript, see compile-tests.mjs)
 * runs those instead and without tsx; the summary still counts every test once.
 */
function runSuite(name, files, concurrency = 1, compiled = null) {
  if (files.length === 0) return;
  const dir = mkdtempSync(join(tmpdir(), 'incept-tap-'));
  const tap = join(dir, 'out.tap');
  const loader = compiled ? [] : ['--import', 'tsx'];
  const targets = compiled ? files.map((f) => compiled.get(f)) : files.map((f) => relative(root, f));
  const passed = step(`${name} (${files.length} files)`, process.execPath, [
    ...loader,
    '--test',
    `--test-concurrency=${concurrency}`,
    '--test-reporter=spec',
    '--test-reporter-destination=stdout',
    '--test-reporter=tap',
    `--test-reporter-destination=${tap}`,
    ...targets,
  ]);
  const text = readFileSync(tap, 'utf8');
  const count = (key) => sumKey(text, key);
  totals.passed += count('pass');
  totals.failed += count('fail');
  totals.skipped += count('skipped') + count('todo');
  rmSync(dir, { recursive: true, force: true });
  if (!passed) {
    ok = false;
    if (compiled) {
      console.log(
        `\nThe ${name} files ran compiled (stack traces name the compiled copies, now removed);` +
          ' run a failing file from its source with: node --import tsx --test test/<path>.test.ts',
      );
    }
  }
}

function sumKey(text, key) {
  let n = 0;
  for (const m of text.matchAll(new RegExp(`^# ${key} (\\d+)$`, 'gm'))) n += Number(m[1]);
  return n;
}

const npx = (bin) => join(root, 'node_modules', '.bin', bin);

if (only.length === 0) {
  if (!step('typecheck', 'npm', ['run', '--silent', 'typecheck'])) {
    ok = false;
    totals.failed += 1;
  }
  if (!step('lint', 'npm', ['run', '--silent', 'lint'])) {
    ok = false;
    totals.failed += 1;
  }
}
if (wanted('unit')) {
  // One more file in flight than cores keeps the cores busy while a file starts up.
  const files = findTests(join(root, 'test/unit'));
  let build = null;
  try {
    build = await compileTests(root, files);
  } catch (err) {
    // esbuild has printed where; the suite counts as one failure, like a failed typecheck.
    console.log(`\n=== unit: the test files did not compile: ${err.message.split('\n')[0]}`);
    ok = false;
    totals.failed += 1;
  }
  if (build) {
    try {
      runSuite('unit', files, availableParallelism() + 1, build.compiled);
    } finally {
      rmSync(build.outdir, { recursive: true, force: true });
    }
  }
}
if (wanted('integration')) runSuite('integration', findTests(join(root, 'test/integration')));
if (wanted('e2e')) {
  if (
    !step('renderer build', npx('vite'), [
      'build',
      '--config',
      'renderer/vite.config.ts',
      '--logLevel',
      'warn',
    ])
  ) {
    ok = false;
    totals.failed += 1;
  } else {
    runSuite('end-to-end', findTests(join(root, 'test/e2e')));
  }
}

console.log(`\n${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(ok && totals.failed === 0 ? 0 : 1);
