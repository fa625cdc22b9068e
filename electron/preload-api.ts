/**
 * Everything the preload does, without Electron: `preload.ts` hands in `ipcRenderer` and the
 * DOM, and exposes the results through `contextBridge`.
 *
 * contextBridge drops every property of an Error but its message, so the API's bridge never
 * rejects: it resolves to an `IpcReply`, and `installMainWorldApi` (run in the page's own world)
 * turns failures into Errors that keep `.code`, as `RemoteError` does in browser mode.
 */
import { channelFor, eventNames, isMethodName, type EventName, type Events } from '../src/api/contract.ts';
import type { ApiErrorShape } from '../src/domain/errors.ts';
import { EventRouter } from '../src/rpc/events.ts';
import {
  DESKTOP_CHANNELS,
  parseMenuCommand,
  type ComputeStatus,
  type DesktopApi,
  type MenuCommand,
} from './desktop-api.ts';
import type { IpcReply } from './ipc-router.ts';
import { IMAGE_SCHEME } from './security.ts';

/** The part of `ipcRenderer` the preload uses. */
export interface IpcRendererLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
}

/** What crosses the bridge for the API: replies as values, never rejections. */
export interface BridgeApi {
  call(method: string, args: unknown): Promise<IpcReply>;
  on(event: string, listener: (payload: unknown) => void): () => void;
}

const fail = (code: ApiErrorShape['code'], message: string): IpcReply => ({
  ok: false,
  error: { code, message },
});

function isReply(value: unknown): value is IpcReply {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as { ok?: unknown; error?: { code?: unknown; message?: unknown } };
  if (v.ok === true) return 'result' in v;
  return v.ok === false && typeof v.error?.code === 'string' && typeof v.error.message === 'string';
}

/** `call` only for the contract's methods, `on` only for its events; one IPC listener in all. */
export function createBridgeApi(ipc: IpcRendererLike): BridgeApi {
  const events = new EventRouter<Events>();
  ipc.on(DESKTOP_CHANNELS.apiEvent, (_event, message) => {
    const m = message as { event?: unknown; payload?: unknown } | null;
    if (!m || typeof m.event !== 'string' || !(eventNames as readonly string[]).includes(m.event)) return;
    events.emit(m.event as EventName, m.payload as never);
  });
  return {
    call(method, args) {
      if (!isMethodName(method))
        return Promise.resolve(fail('unknown_method', `Unknown method ${JSON.stringify(method)}.`));
      return ipc.invoke(channelFor(method), args ?? {}).then(
        (reply) => (isReply(reply) ? reply : fail('internal', 'The desktop shell sent a malformed reply.')),
        (err: unknown) =>
          fail('unavailable', `The desktop shell did not answer: ${(err as Error)?.message ?? err}`),
      );
    },
    on(event, listener) {
      if (!(eventNames as readonly string[]).includes(event)) {
        throw new Error(`Unknown event ${JSON.stringify(event)}. Known events: ${eventNames.join(', ')}`);
      }
      if (typeof listener !== 'function') throw new Error('on() needs a listener function.');
      return events.on(event as EventName, listener);
    },
  };
}

/**
 * Defines `window.incept` (the `Api` interface) in the page's world. contextBridge serialises
 * this function, so it must not refer to anything outside itself.
 */
export function installMainWorldApi(bridge: BridgeApi): void {
  const unwrap = (reply: IpcReply): unknown => {
    if (reply.ok) return reply.result;
    const err = new Error(reply.error.message) as Error & { code: string; details?: unknown };
    err.name = 'RemoteError';
    err.code = reply.error.code;
    if (reply.error.details !== undefined) err.details = reply.error.details;
    throw err;
  };
  const api = Object.freeze({
    call: (method: string, args: unknown) => bridge.call(method, args).then(unwrap),
    on: (event: string, listener: (payload: unknown) => void) => bridge.on(event, listener),
  });
  Object.defineProperty(globalThis, 'incept', {
    value: api,
    enumerable: true,
    writable: false,
    configurable: false,
  });
}

/** For the isolated world (desktop calls): a reply's value, or an Error with its message. */
export function unwrapReply(reply: unknown): unknown {
  if (!isReply(reply)) throw new Error('The desktop shell sent a malformed reply.');
  if (reply.ok) return reply.result;
  throw new Error(reply.error.message);
}

/** An element that takes typed text: Undo/Redo then mean text undo, not label history. */
export function isEditableElement(el: unknown): boolean {
  if (typeof el !== 'object' || el === null) return false;
  const e = el as { tagName?: unknown; type?: unknown; isContentEditable?: unknown; readOnly?: unknown };
  if (e.isContentEditable === true) return true;
  const tag = typeof e.tagName === 'string' ? e.tagName.toUpperCase() : '';
  if (tag === 'TEXTAREA') return e.readOnly !== true;
  if (tag !== 'INPUT') return false;
  const type = typeof e.type === 'string' ? e.type.toLowerCase() : 'text';
  const textual = ['text', 'search', 'url', 'tel', 'email', 'password', 'number', ''];
  return textual.includes(type) && e.readOnly !== true;
}

export interface MenuContext {
  /** Renderer listeners for menu commands; when any exist they own every command. */
  listeners: ReadonlySet<(command: MenuCommand) => void>;
  isEditableFocused(): boolean;
  execEditCommand(command: 'undo' | 'redo'): void;
  call(method: string, args: unknown): Promise<IpcReply>;
}

/** What a menu command does in the page. Returns what happened, for tests and logs. */
export async function routeMenuCommand(command: MenuCommand, ctx: MenuContext): Promise<string> {
  if ((command.command === 'edit.undo' || command.command === 'edit.redo') && ctx.isEditableFocused()) {
    ctx.execEditCommand(command.command === 'edit.undo' ? 'undo' : 'redo');
    return 'text';
  }
  if (ctx.listeners.size > 0) {
    for (const l of ctx.listeners) {
      try {
        l(command);
      } catch (err) {
        console.error(`menu command ${command.command} failed:`, err);
      }
    }
    return 'renderer';
  }
  let reply: IpcReply;
  switch (command.command) {
    case 'edit.undo':
      reply = await ctx.call('labels.undo', {});
      break;
    case 'edit.redo':
      reply = await ctx.call('labels.redo', {});
      break;
    case 'import.folder':
      reply = await ctx.call('import.start', { folder: command.folder });
      break;
    case 'export.model':
      reply = await ctx.call('export.start', { out: command.folder });
      break;
  }
  if (!reply.ok) console.error(`${command.command}: ${reply.error.message}`);
  return reply.ok ? 'api' : `api-failed:${reply.error.code}`;
}

export interface DomLike {
  activeElement(): unknown;
  execCommand(command: 'undo' | 'redo'): void;
}

/** `window.inceptDesktop`. */
export function createDesktopApi(
  ipc: IpcRendererLike,
  dom: DomLike,
  platform: string,
  bridge: BridgeApi,
): DesktopApi {
  const menuListeners = new Set<(command: MenuCommand) => void>();
  const statusListeners = new Set<(status: ComputeStatus) => void>();
  ipc.on(DESKTOP_CHANNELS.menuCommand, (_event, raw) => {
    const command = parseMenuCommand(raw);
    if (!command) return;
    void routeMenuCommand(command, {
      listeners: menuListeners,
      isEditableFocused: () => isEditableElement(dom.activeElement()),
      execEditCommand: (c) => dom.execCommand(c),
      call: (m, a) => bridge.call(m, a),
    });
  });
  ipc.on(DESKTOP_CHANNELS.computeStatus, (_event, status) => {
    for (const l of statusListeners) l(status as ComputeStatus);
  });
  const invoke = async (channel: string, args: unknown): Promise<unknown> =>
    unwrapReply(await ipc.invoke(channel, args));
  const subscribe = <T>(set: Set<T>, listener: T): (() => void) => {
    if (typeof listener !== 'function') throw new Error('A listener function is required.');
    set.add(listener);
    return () => void set.delete(listener);
  };
  return {
    platform,
    dialogs: {
      openProject: () => invoke(DESKTOP_CHANNELS.openProject, {}) as Promise<string | null>,
      newProject: (opts = {}) => invoke(DESKTOP_CHANNELS.newProject, opts) as Promise<string | null>,
      chooseFolder: (opts = {}) => invoke(DESKTOP_CHANNELS.chooseFolder, opts) as Promise<string | null>,
      chooseFile: (opts = {}) => invoke(DESKTOP_CHANNELS.chooseFile, opts) as Promise<string | null>,
    },
    revealInFolder: async (path) => void (await invoke(DESKTOP_CHANNELS.reveal, { path })),
    imageUrl: (id, hash, variant) => {
      if (!Number.isSafeInteger(id) || id <= 0) throw new Error(`Not an image id: ${String(id)}`);
      if (typeof hash !== 'string' || !/^[0-9a-f]{64}$/.test(hash))
        throw new Error(`Not an image content hash: ${String(hash)}`);
      if (variant !== 'thumb' && variant !== 'full')
        throw new Error(`Not an image variant: ${String(variant)}`);
      return `${IMAGE_SCHEME}://${id}/${hash}/${variant}`;
    },
    onMenuCommand: (listener) => subscribe(menuListeners, listener),
    onComputeStatus: (listener) => subscribe(statusListeners, listener),
  };
}
