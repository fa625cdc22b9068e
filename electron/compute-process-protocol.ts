/**
 * Messages between the Electron main process and the compute process (the core: database, jobs,
 * engines), which runs as an Electron utilityProcess, or as a plain Node child in tests.
 * Calls and their answers are the shared id-matched messages of src/rpc; what is added here is
 * this channel's own: image requests, the ready and shutdown handshake, and pushed events.
 */
import type { EventName, Events } from '../src/api/contract.ts';
import { eventNames } from '../src/api/contract.ts';
import type { ApiErrorShape } from '../src/domain/errors.ts';
import type { ImageBytes } from './image-protocol.ts';
import { isRpcId, parseRpcReply, parseRpcRequest, type RpcCall, type RpcReply } from '../src/rpc/wire.ts';

/** Set in the environment of a compute process; the host module starts only when it is "1". */
export const COMPUTE_HOST_ENV = 'INCEPT_COMPUTE_HOST';

/** The compute worker's bundle, written beside `compute-host.cjs` (electron/tooling/bundle.ts). */
export const COMPUTE_WORKER_BUNDLE = 'compute-worker.cjs';

/** An API call, or the bytes of an image (`<id>/<hash>/<variant>`), answered as `ImageBytes`. */
export type ToCompute = RpcCall | { type: 'image'; id: number; rest: string } | { type: 'shutdown' };

export type FromCompute =
  { type: 'ready'; pid: number } | RpcReply | { type: 'event'; event: EventName; payload: Events[EventName] };

/**
 * How the compute process ended, VS Code style: an `exit` is one we asked for (shutdown, quit);
 * a `crash` is anything else, and is followed by a restart unless it keeps happening.
 */
export type ComputeEnd =
  | { type: 'exit'; pid: number | null; code: number | null; signal: string | null }
  | { type: 'crash'; pid: number | null; code: number | null; signal: string | null; reason: string };

/** What main tells the renderer about the compute process (`inceptDesktop.onComputeStatus`). */
export type ComputeStatus =
  | { state: 'starting' }
  | { state: 'ready'; pid: number; restarts: number }
  | { state: 'crashed'; crash: Extract<ComputeEnd, { type: 'crash' }>; restarting: boolean }
  | { state: 'reopen-failed'; path: string; error: ApiErrorShape }
  | { state: 'stopped' };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

/** Checks a message from main (host side); null for anything malformed. */
export function parseToCompute(msg: unknown): ToCompute | null {
  if (!isObject(msg)) return null;
  switch (msg.type) {
    case 'image':
      return isRpcId(msg.id) && typeof msg.rest === 'string'
        ? { type: 'image', id: msg.id, rest: msg.rest }
        : null;
    case 'shutdown':
      return { type: 'shutdown' };
    default: {
      // API calls are not cancelled one by one here (long work runs as jobs, with jobs.cancel).
      const request = parseRpcRequest(msg);
      return request?.type === 'call' ? request : null;
    }
  }
}

/** Checks a message from the compute process (main side); null for anything malformed. */
export function parseFromCompute(msg: unknown): FromCompute | null {
  if (!isObject(msg)) return null;
  switch (msg.type) {
    case 'ready':
      return typeof msg.pid === 'number' ? { type: 'ready', pid: msg.pid } : null;
    case 'event':
      return typeof msg.event === 'string' && (eventNames as readonly string[]).includes(msg.event)
        ? { type: 'event', event: msg.event as EventName, payload: msg.payload as Events[EventName] }
        : null;
    default:
      return parseRpcReply(msg);
  }
}

/** What an image request answers. */
export function isImageBytes(value: unknown): value is ImageBytes {
  return isObject(value) && typeof value.contentType === 'string' && value.body instanceof Uint8Array;
}

/** A readable cause for an unexpected end. */
export function describeCrash(code: number | null, signal: string | null, reason?: string): string {
  if (reason) return reason;
  if (signal) return `killed by ${signal}`;
  if (code === null) return 'ended without an exit code';
  return `exited with code ${code}`;
}
