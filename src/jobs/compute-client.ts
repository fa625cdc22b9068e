import { existsSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { Worker } from 'node:worker_threads';
import { ApiError, type ApiErrorCode } from '../domain/errors.ts';
import type { ComputeTaskName, FromWorker, ToWorker } from './compute-protocol.ts';

/**
 * The absolute path of a bundled compute worker (`compute-worker.cjs`, plain JavaScript). The
 * bundled Electron compute host sets it to the bundle beside itself; unset, the worker runs from
 * its TypeScript source through tsx (tests, the CLI, `incept serve`).
 */
export const COMPUTE_WORKER_ENV = 'INCEPT_COMPUTE_WORKER';

const WORKER_URL = new URL('./compute-worker.ts', import.meta.url);
const TSX_ENTRY_URL = new URL('./compute-worker-entry.mjs', import.meta.url);

export interface ComputeClientOptions {
  /** A bundled worker to run instead of the TypeScript one; defaults to INCEPT_COMPUTE_WORKER. */
  bundledWorker?: string | undefined;
}

/** How the worker thread is started: the bundle as it is, or the TypeScript source via tsx. */
export function computeWorkerStart(bundledWorker: string | undefined): {
  script: string | URL;
  workerData?: { entry: string };
} {
  if (!bundledWorker) return { script: TSX_ENTRY_URL, workerData: { entry: WORKER_URL.href } };
  if (!isAbsolute(bundledWorker)) {
    throw new ApiError(
      'internal',
      `${COMPUTE_WORKER_ENV} must be an absolute path to compute-worker.cjs, not "${bundledWorker}".`,
    );
  }
  if (!existsSync(bundledWorker)) {
    throw new ApiError(
      'internal',
      `The compute worker bundle ${bundledWorker} is missing. Bundle the app again ("npm start" or ` +
        '"npm run dist" does), or reinstall Incept.',
    );
  }
  return { script: bundledWorker };
}

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
  readonly #bundledWorker: string | undefined;

  constructor(opts: ComputeClientOptions = {}) {
    this.#bundledWorker = opts.bundledWorker ?? (process.env[COMPUTE_WORKER_ENV] || undefined);
  }

  run<T>(
    task: ComputeTaskName,
    input: unknown,
    opts: { signal?: AbortSignal; onProgress?: Pending['onProgress']; transfer?: ArrayBuffer[] } = {},
  ): Promise<T> {
    let worker: Worker;
    try {
      worker = this.#ensureWorker();
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
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
    // The tsx entry registers tsx itself when the loader is not inherited through execArgv.
    const start = computeWorkerStart(this.#bundledWorker);
    const worker = new Worker(start.script, start.workerData ? { workerData: start.workerData } : {});
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
        const err = new ApiError(msg.error.code as ApiErrorCode, msg.error.message, msg.error.details);
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
