import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { ApiError } from '../../../src/domain/errors.ts';
import { createCoreDispatch } from '../../../src/api/handlers.ts';
import { methodNames, methods } from '../../../src/api/contract.ts';
import { Core } from '../../../src/core.ts';
import { tempDir } from '../../helpers/tmp.ts';

function setup(t: { after(fn: () => void): void }): {
  dir: string;
  core: Core;
  call: (m: unknown, a: unknown) => Promise<unknown>;
} {
  const dir = tempDir(t);
  const core = new Core({ dataDir: join(dir, 'data') });
  t.after(() => void core.dispose());
  return { dir, core, call: createCoreDispatch(core) };
}

async function rejectsWith(p: Promise<unknown>, code: string, pattern?: RegExp): Promise<ApiError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof ApiError, `expected ApiError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    if (pattern) assert.match(err.message, pattern);
    return err;
  }
  assert.fail(`expected an ApiError with code ${code}`);
}

test('every contract method has a doc string and an argument schema', () => {
  assert.ok(methodNames.length >= 5);
  for (const name of methodNames) {
    assert.ok(methods[name].doc.length > 5, `${name} documents itself`);
    assert.equal(typeof methods[name].args.safeParse, 'function');
  }
});

test('unknown methods and malformed arguments are refused with typed errors', async (t) => {
  const { call } = setup(t);
  await rejectsWith(call('project.explode', {}), 'unknown_method', /Unknown method "project.explode"/);
  await rejectsWith(call(42, {}), 'unknown_method');
  const err = await rejectsWith(call('project.create', { path: 7 }), 'invalid_args', /path/);
  assert.ok(Array.isArray((err.details as { issues: unknown[] }).issues));
  await rejectsWith(call('project.create', {}), 'invalid_args', /path/);
  await rejectsWith(call('project.create', { path: '   ' }), 'invalid_args', /path is required/);
  await rejectsWith(call('project.open', { path: '/x', extra: true }), 'invalid_args', /extra/);
  await rejectsWith(call('app.info', 'nonsense'), 'invalid_args');
});

test('project lifecycle: create, recent, close, open; bad paths write nothing', async (t) => {
  const { dir, call } = setup(t);
  const created = (await call('project.create', { path: join(dir, 'cats') })) as {
    path: string;
    name: string;
  };
  assert.equal(created.path, join(dir, 'cats.incept'), 'the .incept extension is added');
  assert.equal(created.name, 'cats');
  await rejectsWith(call('project.create', { path: join(dir, 'cats.incept') }), 'conflict', /already exists/);
  assert.deepEqual(((await call('project.current', {})) as { path: string }).path, created.path);
  assert.deepEqual(await call('project.close', {}), { closed: true });
  assert.equal(await call('project.current', {}), null);
  const recent = (await call('project.recent', {})) as { path: string; exists: boolean }[];
  assert.equal(recent[0]?.path, created.path);
  assert.equal(recent[0]?.exists, true);
  const opened = (await call('project.open', { path: created.path })) as { path: string };
  assert.equal(opened.path, created.path);

  await rejectsWith(call('project.open', { path: join(dir, 'nope.incept') }), 'not_found', /No project at/);
  const text = join(dir, 'notes.incept');
  writeFileSync(text, 'hello, not a database');
  await rejectsWith(call('project.open', { path: text }), 'not_a_project', /not an Incept project/);
  await rejectsWith(
    call('project.create', { path: join(dir, 'missing-folder', 'x.incept') }),
    'not_found',
    /does not exist/,
  );
  // A failed open leaves the open project alone.
  assert.equal(((await call('project.current', {})) as { path: string }).path, created.path);
});
