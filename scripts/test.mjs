#!/usr/bin/env node
// Runs every check `npm test` promises, in order: typecheck, lint, renderer build, then the
// unit, integration and browser end-to-end suites under node:test (through tsx).
// Unit test files run in parallel (they are pure and quick); integration and end-to-end files run
// one at a time because they bundle, start processes and share the same CPU-heavy work.
// It ends with one plain "N passed, N failed, N skipped" line that sums all suites.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { availableParallelism, tmpdir } from 'node:os';

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

function runSuite(name, files, concurrency = 1) {
  if (files.length === 0) return;
  const dir = mkdtempSync(join(tmpdir(), 'incept-tap-'));
  const tap = join(dir, 'out.tap');
  const passed = step(`${name} (${files.length} files)`, process.execPath, [
    '--import',
    'tsx',
    '--test',
    `--test-concurrency=${concurrency}`,
    '--test-reporter=spec',
    '--test-reporter-destination=stdout',
    '--test-reporter=tap',
    `--test-reporter-destination=${tap}`,
    ...files.map((f) => relative(root, f)),
  ]);
  const text = readFileSync(tap, 'utf8');
  const count = (key) => sumKey(text, key);
  totals.passed += count('pass');
  totals.failed += count('fail');
  totals.skipped += count('skipped') + count('todo');
  rmSync(dir, { recursive: true, force: true });
  if (!passed) ok = false;
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
  // One more file in flight than cores keeps the cores busy while a file starts up under tsx.
  runSuite('unit', findTests(join(root, 'test/unit')), availableParallelism() + 1);
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
