/**
 * The bundled main process, run under Node against a fake `electron` module: what it registers
 * (schemes, sandbox, protocols, IPC handlers, permission and navigation guards), the window it
 * opens, and a round trip from an IPC handler to a real compute process. The fake utilityProcess
 * is a `child_process.fork` of the bundled compute host.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fork, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import vm from 'node:vm';
import { channelFor, methodNames } from '../../../src/api/contract.ts';
import { DESKTOP_CHANNELS } from '../../../electron/desktop-api.ts';
import { CONTENT_SECURITY_POLICY } from '../../../electron/security.ts';
import { bundleElectron } from '../../../electron/tooling/bundle.ts';
import { REPO_ROOT } from '../../helpers/serve.ts';
import { tempDir } from '../../helpers/tmp.ts';

type Handler = (...args: unknown[]) => unknown;

/** Just enough of Electron's main-process API, recording what the app does with it. */
function fakeElectron(userData: string) {
  const appEvents = new EventEmitter();
  const rec = {
    schemes: [] as { scheme: string; privileges: Record<string, boolean> }[],
    sandbox: false,
    protocols: new Map<string, (req: Request) => Promise<Response>>(),
    ipc: new Map<string, Handler>(),
    windows: [] as FakeWindow[],
    permissionRequest: null as Handler | null,
    permissionCheck: null as Handler | null,
    beforeRequest: null as Handler | null,
    children: [] as ChildProcess[],
    menu: null as unknown,
    quitting: false,
  };

  class FakeContents extends EventEmitter {
    readonly mainFrame = { url: 'app://incept/index.html', parent: null };
    readonly sent: [string, unknown][] = [];
    openHandler: Handler | null = null;
    setWindowOpenHandler(h: Handler): void {
      this.openHandler = h;
    }
    send(channel: string, payload: unknown): void {
      this.sent.push([channel, payload]);
    }
    isDestroyed(): boolean {
      return false;
    }
    reload(): void {}
  }
  class FakeWindow extends EventEmitter {
    readonly webContents = new FakeContents();
    url = '';
    constructor(readonly options: Record<string, unknown>) {
      super();
      rec.windows.push(this);
      appEvents.emit('web-contents-created', {}, this.webContents);
    }
    static getAllWindows(): FakeWindow[] {
      return rec.windows;
    }
    loadURL(url: string): Promise<void> {
      this.url = url;
      return Promise.resolve();
    }
    isDestroyed = (): boolean => false;
    isMaximized = (): boolean => false;
    isMinimized = (): boolean => false;
    maximize(): void {}
    show(): void {}
    focus(): void {}
    restore(): void {}
    getNormalBounds() {
      return { x: 0, y: 0, width: 1280, height: 820 };
    }
  }

  /** MessageChannelMain + utilityProcess: the port pair forwards to the forked child. */
  class FakePort extends EventEmitter {
    child: ChildProcess | null = null;
    partner: FakePort | null = null;
    postMessage(msg: unknown): void {
      this.partner?.child?.send(msg as never);
    }
    start(): void {}
    close(): void {}
  }
  class MessageChannelMain {
    port1 = new FakePort();
    port2 = new FakePort();
    constructor() {
      this.port1.partner = this.port2;
      this.port2.partner = this.port1;
    }
  }
  const utilityProcess = {
    fork(modulePath: string, _args: string[], opts: { env: Record<string, string> }) {
      const child = fork(modulePath, [], {
        env: opts.env,
        serialization: 'advanced',
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      rec.children.push(child);
      const events = new EventEmitter();
      child.once('exit', (code) => events.emit('exit', code ?? 1));
      return Object.assign(events, {
        get pid() {
          return child.pid;
        },
        postMessage(_msg: unknown, ports: FakePort[]) {
          const port = ports[0]!;
          port.child = child;
          child.on('message', (data) => port.partner!.emit('message', { data }));
        },
        kill: () => child.kill(),
      });
    },
  };

  const app = Object.assign(appEvents, {
    isPackaged: false,
    name: 'Incept',
    isReady: () => true,
    whenReady: () => Promise.resolve(),
    enableSandbox: () => void (rec.sandbox = true),
    setAppUserModelId: () => {},
    requestSingleInstanceLock: () => true,
    getPath: (name: string) => join(userData, name),
    getVersion: () => '0.0.0',
    quit: () => void (rec.quitting = true),
    exit: () => {},
  });
  const electron = {
    app,
    BrowserWindow: FakeWindow,
    MessageChannelMain,
    utilityProcess,
    dialog: {
      showOpenDialog: async () => ({ canceled: true, filePaths: [] }),
      showMessageBox: async () => ({}),
      showErrorBox: () => {},
    },
    ipcMain: { handle: (channel: string, h: Handler) => void rec.ipc.set(channel, h) },
    Menu: { buildFromTemplate: (t: unknown) => t, setApplicationMenu: (m: unknown) => void (rec.menu = m) },
    nativeTheme: { themeSource: 'system', shouldUseDarkColors: false },
    protocol: {
      registerSchemesAsPrivileged: (s: typeof rec.schemes) => void rec.schemes.push(...s),
      handle: (scheme: string, h: (req: Request) => Promise<Response>) => void rec.protocols.set(scheme, h),
    },
    screen: { getAllDisplays: () => [{ workArea: { x: 0, y: 0, width: 1920, height: 1080 } }] },
    session: {
      defaultSession: {
        setPermissionRequestHandler: (h: Handler) => void (rec.permissionRequest = h),
        setPermissionCheckHandler: (h: Handler) => void (rec.permissionCheck = h),
        setDevicePermissionHandler: () => {},
        webRequest: {
          onBeforeRequest: (h: Handler) => void (rec.beforeRequest = h),
          onHeadersReceived: () => {},
        },
        on: () => {},
      },
    },
    shell: { showItemInFolder: () => {} },
  };
  return { electron, rec, app };
}

function waitUntil(check: () => boolean, what: string, ms = 20_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const poll = (): void => {
      if (check()) return resolve();
      if (Date.now() - t0 > ms) return reject(new Error(`timed out: ${what}`));
      setTimeout(poll, 20);
    };
    poll();
  });
}

test('the main process wires security, protocols and IPC, and reaches the compute process', async (t) => {
  mkdirSync(join(REPO_ROOT, 'electron', 'dist'), { recursive: true });
  const outdir = mkdtempSync(join(REPO_ROOT, 'electron', 'dist', 'test-'));
  t.after(() => rmSync(outdir, { recursive: true, force: true }));
  await bundleElectron({ root: REPO_ROOT, outdir, entries: ['main', 'compute-host'] });
  const dir = tempDir(t);
  const { electron, rec, app } = fakeElectron(join(dir, 'userData'));
  t.after(() => rec.children.forEach((c) => c.kill('SIGKILL')));

  const file = join(outdir, 'main.cjs');
  const realRequire = createRequire(file);
  const module = { exports: {} };
  // The compute process inherits this environment: our data folder, and (as Electron would get
  // its own build) Node's better-sqlite3 through the binding variable.
  const savedEnv = { ...process.env };
  const savedArgv = process.argv;
  process.env.INCEPT_DATA_DIR = join(dir, 'data');
  process.env.INCEPT_SQLITE_BINDING = join(
    REPO_ROOT,
    'node_modules',
    'better-sqlite3',
    'build',
    'Release',
    'better_sqlite3.node',
  );
  process.argv = [process.execPath, '.'];
  t.after(() => {
    process.env = savedEnv;
    process.argv = savedArgv;
  });
  const wrapper = vm.runInThisContext(
    `(function (exports, require, module, __filename, __dirname) {${readFileSync(file, 'utf8')}\n})`,
    {
      filename: file,
    },
  ) as (...a: unknown[]) => void;
  wrapper(
    module.exports,
    (id: string) => (id === 'electron' ? electron : realRequire(id)),
    module,
    file,
    dirname(file),
  );

  // Before ready: privileged schemes, the sandbox everywhere.
  assert.deepEqual(
    rec.schemes.map((s) => s.scheme),
    ['app', 'incept-img'],
  );
  assert.equal(rec.sandbox, true);

  await waitUntil(() => rec.windows.length === 1 && rec.ipc.size > 0, 'the window and IPC handlers');
  const win = rec.windows[0]!;
  const prefs = win.options.webPreferences as Record<string, unknown>;
  assert.equal(prefs.contextIsolation, true);
  assert.equal(prefs.sandbox, true);
  assert.equal(prefs.nodeIntegration, false);
  assert.equal(prefs.preload, join(outdir, 'preload.cjs'));
  assert.equal(win.url, 'app://incept/index.html');
  assert.ok(Array.isArray(rec.menu));

  // One handler per contract method, plus the desktop channels; nothing else.
  const expected = [
    ...methodNames.map((m) => channelFor(m)),
    DESKTOP_CHANNELS.openProject,
    DESKTOP_CHANNELS.newProject,
    DESKTOP_CHANNELS.chooseFolder,
    DESKTOP_CHANNELS.chooseFile,
    DESKTOP_CHANNELS.reveal,
  ];
  assert.deepEqual([...rec.ipc.keys()].sort(), expected.sort());

  // Navigation and window.open guards on every webContents.
  const contents = win.webContents;
  const nav = (url: string): boolean => {
    let prevented = false;
    contents.emit('will-navigate', { url, preventDefault: () => (prevented = true) });
    return prevented;
  };
  assert.equal(nav('https://example.com/'), true);
  assert.equal(nav('app://incept/index.html'), false);
  assert.deepEqual(contents.openHandler!({ url: 'https://example.com/' }), { action: 'deny' });

  // Permissions and remote requests.
  let granted: boolean | null = null;
  rec.permissionRequest!(contents, 'geolocation', (g: boolean) => (granted = g), {
    requestingUrl: 'app://incept/index.html',
  });
  assert.equal(granted, false);
  rec.permissionRequest!(contents, 'media', (g: boolean) => (granted = g), {
    requestingUrl: 'app://incept/index.html',
    mediaTypes: ['video'],
    isMainFrame: true,
  });
  assert.equal(granted, true);
  let cancelled: boolean | null = null;
  rec.beforeRequest!(
    { url: 'https://cdn.example.com/x.js' },
    (r: { cancel: boolean }) => (cancelled = r.cancel),
  );
  assert.equal(cancelled, true);

  // The API, through the IPC handler, to the compute process and back.
  const trusted = { sender: contents, senderFrame: contents.mainFrame };
  const info = (await rec.ipc.get(channelFor('app.info'))!(trusted, {})) as {
    ok: boolean;
    result: { name: string };
  };
  assert.equal(info.ok, true, JSON.stringify(info));
  assert.equal(info.result.name, 'Incept');
  const iframe = {
    sender: contents,
    senderFrame: { url: 'app://incept/index.html', parent: contents.mainFrame },
  };
  const refused = (await rec.ipc.get(channelFor('app.info'))!(iframe, {})) as {
    ok: boolean;
    error: { code: string };
  };
  assert.equal(refused.error.code, 'unauthorized');
  const path = join(dir, 'm.incept');
  const created = (await rec.ipc.get(channelFor('project.create'))!(trusted, { path })) as { ok: boolean };
  assert.equal(created.ok, true, JSON.stringify(created));
  await waitUntil(
    () => contents.sent.some(([c]) => c === DESKTOP_CHANNELS.apiEvent),
    'an API event sent to the page',
  );
  const event = contents.sent.find(([c]) => c === DESKTOP_CHANNELS.apiEvent)![1] as {
    event: string;
    payload: { project: { path: string } | null };
  };
  assert.equal(event.event, 'project.changed');
  assert.equal(event.payload.project?.path, path);

  // Protocols: the image protocol resolves through the compute process; app:// carries the CSP.
  const missing = await rec.protocols.get('incept-img')!(new Request('incept-img://12345/thumb'));
  assert.equal(missing.status, 404);
  const bad = await rec.protocols.get('incept-img')!(new Request('incept-img://../etc/passwd'));
  assert.equal(bad.status, 400);
  if (existsSync(join(REPO_ROOT, 'renderer', 'dist', 'index.html'))) {
    const index = await rec.protocols.get('app')!(new Request('app://incept/index.html'));
    assert.equal(index.status, 200);
    assert.equal(index.headers.get('content-security-policy'), CONTENT_SECURITY_POLICY);
  }

  // Quitting stops the compute process cleanly first.
  let prevented = false;
  app.emit('before-quit', { preventDefault: () => (prevented = true) });
  assert.equal(prevented, true);
  await waitUntil(() => rec.quitting, 'app.quit after the compute process stopped');
  assert.ok(
    rec.children.every((c) => c.exitCode === 0),
    'the compute process exited cleanly',
  );
});
