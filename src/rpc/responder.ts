/**
 * The answering side of an id-matched channel: runs each call with its own AbortSignal,
 * passes its progress on, and answers exactly once, with the result or with the error in its
 * wire form (code and details kept). Cancelling a call that is not running does nothing.
 */
import { errorToWire } from './errors.ts';
import type { RpcReply } from './wire.ts';

export interface CallContext<P = unknown> {
  signal: AbortSignal;
  progress(progress: P): void;
}

export interface ServeOptions {
  /** Turns a failure into the error the caller should see (e.g. naming the file at fault). */
  explain?: (err: unknown) => unknown;
}

export class RpcResponder {
  readonly #send: (reply: RpcReply) => void;
  readonly #running = new Map<number, AbortController>();

  constructor(send: (reply: RpcReply) => void) {
    this.#send = send;
  }

  /** Calls running now. */
  get size(): number {
    return this.#running.size;
  }

  async serve<P>(
    id: number,
    work: (ctx: CallContext<P>) => Promise<unknown>,
    opts: ServeOptions = {},
  ): Promise<void> {
    const controller = new AbortController();
    this.#running.set(id, controller);
    let reply: RpcReply;
    try {
      const result = await work({
        signal: controller.signal,
        progress: (progress) => this.#send({ type: 'progress', id, progress }),
      });
      reply = { type: 'result', id, result: result ?? null };
    } catch (err) {
      const aborted = controller.signal.aborted || (err instanceof Error && err.name === 'AbortError');
      const explained = aborted || !opts.explain ? err : opts.explain(err);
      reply = { type: 'error', id, error: errorToWire(explained, { aborted }) };
    } finally {
      this.#running.delete(id);
    }
    try {
      this.#send(reply);
    } catch (err) {
      // A result the transport cannot carry still gets an answer, or the caller would wait forever.
      if (reply.type !== 'result') throw err;
      this.#send({ type: 'error', id, error: errorToWire(err) });
    }
  }

  cancel(id: number): void {
    this.#running.get(id)?.abort();
  }
}
