/**
 * The desktop surface the Electron preload exposes as `window.inceptDesktop` (native dialogs,
 * reveal in the file manager, menu commands, the compute process's status). Declared here
 * structurally, as the subset the renderer uses, so the renderer never depends on Electron code;
 * every member is optional and feature-detected, and browser mode falls back to typed paths.
 * The full shape is `DesktopApi` in electron/desktop-api.ts.
 */
export type MenuCommand =
  | { command: 'import.folder'; folder: string }
  | { command: 'export.model'; folder: string }
  | { command: 'edit.undo' }
  | { command: 'edit.redo' };

export type ComputeStatus =
  | { state: 'starting' }
  | { state: 'ready'; pid: number; restarts: number }
  | { state: 'crashed'; restarting: boolean; crash?: { reason?: string } }
  | { state: 'reopen-failed'; path: string; error: { code: string; message: string } }
  | { state: 'stopped' };

export interface DesktopBridge {
  readonly platform?: string;
  readonly dialogs?: {
    openProject?(): Promise<string | null>;
    newProject?(opts?: { defaultName?: string }): Promise<string | null>;
    chooseFolder?(opts?: { purpose?: 'import' | 'export'; title?: string }): Promise<string | null>;
    /** Not offered yet: a file picker (for a model .onnx); the path field is used instead. */
    chooseFile?(opts?: { title?: string; extensions?: string[] }): Promise<string | null>;
  };
  revealInFolder?(path: string): Promise<void>;
  imageUrl?(id: number, hash: string, variant: 'thumb' | 'full'): string;
  onMenuCommand?(listener: (command: MenuCommand) => void): () => void;
  onComputeStatus?(listener: (status: ComputeStatus) => void): () => void;
}

declare global {
  interface Window {
    inceptDesktop?: DesktopBridge;
  }
}

/** What the renderer can ask of the desktop, each function present only when the bridge has it. */
export interface Desktop {
  openProject?: () => Promise<string | null>;
  createProject?: () => Promise<string | null>;
  pickFolder?: (opts: { purpose: 'import' | 'export'; title: string }) => Promise<string | null>;
  pickFile?: (opts: { title: string; extensions: string[] }) => Promise<string | null>;
  openFolder?: (path: string) => Promise<void>;
}

export function bridge(): DesktopBridge | null {
  return (typeof window !== 'undefined' && window.inceptDesktop) || null;
}

export function desktop(): Desktop {
  const b = bridge();
  const d = b?.dialogs;
  const out: Desktop = {};
  if (d?.openProject) out.openProject = () => d.openProject!();
  if (d?.newProject) out.createProject = () => d.newProject!();
  if (d?.chooseFolder) out.pickFolder = (opts) => d.chooseFolder!(opts);
  if (d?.chooseFile) out.pickFile = (opts) => d.chooseFile!(opts);
  if (b?.revealInFolder) out.openFolder = (path) => b.revealInFolder!(path);
  return out;
}
