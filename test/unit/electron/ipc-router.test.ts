import { test } from 'node:test';
import assert from 'node:assert/strict';
import { methodNames, type MethodName } from '../../../src/api/contract.ts';
import { ApiError } from '../../../src/domain/errors.ts';
import { DESKTOP_CHANNELS } from '../../../electron/desktop-api.ts';
import { createApiRouter, createDesktopRouter, type SenderInfo } from '../../../electron/ipc-router.ts';

const OURS: SenderInfo = { frameUrl: 'app://incept/index.html', isMainFrame: true };

function recordingRouter(answer: (method: MethodName, args: unknown) => unknown = () => ({ ok: 1 })) {
  const forwarded: { method: MethodName; args: unknown }[] = [];
  const route = createApiRouter(async (method, args) => {
    forwarded.push({ method, args });
    return answer(method, args);
  });
  return { route, forwarded };
}

test('a valid call is forwarded and its result comes back', async () => {
  const { route, forwarded } = recordingRouter(() => ({ path: '/tmp/a.incept' }));
  const reply = await route('project.create', { path: '/tmp/a.incept' }, OURS);
  assert.deepEqual(reply, { ok: true, result: { path: '/tmp/a.incept' } });
  assert.deepEqual(forwarded, [{ method: 'project.create', args: { path: '/tmp/a.incept' } }]);
});

test('missing arguments read as {} and an undefined result as null', async () => {
  const { route, forwarded } = recordingRouter(() => undefined);
  assert.deepEqual(await route('app.info', undefined, OURS), { ok: true, result: null });
  assert.deepEqual(forwarded[0]!.args, {});
});

test('bad arguments are refused with invalid_args before anything is forwarded', async () => {
  const { route, forwarded } = recordingRouter();
  for (const args of [{}, { path: '' }, { path: 42 }, { path: '/x', extra: true }, 'nope']) {
    const reply = await route('project.create', args, OURS);
    assert.equal(reply.ok, false);
    assert.equal(!reply.ok && reply.error.code, 'invalid_args', JSON.stringify(args));
    assert.match(!reply.ok ? reply.error.message : '', /project\.create/);
  }
  const extra = await route('app.info', { sneaky: 1 }, OURS);
  assert.equal(!extra.ok && extra.error.code, 'invalid_args', 'strict schemas refuse extra keys');
  assert.equal(forwarded.length, 0);
});

test('unknown methods are refused', async () => {
  const { route, forwarded } = recordingRouter();
  for (const name of ['fs.readFile', 'constructor', '__proto__', '', 42, null]) {
    const reply = await route(name, {}, OURS);
    assert.equal(!reply.ok && reply.error.code, 'unknown_method', String(name));
  }
  assert.equal(forwarded.length, 0);
});

test('calls from other frames or pages are refused as unauthorized', async () => {
  const { route, forwarded } = recordingRouter();
  for (const sender of [
    { frameUrl: 'app://incept/index.html', isMainFrame: false },
    { frameUrl: 'https://example.com/', isMainFrame: true },
    { frameUrl: 'devtools://devtools/x', isMainFrame: true },
    { frameUrl: null, isMainFrame: true },
  ]) {
    const reply = await route('app.info', {}, sender);
    assert.equal(!reply.ok && reply.error.code, 'unauthorized', JSON.stringify(sender));
  }
  assert.equal(forwarded.length, 0);
});

test('failures cross as { code, message } (Electron would strip an Error down to its message)', async () => {
  const { route } = recordingRouter(() => {
    throw new ApiError('conflict', '/tmp/a.incept already exists.');
  });
  assert.deepEqual(await route('project.create', { path: '/tmp/a.incept' }, OURS), {
    ok: false,
    error: { code: 'conflict', message: '/tmp/a.incept already exists.' },
  });
  const { route: crashing } = recordingRouter(() => {
    throw new TypeError('boom');
  });
  assert.deepEqual(await crashing('app.info', {}, OURS), {
    ok: false,
    error: { code: 'internal', message: 'boom' },
  });
});

test('every contract method validates through the router', async () => {
  const { route } = recordingRouter();
  for (const method of methodNames) {
    const reply = await route(method, { definitelyNotAnArgument: true }, OURS);
    assert.equal(!reply.ok && reply.error.code, 'invalid_args', method);
  }
});

test('desktop channels check the sender and their arguments too', async () => {
  const calls: unknown[] = [];
  const route = createDesktopRouter({
    [DESKTOP_CHANNELS.openProject]: async () => '/tmp/p.incept',
    [DESKTOP_CHANNELS.newProject]: async (args) => (calls.push(args), null),
    [DESKTOP_CHANNELS.chooseFolder]: async (args) => (calls.push(args), '/tmp/images'),
    [DESKTOP_CHANNELS.chooseFile]: async (args) => (calls.push(args), '/tmp/m.onnx'),
    [DESKTOP_CHANNELS.reveal]: async (args) => void calls.push(args),
  });
  assert.deepEqual(await route(DESKTOP_CHANNELS.openProject, undefined, OURS), {
    ok: true,
    result: '/tmp/p.incept',
  });
  assert.deepEqual(await route(DESKTOP_CHANNELS.chooseFolder, {}, OURS), { ok: true, result: '/tmp/images' });
  assert.deepEqual(calls.pop(), { purpose: 'import' }, 'defaults applied');
  assert.deepEqual(await route(DESKTOP_CHANNELS.chooseFile, { extensions: ['onnx'] }, OURS), {
    ok: true,
    result: '/tmp/m.onnx',
  });
  const dotted = await route(DESKTOP_CHANNELS.chooseFile, { extensions: ['.onnx'] }, OURS);
  assert.equal(!dotted.ok && dotted.error.code, 'invalid_args');
  const bad = await route(DESKTOP_CHANNELS.reveal, { path: 7 }, OURS);
  assert.equal(!bad.ok && bad.error.code, 'invalid_args');
  const extra = await route(DESKTOP_CHANNELS.chooseFolder, { purpose: 'delete' }, OURS);
  assert.equal(!extra.ok && extra.error.code, 'invalid_args');
  const foreign = await route(
    DESKTOP_CHANNELS.openProject,
    {},
    { frameUrl: 'https://x/', isMainFrame: true },
  );
  assert.equal(!foreign.ok && foreign.error.code, 'unauthorized');
  const unknown = await route('desktop:shell:open-external' as typeof DESKTOP_CHANNELS.reveal, {}, OURS);
  assert.equal(!unknown.ok && unknown.error.code, 'unknown_method');
});
