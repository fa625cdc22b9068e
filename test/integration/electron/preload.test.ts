/**
 * The real preload bundle, run in a vm with a fake `electron` module: what it exposes, and that
 * it calls only the contract's channels. contextBridge.executeInMainWorld serialises its function,
 * so the fake does the same (toString into another context).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import vm from 'node:vm';
import { channelFor, eventNames, methodNames } from '../../../src/api/contract.ts';
import { DESKTOP_CHANNELS } from '../../../electron/desktop-api.ts';
import { bundleElectron } from '../../../electron/tooling/bundle.ts';
import { REPO_ROOT } from '../../helpers/serve.ts';
import { tempDir } from '../../helpers/tmp.ts';

let code = '';
const cleanups: (() => void)[] = [];
before(async () => {
  const dir = tempDir({ after: (fn) => cleanups.push(fn) });
  await bundleElectron({ root: REPO_ROOT, outdir: dir, entries: ['preload'] });
  code = readFileSync(join(dir, 'preload.cjs'), 'utf8');
});
after(() => cleanups.forEach((fn) => fn()));

interface Loaded {
  main: vm.Context & {
    incept?: {
      call(m: string, a?: unknown): Promise<unknown>;
      on(e: string, l: (p: unknown) => void): () => void;
    };
  };
  desktop: Record<string, unknown> & {
    imageUrl(id: number, hash: string, v: string): string;
    dialogs: { openProject(): Promise<unknown>; chooseFolder(o?: unknown): Promise<unknown> };
    revealInFolder(p: string): Promise<void>;
    onMenuCommand(l: (c: unknown) => void): () => void;
  };
  exposedKeys: string[];
  invoked: { channel: string; args: unknown }[];
  emit(channel: string, payload: unknown): void;
  doc: { activeElement: unknown; commands: string[] };
}

function load(
  reply: (channel: string, args: unknown) => unknown = () => ({ ok: true, result: null }),
): Loaded {
  const invoked: Loaded['invoked'] = [];
  const listeners = new Map<string, ((e: unknown, ...a: unknown[]) => void)[]>();
  const exposed: Record<string, unknown> = {};
  const main = vm.createContext({}) as Loaded['main'];
  const electron = {
    ipcRenderer: {
      invoke: async (channel: string, args: unknown) => {
        invoked.push({ channel, args });
        return reply(channel, args);
      },
      on: (channel: string, l: (e: unknown, ...a: unknown[]) => void) => {
        listeners.set(channel, [...(listeners.get(channel) ?? []), l]);
      },
    },
    contextBridge: {
      exposeInMainWorld: (key: string, value: unknown) => void (exposed[key] = value),
      executeInMainWorld: ({ func, args }: { func: (...a: unknown[]) => unknown; args: unknown[] }) => {
        const fn = vm.runInContext(`(${func.toString()})`, main) as (...a: unknown[]) => unknown;
        return fn(...args);
      },
    },
  };
  const doc = {
    activeElement: null as unknown,
    commands: [] as string[],
    execCommand: (c: string) => doc.commands.push(c),
  };
  const module = { exports: {} };
  const sandbox = vm.createContext({
    require: (name: string) => {
      if (name === 'electron') return electron;
      throw new Error(`a sandboxed preload cannot require ${name}`);
    },
    module,
    exports: module.exports,
    process: { platform: 'linux' },
    document: doc,
    console,
  });
  vm.runInContext(code, sandbox, { filename: 'preload.cjs' });
  return {
    main,
    desktop: exposed.inceptDesktop as Loaded['desktop'],
    exposedKeys: Object.keys(exposed),
    invoked,
    emit: (channel, payload) => listeners.get(channel)?.forEach((l) => l({}, payload)),
    doc,
  };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));
/** Objects made in the vm have another realm's prototypes; compare their data. */
const plain = (v: unknown): unknown => JSON.parse(JSON.stringify(v));

test('the page gets window.incept (call, on) and window.inceptDesktop, never ipcRenderer', () => {
  const { main, exposedKeys } = load();
  assert.deepEqual(exposedKeys, ['inceptDesktop']);
  assert.deepEqual(Object.keys(main.incept!).sort(), ['call', 'on']);
  assert.ok(Object.isFrozen(main.incept));
  const desc = Object.getOwnPropertyDescriptor(main, 'incept')!;
  assert.equal(desc.writable, false, 'the page cannot swap the API out');
  assert.equal(desc.configurable, false);
  assert.ok(!('ipcRenderer' in main));
});

test('the preload can invoke exactly the contract methods, on their channels', async () => {
  const { main, invoked } = load(() => ({ ok: true, result: 'r' }));
  for (const method of methodNames) assert.equal(await main.incept!.call(method, {}), 'r');
  assert.deepEqual(
    invoked.map((i) => i.channel),
    methodNames.map((m) => channelFor(m)),
  );
  invoked.length = 0;
  for (const name of ['fs.readFile', 'shell.openExternal', '__proto__', 'constructor', 'toString']) {
    await assert.rejects(
      main.incept!.call(name, {}),
      (err: Error & { code?: string }) => err.code === 'unknown_method',
    );
  }
  assert.equal(invoked.length, 0, 'unknown names never reach IPC');
});

test('failures reach the page as Errors with their code', async () => {
  const { main } = load(() => ({
    ok: false,
    error: { code: 'conflict', message: '/x.incept already exists.' },
  }));
  await assert.rejects(
    main.incept!.call('project.create', { path: '/x.incept' }),
    (err: Error & { code?: string }) => {
      assert.equal(err.message, '/x.incept already exists.');
      assert.equal(err.code, 'conflict');
      assert.ok(
        err instanceof (vm.runInContext('Error', main) as ErrorConstructor),
        "an Error of the page's own world",
      );
      return true;
    },
  );
  const broken = load(() => 'not a reply');
  await assert.rejects(
    broken.main.incept!.call('app.info', {}),
    (err: Error & { code?: string }) => err.code === 'internal',
  );
});

test('events: only the contract events, delivered to their listeners', () => {
  const { main, emit } = load();
  const seen: unknown[] = [];
  const off = main.incept!.on('project.changed', (p) => seen.push(p));
  emit(DESKTOP_CHANNELS.apiEvent, { event: 'project.changed', payload: { project: null } });
  emit(DESKTOP_CHANNELS.apiEvent, { event: 'not.an.event', payload: 1 });
  emit(DESKTOP_CHANNELS.apiEvent, null);
  assert.deepEqual(seen, [{ project: null }]);
  off();
  emit(DESKTOP_CHANNELS.apiEvent, { event: 'project.changed', payload: { project: null } });
  assert.equal(seen.length, 1);
  for (const event of eventNames) main.incept!.on(event, () => {});
  assert.throws(() => main.incept!.on('ipc.raw', () => {}), /Unknown event/);
});

test('the desktop surface: dialogs, reveal and image URLs', async () => {
  const { desktop, invoked } = load((channel) =>
    channel === DESKTOP_CHANNELS.reveal
      ? { ok: false, error: { code: 'not_found', message: 'Nothing to show.' } }
      : { ok: true, result: '/picked' },
  );
  assert.equal(desktop.platform, 'linux');
  assert.equal(await desktop.dialogs.openProject(), '/picked');
  assert.equal(await desktop.dialogs.chooseFolder({ purpose: 'export' }), '/picked');
  await assert.rejects(desktop.revealInFolder('relative'), /Nothing to show/);
  assert.deepEqual(
    invoked.map((i) => i.channel),
    [DESKTOP_CHANNELS.openProject, DESKTOP_CHANNELS.chooseFolder, DESKTOP_CHANNELS.reveal],
  );
  const hash = 'ab'.repeat(32);
  assert.equal(desktop.imageUrl(42, hash, 'thumb'), `incept-img://42/${hash}/thumb`);
  assert.throws(() => desktop.imageUrl(0, hash, 'thumb'));
  assert.throws(() => desktop.imageUrl(1.5, hash, 'full'));
  assert.throws(() => desktop.imageUrl(1, hash, '../x'));
  assert.throws(() => desktop.imageUrl(1, '../x', 'thumb'));
  assert.throws(() => desktop.imageUrl(1, hash.toUpperCase(), 'thumb'));
});

test('menu Undo: text undo in a field, else the label history, unless the page takes over', async () => {
  const { desktop, invoked, emit, doc } = load(() => ({ ok: true, result: { step: null } }));
  doc.activeElement = { tagName: 'INPUT', type: 'text' };
  emit(DESKTOP_CHANNELS.menuCommand, { command: 'edit.undo' });
  await tick();
  assert.deepEqual(doc.commands, ['undo']);
  assert.equal(invoked.length, 0);

  doc.activeElement = { tagName: 'BUTTON' };
  emit(DESKTOP_CHANNELS.menuCommand, { command: 'edit.undo' });
  emit(DESKTOP_CHANNELS.menuCommand, { command: 'edit.redo' });
  emit(DESKTOP_CHANNELS.menuCommand, { command: 'import.folder', folder: '/photos' });
  emit(DESKTOP_CHANNELS.menuCommand, { command: 'rm -rf' });
  await tick();
  assert.deepEqual(plain(invoked), [
    { channel: channelFor('labels.undo'), args: {} },
    { channel: channelFor('labels.redo'), args: {} },
    { channel: channelFor('import.start'), args: { folder: '/photos' } },
  ]);

  invoked.length = 0;
  const commands: unknown[] = [];
  const off = desktop.onMenuCommand((c) => commands.push(c));
  emit(DESKTOP_CHANNELS.menuCommand, { command: 'export.model', folder: '/out' });
  await tick();
  assert.deepEqual(plain(commands), [{ command: 'export.model', folder: '/out' }]);
  assert.equal(invoked.length, 0);
  off();
});
