/**
 * Cooperative cancellation for long CPU-bound loops. Training is synchronous arithmetic, so an
 * AbortSignal fired by another task (an API request, the UI) is only seen if the loop yields to
 * the event loop now and then; `Yielder` does that at most every `everyMs`.
 */

/** An Error named 'AbortError' (what fetch and friends throw), carrying the signal's reason. */
export function abortError(signal?: AbortSignal, what = 'Training'): Error {
  const err = new Error(`${what} was cancelled`, { cause: signal?.reason });
  err.name = 'AbortError';
  return err;
}

export function throwIfAborted(signal: AbortSignal | undefined, what?: string): void {
  if (signal?.aborted) throw abortError(signal, what);
}

export function isAbortError(err: unknown): boolean {
  return err instanceof Error && err.name === 'AbortError';
}

const nextMacrotask = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export class Yielder {
  private last = performance.now();

  constructor(
    private readonly signal: AbortSignal | undefined,
    private readonly what = 'Training',
    private readonly everyMs = 50,
  ) {}

  /** Call per unit of work: throws if cancelled, true when it is time to `yieldNow()`. */
  due(): boolean {
    throwIfAborted(this.signal, this.what);
    return performance.now() - this.last >= this.everyMs;
  }

  async yieldNow(): Promise<void> {
    throwIfAborted(this.signal, this.what);
    await nextMacrotask();
    this.last = performance.now();
    throwIfAborted(this.signal, this.what);
  }
}
