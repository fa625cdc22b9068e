/**
 * The messages of every id-matched request/answer channel in Incept (API thread ↔ compute
 * worker, Electron main ↔ compute process). Every request carries an id; every answer and
 * progress report carries the id of the request it belongs to. Plain data only, so any
 * structured-clone or JSON transport carries them; nothing here touches Node or the DOM.
 */
import type { ApiErrorShape } from '../domain/errors.ts';
import { readErrorShape } from './errors.ts';

export interface RpcCall<M extends string = string, A = unknown> {
  type: 'call';
  id: number;
  method: M;
  args: A;
}

/** Asks the other side to stop the call `id`; it still answers (usually with `cancelled`). */
export interface RpcCancel {
  type: 'cancel';
  id: number;
}

export interface RpcResult {
  type: 'result';
  id: number;
  result: unknown;
}

export interface RpcFailure {
  type: 'error';
  id: number;
  error: ApiErrorShape;
}

/** An event of one call while it runs (a task's progress). */
export interface RpcProgress {
  type: 'progress';
  id: number;
  progress: unknown;
}

export type RpcRequest = RpcCall | RpcCancel;
export type RpcReply = RpcResult | RpcFailure | RpcProgress;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
export const isRpcId = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) > 0;

/** A call or cancel from the other side; null for anything else (the caller decides what that means). */
export function parseRpcRequest(msg: unknown): RpcRequest | null {
  if (!isObject(msg) || !isRpcId(msg.id)) return null;
  if (msg.type === 'call' && typeof msg.method === 'string')
    return { type: 'call', id: msg.id, method: msg.method, args: msg.args };
  if (msg.type === 'cancel') return { type: 'cancel', id: msg.id };
  return null;
}

/** An answer or progress report; null for anything else. */
export function parseRpcReply(msg: unknown): RpcReply | null {
  if (!isObject(msg) || !isRpcId(msg.id)) return null;
  switch (msg.type) {
    case 'result':
      return { type: 'result', id: msg.id, result: msg.result };
    case 'progress':
      return { type: 'progress', id: msg.id, progress: msg.progress };
    case 'error': {
      const error = readErrorShape(msg.error);
      return error ? { type: 'error', id: msg.id, error } : null;
    }
    default:
      return null;
  }
}
