import { existsSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { Worker } from 'node:worker_threads';
import { ApiError } from '../domain/errors.ts';
import { RpcCaller } from '../rpc/caller.ts';
import type { RpcCall, RpcCancel } from '../rpc/wire.ts';
import type { ComputeTaskName, TaskInput, TaskOutput, TaskProgressOf } from './compute-task-map.ts';

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

export interface RunOptions<K extends ComputeTaskName> {
  /** Aborting asks the worker to stop the task; the call then rejects with `cancelled`. */
  signal?: AbortSignal | undefined;
  onProgress?: ((progress: TaskProgressOf<K>) => void) | undefined;
  /** Buffers in the input to move to the worker rather than copy. */
  transfer?: ArrayBuffer[];
}

/**
 * The API thread's handle on the compute worker. The worker starts on first use and is started
 * again after a crash; a crash fails the tasks that were in flight with a clear error.
 */
export class ComputeClient {
  #worker: Worker | null = null;
  readonly #calls = new RpcCaller((id) =>
    this.#worker?.postMessage({ type: 'cancel', id } satisfies RpcCancel),
  );
  readonly #bundledWorker: string | undefined;

  constructor(opts: ComputeClientOptions = {}) {
    this.#bundledWorker = opts.bundledWorker ?? (process.env[COMPUTE_WORKER_ENV] || undefined);
  }

  /** Runs one task of the task map in the worker; input, output and progress are typed by it. */
  run<K extends ComputeTaskName>(
    task: K,
    input: TaskInput<K>,
    opts: RunOptions<K> = {},
  ): Promise<TaskOutput<K>> {
    let worker: Worker;
    try {
      worker = this.#ensureWorker();
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    const request = (id: number): RpcCall<K, TaskInput<K>> => ({
      type: 'call',
      id,
      method: task,
      args: input,
    });
    return this.#calls.call<TaskOutput<K>, TaskProgressOf<K>>(
      (id) => worker.postMessage(request(id), opts.transfer ?? []),
      { signal: opts.signal, onProgress: opts.onProgress },
    );
  }

  async dispose(): Promise<void> {
    const worker = this.#worker;
    this.#worker = null;
    if (worker) await worker.terminate();
  }

  #ensureWorker(): Worker {
    if (this.#worker) return this.#worker;
    // The tsx entry registers tsx itself when the loader is not inherited through execArgv.
    const start = computeWorkerStart(this.#bundledWorker);
    const worker = new Worker(start.script, start.workerData ? { workerData: start.workerData } : {});
    worker.unref();
    worker.on('message', (msg: unknown) => void this.#calls.handle(msg));
    worker.on('error', (err) =>
      this.#calls.failAll(new ApiError('internal', `The compute worker crashed: ${err.message}`)),
    );
    worker.on('exit', (code) => {
      if (this.#worker === worker) this.#worker = null;
      if (this.#calls.size > 0) {
        this.#calls.failAll(
          new ApiError('internal', `The compute worker stopped (exit code ${code}). Try again.`),
        );
      }
    });
    this.#worker = worker;
    return worker;
  }
}
