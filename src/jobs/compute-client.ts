import { Worker } from 'node:worker_threads';
import { ApiError, type ApiErrorCode } from '../api/errors.ts';
import type { ComputeTaskName, FromWorker, ToWorker } from './compute-protocol.ts';

const WORKER_URL = new URL('./compute-worker.ts', import.meta.url);

interface Pending {
  resolve(value: unknown): void;
  reject(err: unknown): void;
  onProgress?: ((p: Extract<FromWorker, { type: 'progress' }>) => void) | undefined;
}

/**
 * The API thread's handle on the compute worker. The worker starts on first use and is started
 * again after a crash; a crash fails the tasks that were in flight with a clear error.
 */
export class ComputeClient {
  #worker: Worker | null = null;
  #nextId = 1;
  readonly #pending = new Map<number, Pending>();

  run<T>(
    task: ComputeTaskName,
    input: unknown,
    opts: { signal?: AbortSignal; onProgress?: Pending['onProgress']; transfer?: ArrayBuffer[] } = {},
  ): Promise<T> {
    const worker = this.#ensureWorker();
    const id = this.#nextId++;
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, {
        resolve: resolve as (v: unknown) => void,
        reject,
        onProgress: opts.onProgress,
      });
      const cancel = (): void => this.#post({ type: 'cancel', id });
      if (opts.signal?.aborted) cancel();
      opts.signal?.addEventListener('abort', cancel, { once: true });
      worker.postMessage({ type: 'task', id, task, input } satisfies ToWorker, opts.transfer ?? []);
    });
  }

  async dispose(): Promise<void> {
    const worker = this.#worker;
    this.#worker = null;
    if (worker) await worker.terminate();
  }

  #post(msg: ToWorker): void {
    this.#worker?.postMessage(msg);
  }

  #ensureWorker(): Worker {
    if (this.#worker) return this.#worker;
    // tsx's loader is inherited through execArgv when present; register it explicitly otherwise.
    const worker = new Worker(new URL('./compute-worker-entry.mjs', import.meta.url), {
      workerData: { entry: WORKER_URL.href },
    });
    worker.unref();
    worker.on('message', (msg: FromWorker) => this.#onMessage(msg));
    worker.on('error', (err) =>
      this.#failAll(new ApiError('internal', `The compute worker crashed: ${err.message}`)),
    );
    worker.on('exit', (code) => {
      if (this.#worker === worker) this.#worker = null;
      if (this.#pending.size > 0) {
        this.#failAll(new ApiError('internal', `The compute worker stopped (exit code ${code}). Try again.`));
      }
    });
    this.#worker = worker;
    return worker;
  }

  #onMessage(msg: FromWorker): void {
    const pending = this.#pending.get(msg.id);
    if (!pending) return;
    switch (msg.type) {
      case 'progress':
        pending.onProgress?.(msg);
        return;
      case 'result':
        this.#pending.delete(msg.id);
        pending.resolve(msg.output);
        return;
      case 'error': {
        this.#pending.delete(msg.id);
        const err = new ApiError(msg.error.code as ApiErrorCode, msg.error.message);
        if (msg.error.name === 'AbortError') err.name = 'AbortError';
        pending.reject(err);
        return;
      }
    }
  }

  #failAll(err: ApiError): void {
    for (const p of this.#pending.values()) p.reject(err);
    this.#pending.clear();
  }
}
