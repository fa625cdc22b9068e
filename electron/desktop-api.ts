/**
 * The desktop-only surface the preload exposes as `window.inceptDesktop`, beside the API
 * (`window.incept`): native dialogs, "reveal in file manager", menu commands and the compute
 * process's status. Types and channel names only: no Electron, no DOM, no zod (the preload
 * bundles this file). Argument schemas are in desktop-args.ts.
 *
 * The renderer may import the types: `import type { DesktopApi } from '../../../electron/desktop-api.ts'`.
 */
import type { ComputeStatus } from './compute-process-protocol.ts';

export type { ComputeStatus };

/** IPC channels other than the API's own (`channelFor(method)`). */
export const DESKTOP_CHANNELS = {
  openProject: 'desktop:dialogs:open-project',
  newProject: 'desktop:dialogs:new-project',
  chooseFolder: 'desktop:dialogs:choose-folder',
  chooseFile: 'desktop:dialogs:choose-file',
  reveal: 'desktop:shell:reveal',
  /** main → renderer: `{ event, payload }` for every API event. */
  apiEvent: 'api:event',
  /** main → renderer: a menu command (`MenuCommand`). */
  menuCommand: 'desktop:menu-command',
  /** main → renderer: `ComputeStatus`. */
  computeStatus: 'desktop:compute-status',
} as const;

export type DesktopInvokeChannel =
  | typeof DESKTOP_CHANNELS.openProject
  | typeof DESKTOP_CHANNELS.newProject
  | typeof DESKTOP_CHANNELS.chooseFolder
  | typeof DESKTOP_CHANNELS.chooseFile
  | typeof DESKTOP_CHANNELS.reveal;

/** Menu items that the page acts on; New/Open project are handled by main itself. */
export type MenuCommand =
  | { command: 'import.folder'; folder: string }
  | { command: 'export.model'; folder: string }
  | { command: 'edit.undo' }
  | { command: 'edit.redo' };

export const MENU_COMMAND_NAMES = ['import.folder', 'export.model', 'edit.undo', 'edit.redo'] as const;

export function parseMenuCommand(value: unknown): MenuCommand | null {
  if (typeof value !== 'object' || value === null) return null;
  const v = value as { command?: unknown; folder?: unknown };
  switch (v.command) {
    case 'edit.undo':
    case 'edit.redo':
      return { command: v.command };
    case 'import.folder':
    case 'export.model':
      return typeof v.folder === 'string' && v.folder.length > 0
        ? { command: v.command, folder: v.folder }
        : null;
    default:
      return null;
  }
}

export interface DesktopApi {
  readonly platform: string;
  readonly dialogs: {
    /** Native "Open project" dialog; the chosen `.incept` path, or null. */
    openProject(): Promise<string | null>;
    /** Native "Save" dialog for a new project; the chosen path, or null. */
    newProject(opts?: { defaultName?: string }): Promise<string | null>;
    /** Native folder picker; the chosen folder, or null. */
    chooseFolder(opts?: { purpose?: 'import' | 'export'; title?: string }): Promise<string | null>;
    /** Native file picker (a model's .onnx, a labels CSV); the chosen file, or null. */
    chooseFile(opts?: { title?: string; extensions?: string[] }): Promise<string | null>;
  };
  /** Shows a file or folder in Finder / Explorer / the file manager. */
  revealInFolder(path: string): Promise<void>;
  /**
   * `incept-img://<id>/<sha256>/<variant>`: the desktop twin of browser mode's
   * `/img/<id>/<sha256>/<variant>`. The content hash keeps a cached picture from being shown
   * for another project's image with the same id.
   */
  imageUrl(id: number, hash: string, variant: 'thumb' | 'full'): string;
  /**
   * Menu commands. Subscribing takes them over; with no subscriber the preload does the plain
   * thing (Undo/Redo → labels.undo/redo, Import → import.start, Export → export.start).
   */
  onMenuCommand(listener: (command: MenuCommand) => void): () => void;
  onComputeStatus(listener: (status: ComputeStatus) => void): () => void;
}
