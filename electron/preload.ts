/**
 * The sandboxed preload: the only bridge between the page and main. It exposes the API contract
 * as `window.incept` (known methods and events only) and the small desktop surface as
 * `window.inceptDesktop`; never ipcRenderer itself. Bundled into one CJS file, because a
 * sandboxed preload cannot require local files.
 */
import { contextBridge, ipcRenderer } from 'electron';
import { createBridgeApi, createDesktopApi, installMainWorldApi } from './preload-api.ts';

// The page's document (typed here: the Node-side tsconfig has no DOM library).
const doc = (
  globalThis as unknown as { document: { activeElement: unknown; execCommand(c: string): boolean } }
).document;
const bridge = createBridgeApi(ipcRenderer);
const desktop = createDesktopApi(
  ipcRenderer,
  {
    activeElement: () => doc.activeElement,
    // Text undo in the focused field: the page's own editing history, not the label history.
    execCommand: (command) => void doc.execCommand(command),
  },
  process.platform,
  bridge,
);

if (typeof contextBridge.executeInMainWorld === 'function') {
  contextBridge.executeInMainWorld({ func: installMainWorldApi, args: [bridge] });
} else {
  // Older Electron: errors then keep their message but lose `.code`.
  contextBridge.exposeInMainWorld('incept', {
    call: (method: string, args: unknown) =>
      bridge.call(method, args).then((reply) => {
        if (reply.ok) return reply.result;
        throw new Error(reply.error.message);
      }),
    on: (event: string, listener: (payload: unknown) => void) => bridge.on(event, listener),
  });
}
contextBridge.exposeInMainWorld('inceptDesktop', desktop);
