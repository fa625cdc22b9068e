import { fork } from 'node:child_process';
import { COMPUTE_HOST_ENV } from './compute-process-protocol.ts';
import type { ComputeConnection } from './compute-supervisor.ts';

export interface NodeComputeOptions {
  /** The host module: `electron/compute-host.ts` (with tsx) or the bundled `.cjs`. */
  entry: string;
  execArgv?: string[];
  env?: Record<string, string | undefined>;
  cwd?: string;
}

/**
 * The compute process as a plain Node child (`child_process.fork`), for tests and tools that
 * have no Electron. `serialization: 'advanced'` keeps image bytes as bytes, as a MessagePort does.
 */
export function spawnNodeCompute(opts: NodeComputeOptions): ComputeConnection {
  const child = fork(opts.entry, [], {
    execArgv: opts.execArgv ?? [],
    env: { ...process.env, ...opts.env, [COMPUTE_HOST_ENV]: '1' },
    serialization: 'advanced',
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    ...(opts.cwd ? { cwd: opts.cwd } : {}),
  });
  return {
    get pid() {
      return child.pid ?? null;
    },
    post: (msg) => {
      if (!child.connected) throw new Error('the compute process has gone');
      child.send(msg);
    },
    onMessage: (listener) => void child.on('message', listener),
    onEnd: (listener) => void child.once('exit', (code, signal) => listener({ code, signal })),
    kill: () => void child.kill('SIGKILL'),
  };
}
