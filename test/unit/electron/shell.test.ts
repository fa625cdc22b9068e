import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { projectPathFromArgv } from '../../../electron/argv.ts';
import { buildMenuTemplate, flattenMenu, type MenuActions } from '../../../electron/menu-template.ts';
import {
  DEFAULT_STATE,
  loadDesktopState,
  placeWindow,
  saveDesktopState,
} from '../../../electron/window-state.ts';
import { tempDir } from '../../helpers/tmp.ts';

test('a .incept argument (path or file:// URI) is the project to open', () => {
  assert.equal(
    projectPathFromArgv(['/opt/Incept/incept', '/home/a/birds.incept'], '/'),
    '/home/a/birds.incept',
  );
  assert.equal(projectPathFromArgv(['electron', '.', 'rel/b.INCEPT'], '/home/a'), '/home/a/rel/b.INCEPT');
  assert.equal(
    projectPathFromArgv(['incept', pathToFileURL('/home/a/with space.incept').href], '/'),
    '/home/a/with space.incept',
  );
  assert.equal(
    projectPathFromArgv(
      ['incept', '--allow-file-access-from-files', '--x=a.incept', '/a.incept', '/b.incept'],
      '/',
    ),
    '/b.incept',
    'switches are skipped; the last project wins',
  );
  assert.equal(projectPathFromArgv(['incept', '.', 'https://evil/x.incept', 'photo.jpg'], '/'), null);
  assert.equal(projectPathFromArgv(['incept'], '/'), null);
});

test('window state survives a round trip; damage falls back to defaults', (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'sub', 'desktop-state.json');
  assert.deepEqual(loadDesktopState(file), DEFAULT_STATE);
  const state = {
    window: { x: 10, y: 20, width: 1000, height: 700, maximized: true },
    theme: 'dark' as const,
  };
  saveDesktopState(file, state);
  assert.deepEqual(loadDesktopState(file), state);
  writeFileSync(file, '{ not json');
  assert.deepEqual(loadDesktopState(file), DEFAULT_STATE);
  writeFileSync(file, JSON.stringify({ window: { width: 'huge', height: 10, x: 'a' }, theme: 'neon' }));
  const repaired = loadDesktopState(file);
  assert.equal(repaired.theme, 'system');
  assert.equal(repaired.window.width, 1280);
  assert.equal(repaired.window.height, 820);
  assert.equal(repaired.window.x, undefined);
});

test('a window from a monitor that is gone opens centred, and never larger than a display', () => {
  const laptop = { x: 0, y: 0, width: 1440, height: 900 };
  const external = { x: 1440, y: 0, width: 2560, height: 1440 };
  const onExternal = { x: 1600, y: 100, width: 2000, height: 1200, maximized: false };
  assert.deepEqual(placeWindow(onExternal, [laptop, external]), onExternal);
  const gone = placeWindow(onExternal, [laptop]);
  assert.equal(gone.x, undefined);
  assert.equal(gone.y, undefined);
  assert.deepEqual([gone.width, gone.height], [1440, 900]);
  const offTop = placeWindow({ x: 100, y: -500, width: 1000, height: 700, maximized: false }, [laptop]);
  assert.equal(offTop.x, undefined, 'a title bar above the screen cannot be grabbed');
});

test('menus: the usual shortcuts, and DevTools only in development', () => {
  const calls: string[] = [];
  const actions = new Proxy({} as MenuActions, { get: (_t, name) => () => calls.push(String(name)) });
  for (const platform of ['linux', 'win32', 'darwin'] as const) {
    const items = flattenMenu(buildMenuTemplate({ platform, isDev: false, appName: 'Incept', actions }));
    const byId = new Map(items.filter((i) => i.id).map((i) => [i.id!, i]));
    assert.equal(byId.get('project.new')?.accelerator, 'CmdOrCtrl+N');
    assert.equal(byId.get('project.open')?.accelerator, 'CmdOrCtrl+O');
    assert.equal(byId.get('import.folder')?.accelerator, 'CmdOrCtrl+I');
    assert.equal(byId.get('export.model')?.accelerator, 'CmdOrCtrl+E');
    assert.equal(byId.get('edit.undo')?.accelerator, 'CmdOrCtrl+Z');
    assert.equal(byId.get('edit.redo')?.accelerator, platform === 'win32' ? 'Ctrl+Y' : 'Shift+CmdOrCtrl+Z');
    assert.ok(byId.has('view.darkMode'));
    assert.ok(byId.has('project.reveal'));
    for (const role of ['copy', 'paste', 'cut', 'selectAll'])
      assert.ok(
        items.some((i) => i.role === role),
        role,
      );
    assert.ok(
      !items.some((i) => i.role === 'toggleDevTools' || i.role === 'reload'),
      `no DevTools in production (${platform})`,
    );
    assert.equal(
      items.some((i) => i.role === 'services'),
      platform === 'darwin',
    );
  }
  const dev = flattenMenu(buildMenuTemplate({ platform: 'linux', isDev: true, appName: 'Incept', actions }));
  assert.ok(dev.some((i) => i.role === 'toggleDevTools'));

  const items = flattenMenu(
    buildMenuTemplate({ platform: 'linux', isDev: false, appName: 'Incept', actions }),
  );
  for (const id of ['project.new', 'edit.undo', 'edit.redo', 'view.darkMode', 'import.folder']) {
    const click = items.find((i) => i.id === id)!.click as () => void;
    click();
  }
  assert.deepEqual(calls, ['newProject', 'undo', 'redo', 'toggleDarkMode', 'importFolder']);
});
