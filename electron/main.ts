/**
 * The Electron main process: one secure window, native menus and dialogs, the `app:` and
 * `incept-img:` protocols, and IPC to the compute process. Policy and logic live in the
 * Electron-free modules beside this one; this file only wires them into Electron.
 */
import {
  app,
  BrowserWindow,
  dialog,
  ipcMain,
  Menu,
  nativeTheme,
  protocol,
  screen,
  session,
  shell,
  type IpcMainInvokeEvent,
  type WebContents,
} from 'electron';
import { existsSync, statSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { channelFor, methodNames, type MethodName } from '../src/api/contract.ts';
import { ApiError } from '../src/domain/errors.ts';
import { createAppProtocolHandler } from './app-protocol.ts';
import { projectPathFromArgv } from './argv.ts';
import { ComputeSupervisor } from './compute-supervisor.ts';
import { spawnUtilityCompute } from './compute-utility.ts';
import { DESKTOP_CHANNELS, type DesktopInvokeChannel, type MenuCommand } from './desktop-api.ts';
import { createImageProtocolHandler } from './image-protocol.ts';
import { createApiRouter, createDesktopRouter, type SenderInfo } from './ipc-router.ts';
import { buildMenuTemplate } from './menu-template.ts';
import { electronSqliteBinding, PACKAGED_SQLITE_BINDING, SQLITE_BINDING_ENV } from './native-paths.ts';
import {
  APP_ENTRY_URL,
  APP_SCHEME,
  CONTENT_SECURITY_POLICY,
  IMAGE_SCHEME,
  isAllowedNavigation,
  isAllowedRequest,
  isAppUrl,
  isPermissionAllowed,
  PRIVILEGED_SCHEMES,
  secureWebPreferences,
  windowOpenDecision,
} from './security.ts';
import {
  loadDesktopState,
  MIN_HEIGHT,
  MIN_WIDTH,
  placeWindow,
  saveDesktopState,
  type DesktopState,
} from './window-state.ts';

/**
 * The app folder (in a package: app.asar). The bundler rewrites import.meta.url to this source
 * file's place in it, wherever the bundle itself is written.
 */
const APP_ROOT = fileURLToPath(new URL('..', import.meta.url));
const RENDERER_DIR = join(APP_ROOT, 'renderer', 'dist');
const PRELOAD = join(__dirname, 'preload.cjs');
const COMPUTE_HOST = join(__dirname, 'compute-host.cjs');
const isDev = !app.isPackaged;

let mainWindow: BrowserWindow | null = null;
let pendingProject: string | null = projectPathFromArgv(process.argv, process.cwd());
let supervisor: ComputeSupervisor;
let desktopState: DesktopState;
const stateFile = (): string => join(app.getPath('userData'), 'desktop-state.json');

protocol.registerSchemesAsPrivileged(
  PRIVILEGED_SCHEMES.map((s) => ({ scheme: s.scheme, privileges: { ...s.privileges } })),
);
app.enableSandbox();
app.setAppUserModelId('app.incept.desktop');

if (!app.requestSingleInstanceLock()) {
  // Another Incept is running: it got our argv through 'second-instance' and opens the project.
  app.quit();
} else {
  app.on('second-instance', (_event, argv, cwd) => {
    focusWindow();
    const path = projectPathFromArgv(argv, cwd);
    if (path && supervisor) void openProjectPath(path);
    else if (path) pendingProject = path;
  });
  // macOS hands over files (double-click, Dock, "Open With") through open-file, even before ready.
  app.on('open-file', (event, path) => {
    event.preventDefault();
    if (app.isReady() && supervisor) void openProjectPath(path);
    else pendingProject = path;
  });
  app.on('web-contents-created', (_event, contents) => hardenContents(contents));
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('activate', () => {
    if (app.isReady() && BrowserWindow.getAllWindows().length === 0) createWindow();
  });
  let quitting = false;
  app.on('before-quit', (event) => {
    if (quitting || !supervisor) return;
    event.preventDefault();
    quitting = true;
    // The compute process checkpoints and closes the project database before we go.
    void supervisor.stop().finally(() => app.quit());
  });
  app
    .whenReady()
    .then(ready)
    .catch((err: unknown) => fatal(err));
}

async function ready(): Promise<void> {
  desktopState = loadDesktopState(stateFile());
  nativeTheme.themeSource = desktopState.theme;
  secureSession();
  protocol.handle(APP_SCHEME, createAppProtocolHandler(RENDERER_DIR));
  supervisor = new ComputeSupervisor({
    spawn: () => spawnUtilityCompute(COMPUTE_HOST, computeEnv()),
    onEvent: (event, payload) => send(DESKTOP_CHANNELS.apiEvent, { event, payload }),
    onStatus: (status) => send(DESKTOP_CHANNELS.computeStatus, status),
    onEnd: (end) => {
      if (end.type === 'crash') console.error(`compute process ${end.pid ?? '?'} crashed: ${end.reason}`);
    },
  });
  protocol.handle(
    IMAGE_SCHEME,
    createImageProtocolHandler((rest) => supervisor.image(rest)),
  );
  registerIpc();
  Menu.setApplicationMenu(
    Menu.buildFromTemplate(
      buildMenuTemplate({ platform: process.platform, isDev, appName: app.name, actions: menuActions() }),
    ),
  );
  // Started before the window exists, so the page's first call already has somewhere to go.
  const started = supervisor.start();
  createWindow();
  await started;
  if (pendingProject) {
    const path = pendingProject;
    pendingProject = null;
    await openProjectPath(path);
  }
}

/**
 * Environment of the compute process: Electron's own better-sqlite3 build. (Its worker thread is
 * the bundle beside compute-host.cjs, which the host finds itself.)
 */
function computeEnv(): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = {};
  if (!process.env[SQLITE_BINDING_ENV]) {
    const binding = app.isPackaged
      ? join(process.resourcesPath, PACKAGED_SQLITE_BINDING)
      : electronSqliteBinding(APP_ROOT, process.versions.electron, process.platform, process.arch);
    if (existsSync(binding)) env[SQLITE_BINDING_ENV] = binding;
    else console.error(`No Electron build of better-sqlite3 at ${binding}; run "npm start" to make one.`);
  }
  return env;
}

// ---------------------------------------------------------------------------------------------
// Security

function secureSession(): void {
  const ses = session.defaultSession;
  ses.setPermissionRequestHandler((_wc, permission, callback, details) => {
    const d = details as { requestingUrl?: string; mediaTypes?: string[]; isMainFrame?: boolean };
    callback(
      isPermissionAllowed({
        permission,
        requestingUrl: d.requestingUrl,
        mediaTypes: d.mediaTypes,
        isMainFrame: d.isMainFrame,
      }),
    );
  });
  ses.setPermissionCheckHandler((_wc, permission, requestingOrigin, details) =>
    isPermissionAllowed({
      permission,
      requestingUrl: details.requestingUrl ?? requestingOrigin,
      mediaType: details.mediaType,
      isMainFrame: details.isMainFrame,
    }),
  );
  ses.setDevicePermissionHandler(() => false);
  // Nothing remote, ever: http(s), ws(s), ftp and unknown schemes fail before they leave.
  ses.webRequest.onBeforeRequest((details, callback) => callback({ cancel: !isAllowedRequest(details.url) }));
  ses.webRequest.onHeadersReceived((details, callback) => {
    if (!isAppUrl(details.url)) return callback({});
    callback({
      responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] },
    });
  });
  ses.on('will-download', (event) => event.preventDefault());
}

function hardenContents(contents: WebContents): void {
  contents.on('will-navigate', (event) => {
    if (!isAllowedNavigation(event.url)) event.preventDefault();
  });
  contents.on('will-redirect', (event) => {
    if (!isAllowedNavigation(event.url)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => windowOpenDecision(url));
}

function senderOf(event: IpcMainInvokeEvent): SenderInfo {
  const frame = event.senderFrame;
  const win = mainWindow;
  const ours = !!win && !win.isDestroyed() && event.sender === win.webContents;
  return { frameUrl: frame?.url, isMainFrame: ours && !!frame && frame.parent === null };
}

// ---------------------------------------------------------------------------------------------
// IPC

function registerIpc(): void {
  const routeApi = createApiRouter((method, args) => supervisor.call(method, args));
  /** One typed handler per contract method, GitHub Desktop style. */
  const handle = <M extends MethodName>(method: M): void => {
    ipcMain.handle(channelFor(method), (event, args: unknown) => routeApi(method, args, senderOf(event)));
  };
  for (const method of methodNames) handle(method);

  const routeDesktop = createDesktopRouter({
    [DESKTOP_CHANNELS.openProject]: () => chooseProjectToOpen(),
    [DESKTOP_CHANNELS.newProject]: ({ defaultName }) => chooseNewProject(defaultName),
    [DESKTOP_CHANNELS.chooseFolder]: ({ purpose, title }) => chooseFolder(purpose, title),
    [DESKTOP_CHANNELS.chooseFile]: ({ title, extensions }) => chooseFile(title, extensions),
    [DESKTOP_CHANNELS.reveal]: async ({ path }) => reveal(path),
  });
  const desktopChannels: DesktopInvokeChannel[] = [
    DESKTOP_CHANNELS.openProject,
    DESKTOP_CHANNELS.newProject,
    DESKTOP_CHANNELS.chooseFolder,
    DESKTOP_CHANNELS.chooseFile,
    DESKTOP_CHANNELS.reveal,
  ];
  for (const channel of desktopChannels) {
    ipcMain.handle(channel, (event, args: unknown) => routeDesktop(channel, args, senderOf(event)));
  }
}

function send(channel: string, payload: unknown): void {
  const win = mainWindow;
  if (win && !win.isDestroyed() && !win.webContents.isDestroyed()) win.webContents.send(channel, payload);
}

// ---------------------------------------------------------------------------------------------
// Dialogs and projects

const PROJECT_FILTERS = [{ name: 'Incept project', extensions: ['incept'] }];

async function chooseProjectToOpen(): Promise<string | null> {
  const opts: Electron.OpenDialogOptions = {
    title: 'Open project',
    properties: ['openFile'],
    filters: PROJECT_FILTERS,
  };
  const r = mainWindow ? await dialog.showOpenDialog(mainWindow, opts) : await dialog.showOpenDialog(opts);
  return r.canceled ? null : (r.filePaths[0] ?? null);
}

async function chooseNewProject(defaultName = 'Untitled'): Promise<string | null> {
  const safeName = defaultName.replace(/[\\/:*?"<>|\0]/g, '_') || 'Untitled';
  const opts: Electron.SaveDialogOptions = {
    title: 'New project',
    buttonLabel: 'Create',
    defaultPath: join(app.getPath('documents'), `${safeName}.incept`),
    filters: PROJECT_FILTERS,
    properties: ['createDirectory', 'showOverwriteConfirmation'],
  };
  const r = mainWindow ? await dialog.showSaveDialog(mainWindow, opts) : await dialog.showSaveDialog(opts);
  return r.canceled || !r.filePath ? null : r.filePath;
}

async function chooseFolder(purpose: 'import' | 'export', title?: string): Promise<string | null> {
  const opts: Electron.OpenDialogOptions = {
    title: title ?? (purpose === 'import' ? 'Import a folder of images' : 'Export the model to a folder'),
    buttonLabel: purpose === 'import' ? 'Import' : 'Export here',
    properties: ['openDirectory', 'createDirectory'],
  };
  const r = mainWindow ? await dialog.showOpenDialog(mainWindow, opts) : await dialog.showOpenDialog(opts);
  return r.canceled ? null : (r.filePaths[0] ?? null);
}

async function chooseFile(title?: string, extensions?: string[]): Promise<string | null> {
  const opts: Electron.OpenDialogOptions = {
    title: title ?? 'Choose a file',
    properties: ['openFile'],
    ...(extensions?.length ? { filters: [{ name: extensions.join(', '), extensions }] } : {}),
  };
  const r = mainWindow ? await dialog.showOpenDialog(mainWindow, opts) : await dialog.showOpenDialog(opts);
  return r.canceled ? null : (r.filePaths[0] ?? null);
}

function reveal(path: string): void {
  if (!isAbsolute(path) || !existsSync(path)) {
    throw new ApiError(
      'not_found',
      `Nothing to show at ${JSON.stringify(path)}: it must be an existing absolute path.`,
    );
  }
  shell.showItemInFolder(path);
}

/**
 * Runs a project switch; when it would stop running jobs (the core refuses with a conflict that
 * names them), asks first and goes on only when the person says so.
 */
async function switchProject(call: (force: boolean) => Promise<unknown>): Promise<void> {
  try {
    await call(false);
  } catch (err) {
    const apiErr = ApiError.from(err);
    if (apiErr.code !== 'conflict' || !(apiErr.details as { jobs?: unknown } | undefined)?.jobs) throw err;
    const options = {
      type: 'warning' as const,
      message: 'Stop the running work?',
      detail: apiErr.message,
      buttons: ['Stop it and go on', 'Keep working'],
      defaultId: 1,
      cancelId: 1,
    };
    const { response } =
      mainWindow && !mainWindow.isDestroyed()
        ? await dialog.showMessageBox(mainWindow, options)
        : await dialog.showMessageBox(options);
    if (response === 0) await call(true);
  }
}

async function openProjectPath(path: string): Promise<void> {
  try {
    if (!existsSync(path) || !statSync(path).isFile())
      throw new ApiError('not_found', `No project at ${path}.`);
    await switchProject((force) => supervisor.call('project.open', { path, force }));
    focusWindow();
  } catch (err) {
    showError('The project could not be opened', err);
  }
}

function showError(title: string, err: unknown): void {
  const message = ApiError.from(err).message;
  if (mainWindow && !mainWindow.isDestroyed())
    void dialog.showMessageBox(mainWindow, { type: 'error', message: title, detail: message });
  else dialog.showErrorBox(title, message);
}

function sendMenuCommand(command: MenuCommand): void {
  send(DESKTOP_CHANNELS.menuCommand, command);
}

function menuActions() {
  const run = (title: string, action: () => Promise<void>) => () =>
    void action().catch((err: unknown) => showError(title, err));
  const needProject = (): boolean => {
    if (supervisor.projectPath) return true;
    showError('No project is open', new ApiError('no_project', 'Create or open a project first.'));
    return false;
  };
  return {
    newProject: run('The project could not be created', async () => {
      const path = await chooseNewProject();
      if (path) await switchProject((force) => supervisor.call('project.create', { path, force }));
    }),
    openProject: run('The project could not be opened', async () => {
      const path = await chooseProjectToOpen();
      if (path) await openProjectPath(path);
    }),
    closeProject: run('The project could not be closed', async () => {
      await switchProject((force) => supervisor.call('project.close', { force }));
    }),
    importFolder: run('The folder could not be imported', async () => {
      if (!needProject()) return;
      const folder = await chooseFolder('import');
      if (folder) sendMenuCommand({ command: 'import.folder', folder });
    }),
    exportModel: run('The model could not be exported', async () => {
      if (!needProject()) return;
      const folder = await chooseFolder('export');
      if (folder) sendMenuCommand({ command: 'export.model', folder });
    }),
    revealProject: run('The project could not be shown', async () => {
      if (needProject()) reveal(supervisor.projectPath!);
    }),
    undo: () => sendMenuCommand({ command: 'edit.undo' }),
    redo: () => sendMenuCommand({ command: 'edit.redo' }),
    toggleDarkMode: () => {
      nativeTheme.themeSource = nativeTheme.shouldUseDarkColors ? 'light' : 'dark';
      desktopState.theme = nativeTheme.themeSource;
      saveState();
    },
    about: () => {
      void dialog.showMessageBox({
        type: 'info',
        message: `Incept ${app.getVersion()}`,
        detail: `Electron ${process.versions.electron} · Chromium ${process.versions.chrome} · Node ${process.versions.node}`,
      });
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The window

function createWindow(): void {
  const placed = placeWindow(
    desktopState.window,
    screen.getAllDisplays().map((d) => d.workArea),
  );
  const icon = join(APP_ROOT, 'build', 'icons', '512x512.png');
  const win = new BrowserWindow({
    ...(placed.x !== undefined && placed.y !== undefined ? { x: placed.x, y: placed.y } : {}),
    width: placed.width,
    height: placed.height,
    minWidth: MIN_WIDTH,
    minHeight: MIN_HEIGHT,
    show: false,
    title: 'Incept',
    backgroundColor: nativeTheme.shouldUseDarkColors ? '#1b1b1f' : '#ffffff',
    ...(process.platform === 'linux' && existsSync(icon) ? { icon } : {}),
    webPreferences: secureWebPreferences(PRELOAD, { devTools: isDev }),
  });
  mainWindow = win;
  if (placed.maximized) win.maximize();
  win.once('ready-to-show', () => win.show());

  let saveTimer: NodeJS.Timeout | undefined;
  const remember = (): void => {
    if (win.isDestroyed()) return;
    const b = win.getNormalBounds();
    desktopState.window = { x: b.x, y: b.y, width: b.width, height: b.height, maximized: win.isMaximized() };
  };
  const rememberSoon = (): void => {
    clearTimeout(saveTimer);
    saveTimer = setTimeout(() => {
      remember();
      saveState();
    }, 500);
  };
  win.on('resize', rememberSoon);
  win.on('move', rememberSoon);
  win.on('maximize', rememberSoon);
  win.on('unmaximize', rememberSoon);
  win.on('close', () => {
    clearTimeout(saveTimer);
    remember();
    saveState();
  });
  win.on('closed', () => {
    if (mainWindow === win) mainWindow = null;
  });

  let lastReload = 0;
  win.webContents.on('render-process-gone', (_event, details) => {
    console.error(`renderer gone: ${details.reason} (exit code ${details.exitCode})`);
    if (details.reason !== 'clean-exit' && Date.now() - lastReload > 10_000) {
      lastReload = Date.now();
      win.webContents.reload();
    }
  });
  void win.loadURL(APP_ENTRY_URL);
}

function saveState(): void {
  try {
    saveDesktopState(stateFile(), desktopState);
  } catch (err) {
    console.error('could not save the window state:', err);
  }
}

function focusWindow(): void {
  const win = mainWindow;
  if (!win || win.isDestroyed()) {
    if (app.isReady()) createWindow();
    return;
  }
  if (win.isMinimized()) win.restore();
  win.show();
  win.focus();
}

function fatal(err: unknown): void {
  dialog.showErrorBox(
    'Incept could not start',
    err instanceof Error ? (err.stack ?? err.message) : String(err),
  );
  app.exit(1);
}
