/**
 * The native menu as data (Electron's MenuItemConstructorOptions), built from plain callbacks so
 * its items and shortcuts are tested without Electron. DevTools and reload exist only in
 * development.
 */
import type { MenuItemConstructorOptions } from 'electron';

export interface MenuActions {
  newProject(): void;
  openProject(): void;
  closeProject(): void;
  importFolder(): void;
  exportModel(): void;
  revealProject(): void;
  undo(): void;
  redo(): void;
  toggleDarkMode(): void;
  about(): void;
}

export interface MenuOptions {
  platform: NodeJS.Platform;
  isDev: boolean;
  appName: string;
  actions: MenuActions;
}

export function buildMenuTemplate({
  platform,
  isDev,
  appName,
  actions,
}: MenuOptions): MenuItemConstructorOptions[] {
  const mac = platform === 'darwin';
  const sep: MenuItemConstructorOptions = { type: 'separator' };
  const template: MenuItemConstructorOptions[] = [];

  if (mac) {
    template.push({
      label: appName,
      submenu: [
        { role: 'about' },
        sep,
        { role: 'services' },
        sep,
        { role: 'hide' },
        { role: 'hideOthers' },
        { role: 'unhide' },
        sep,
        { role: 'quit' },
      ],
    });
  }

  template.push({
    label: '&File',
    submenu: [
      {
        id: 'project.new',
        label: 'New Project…',
        accelerator: 'CmdOrCtrl+N',
        click: () => actions.newProject(),
      },
      {
        id: 'project.open',
        label: 'Open Project…',
        accelerator: 'CmdOrCtrl+O',
        click: () => actions.openProject(),
      },
      sep,
      {
        id: 'import.folder',
        label: 'Import Folder…',
        accelerator: 'CmdOrCtrl+I',
        click: () => actions.importFolder(),
      },
      {
        id: 'export.model',
        label: 'Export Model…',
        accelerator: 'CmdOrCtrl+E',
        click: () => actions.exportModel(),
      },
      sep,
      {
        id: 'project.reveal',
        label: mac
          ? 'Reveal Project in Finder'
          : platform === 'win32'
            ? 'Show Project in Explorer'
            : 'Show Project in File Manager',
        accelerator: 'Alt+CmdOrCtrl+R',
        click: () => actions.revealProject(),
      },
      { id: 'project.close', label: 'Close Project', click: () => actions.closeProject() },
      sep,
      mac ? { role: 'close' } : { role: 'quit', accelerator: 'CmdOrCtrl+Q' },
    ],
  });

  template.push({
    label: '&Edit',
    submenu: [
      // Not the 'undo' role: in a text field the preload does text undo, elsewhere labels.undo.
      { id: 'edit.undo', label: 'Undo', accelerator: 'CmdOrCtrl+Z', click: () => actions.undo() },
      {
        id: 'edit.redo',
        label: 'Redo',
        accelerator: platform === 'win32' ? 'Ctrl+Y' : 'Shift+CmdOrCtrl+Z',
        click: () => actions.redo(),
      },
      sep,
      { role: 'cut' },
      { role: 'copy' },
      { role: 'paste' },
      { role: 'selectAll' },
    ],
  });

  template.push({
    label: '&View',
    submenu: [
      {
        id: 'view.darkMode',
        label: 'Toggle Dark Mode',
        accelerator: 'Shift+CmdOrCtrl+D',
        click: () => actions.toggleDarkMode(),
      },
      sep,
      { role: 'resetZoom' },
      { role: 'zoomIn' },
      { role: 'zoomOut' },
      sep,
      { role: 'togglefullscreen' },
      ...(isDev
        ? ([
            sep,
            { role: 'reload' },
            { role: 'forceReload' },
            { id: 'view.devtools', role: 'toggleDevTools' },
          ] satisfies MenuItemConstructorOptions[])
        : []),
    ],
  });

  template.push({
    label: '&Window',
    submenu: mac
      ? [{ role: 'minimize' }, { role: 'zoom' }, sep, { role: 'front' }]
      : [{ role: 'minimize' }, { role: 'close' }],
  });

  if (!mac) {
    template.push({
      label: '&Help',
      submenu: [{ id: 'help.about', label: `About ${appName}`, click: () => actions.about() }],
    });
  }
  return template;
}

/** Every item of a template, depth first (for tests and for finding items by id). */
export function flattenMenu(items: readonly MenuItemConstructorOptions[]): MenuItemConstructorOptions[] {
  return items.flatMap((item) => [
    item,
    ...(Array.isArray(item.submenu) ? flattenMenu(item.submenu as MenuItemConstructorOptions[]) : []),
  ]);
}
