/**
 * The compute worker: runs engine and training tasks off the API thread. One task table maps
 * names to functions; each gets an AbortSignal and a progress callback.
 */
import { parentPort } from 'node:worker_threads';
import { ApiError } from '../domain/errors.ts';
import { explainSqliteError } from '../store/project-open.ts';
import type { ComputeTaskName, FromWorker, ToWorker } from './compute-protocol.ts';
import { computeTasks } from './compute-tasks.ts';

if (!parentPort) throw new Error('compute-worker.ts must run as a worker thread');
const port = parentPort;
const running = new Map<number, AbortController>();

function send(msg: FromWorker, transfer: ArrayBuffer[] = []): void {
  port.postMessage(msg, transfer);
}

port.on('message', (msg: ToWorker) => {
  if (msg.type === 'cancel') {
    running.get(msg.id)?.abort();
    return;
  }
  void runTask(msg.id, msg.task, msg.input);
});

async function runTask(id: number, task: ComputeTaskName, input: unknown): Promise<void> {
  const controller = new AbortController();
  running.set(id, controller);
  try {
    const fn = computeTasks[task];
    const output = await fn(input as never, {
      signal: controller.signal,
      progress: (p) => send({ type: 'progress', id, ...p }),
    });
    send({ type: 'result', id, output });
  } catch (err) {
    // A task that writes to a read-only or damaged project says which file and what to do.
    const projectPath = (input as { projectPath?: unknown } | null)?.projectPath;
    const apiErr = ApiError.from(
      typeof projectPath === 'string' ? explainSqliteError(err, projectPath) : err,
    );
    const aborted = controller.signal.aborted || (err instanceof Error && err.name === 'AbortError');
    send({
      type: 'error',
      id,
      error: aborted
        ? { code: 'cancelled', message: 'Cancelled.', name: 'AbortError' }
        : { code: apiErr.code, message: apiErr.message, details: apiErr.details },
    });
  } finally {
    running.delete(id);
  }
}
