/**
 * The compute worker: runs engine and training tasks off the API thread. The task table maps
 * names to functions; each gets an AbortSignal and a progress callback.
 */
import { parentPort } from 'node:worker_threads';
import { ApiError } from '../domain/errors.ts';
import { RpcResponder } from '../rpc/responder.ts';
import { parseRpcRequest, type RpcReply } from '../rpc/wire.ts';
import { explainSqliteError } from '../store/project-open.ts';
import {
  isComputeTaskName,
  type ComputeTaskName,
  type TaskInput,
  type TaskOutput,
  type TaskProgressOf,
} from './compute-task-map.ts';
import { computeTasks } from './compute-task-table.ts';
import type { TaskHooks } from './task-hooks.ts';

if (!parentPort) throw new Error('compute-worker.ts must run as a worker thread');
const port = parentPort;
const responder = new RpcResponder((reply: RpcReply) => port.postMessage(reply));

port.on('message', (raw: unknown) => {
  const msg = parseRpcRequest(raw);
  if (!msg) return;
  if (msg.type === 'cancel') {
    responder.cancel(msg.id);
    return;
  }
  const { method, args } = msg;
  void responder.serve<TaskProgressOf<ComputeTaskName>>(
    msg.id,
    async (hooks) => {
      if (!isComputeTaskName(method)) throw new ApiError('internal', `Unknown compute task ${method}.`);
      // The client's `run` checked the input against the task map; the thread boundary drops types.
      return runTask(method, args as TaskInput<typeof method>, hooks);
    },
    {
      // A task that writes to a read-only or damaged project says which file and what to do.
      explain: (err) => {
        const projectPath = (args as { projectPath?: unknown } | null)?.projectPath;
        return typeof projectPath === 'string' ? explainSqliteError(err, projectPath) : err;
      },
    },
  );
});

function runTask<K extends ComputeTaskName>(
  task: K,
  input: TaskInput<K>,
  hooks: TaskHooks<TaskProgressOf<K>>,
): Promise<TaskOutput<K>> {
  return computeTasks[task](input, hooks);
}
