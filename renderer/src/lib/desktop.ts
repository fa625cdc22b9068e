/**
 * Optional conveniences the Electron preload may expose as `window.inceptDesktop` (native
 * dialogs, showing a folder). Every method is optional: the renderer feature-detects each one and
 * falls back to a typed path in browser mode.
 */
export interface DesktopBridge {
  /** Native "open file" dialog for a project; resolves null when cancelled. */
  openProject?(): Promise<string | null>;
  /** Native "save file" dialog for a new project; resolves null when cancelled. */
  createProject?(): Promise<string | null>;
  /** Native folder picker (image folders, export targets). */
  pickFolder?(opts?: { title?: string }): Promise<string | null>;
  /** Native file picker (a model .onnx file). */
  pickFile?(opts?: { title?: string; extensions?: string[] }): Promise<string | null>;
  /** Shows a folder in the system file manager. */
  openFolder?(path: string): Promise<void>;
}

declare global {
  interface Window {
    inceptDesktop?: DesktopBridge;
  }
}

export function desktop(): DesktopBridge {
  return (typeof window !== 'undefined' && window.inceptDesktop) || {};
}
