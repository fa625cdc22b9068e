/**
 * The calling side of an id-matched channel: numbers the requests, keeps the table of calls
 * in flight, routes each answer and progress report to its call, and forwards cancellation.
 * It knows nothing of the transport: the owner posts the messages and feeds back what arrives.
 */
import type { ApiError } from '../domain/errors.ts';
import { errorFromWire } from './errors.ts';
import { parseRpcReply, type RpcReply } from './wire.ts';

export interface CallOptions<P = unknown> {
  /** Aborting asks the other side to stop; the call then ends with its answer (`cancelled`). */
  signal?: AbortSignal | undefined;
  onProgress?: ((progress: P) => void) | undefined;
}

interface Pending {
  resolve(value: unknown): void;
  reject(err: unknown): void;
  onProgress: ((progress: unknown) => void) | undefined;
  /** Set once cancellation was asked for: progress is no longer passed on. */
  cancelled: boolean;
  detach(): void;
}

export class RpcCaller {
  #nextId = 1;
  readonly #pending = new Map<number, Pending>();
  readonly #sendCancel: ((id: number) => void) | null;

  /**
   * `sendCancel` posts `{ type: 'cancel', id }` (or whatever the transport's cancel is); a
   * channel without one takes no signals.
   */
  constructor(sendCancel: ((id: number) => void) | null = null) {
    this.#sendCancel = sendCancel;
  }

  /** Calls in flight. */
  get size(): number {
    return this.#pending.size;
  }

  /**
   * Starts one call: `send` posts the request with the id it is given (and may throw: the call
   * then fails with that error). Resolves with the answer's result, rejects with an ApiError.
   */
  call<R, P = unknown>(send: (id: number) => void, opts: CallOptions<P> = {}): Promise<R> {
    const { signal } = opts;
    if (signal && !this.#sendCancel) throw new TypeError('This channel cannot cancel a call.');
    if (signal?.aborted) return Promise.reject(errorFromWire({ code: 'cancelled', message: 'Cancelled.' }));
    const id = this.#nextId++;
    return new Promise<R>((resolve, reject) => {
      const onAbort = (): void => {
        const entry = this.#pending.get(id);
        if (!entry || entry.cancelled) return;
        entry.cancelled = true;
        try {
          this.#sendCancel?.(id);
        } catch {
          // The channel is gone; its owner fails the calls in flight when it notices.
        }
      };
      const entry: Pending = {
        resolve: resolve as (value: unknown) => void,
        reject,
        onProgress: opts.onProgress as ((progress: unknown) => void) | undefined,
        cancelled: false,
        detach: () => signal?.removeEventListener('abort', onAbort),
      };
      this.#pending.set(id, entry);
      signal?.addEventListener('abort', onAbort, { once: true });
      try {
        send(id);
      } catch (err) {
        this.#settle(id)?.reject(err instanceof Error ? err : new Error(String(err)));
      }
    });
  }

  /**
   * Routes one incoming message. Returns false when it is not an answer to a call in flight:
   * malformed, or for an id already settled (an answer that arrives after the call failed
   * because the channel broke is dropped here).
   */
  handle(message: RpcReply | unknown): boolean {
    const msg = parseRpcReply(message);
    if (!msg) return false;
    const entry = this.#pending.get(msg.id);
    if (!entry) return false;
    switch (msg.type) {
      case 'progress':
        if (!entry.cancelled) entry.onProgress?.(msg.progress);
        return true;
      case 'result':
        this.#settle(msg.id)!.resolve(msg.result);
        return true;
      case 'error':
        this.#settle(msg.id)!.reject(errorFromWire(msg.error));
        return true;
    }
  }

  /** Fails every call in flight (the channel broke); their late answers are then ignored. */
  failAll(err: ApiError | Error): void {
    const entries = [...this.#pending.keys()].map((id) => this.#settle(id)!);
    for (const entry of entries) entry.reject(err);
  }

  #settle(id: number): Pending | undefined {
    const entry = this.#pending.get(id);
    if (!entry) return undefined;
    this.#pending.delete(id);
    entry.detach();
    return entry;
  }
}
