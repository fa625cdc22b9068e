/**
 * Electron glue for the compute process: an Electron `utilityProcess` running the bundled
 * compute host, talking over a dedicated MessagePort. Everything else about the process (ids,
 * crashes, restarts) is in the Electron-free ComputeSupervisor.
 */
import { app, MessageChannelMain, utilityProcess } from 'electron';
import { COMPUTE_HOST_ENV } from './compute-process-protocol.ts';
import type { ComputeConnection } from './compute-supervisor.ts';

export const COMPUTE_SERVICE_NAME = 'Incept compute';

export function spawnUtilityCompute(
  modulePath: string,
  env: Record<string, string | undefined>,
): ComputeConnection {
  const child = utilityProcess.fork(modulePath, [], {
    serviceName: COMPUTE_SERVICE_NAME,
    stdio: 'inherit',
    env: { ...process.env, ...env, [COMPUTE_HOST_ENV]: '1' } as Record<string, string>,
  });
  const { port1, port2 } = new MessageChannelMain();
  child.postMessage({ type: 'port' }, [port2]);
  port1.start();

  // Electron says why a utility process died (crashed, oom, killed) only through the app.
  let reason: string | undefined;
  let fatal: string | undefined;
  const onGone = (_event: Electron.Event, details: Electron.Details): void => {
    if (
      details.type === 'Utility' &&
      details.serviceName === COMPUTE_SERVICE_NAME &&
      details.reason !== 'clean-exit'
    )
      reason = `${details.reason} (exit code ${details.exitCode})`;
  };
  app.on('child-process-gone', onGone);
  child.on('error', (type, location) => {
    fatal = `${type} at ${location}`;
  });

  return {
    get pid() {
      return child.pid ?? null;
    },
    post: (msg) => port1.postMessage(msg),
    onMessage: (listener) => void port1.on('message', (e) => listener(e.data)),
    onEnd: (listener) =>
      void child.once('exit', (code) => {
        // child-process-gone may arrive just after exit; give it a moment.
        setTimeout(() => {
          app.off('child-process-gone', onGone);
          port1.close();
          listener({ code, signal: null, reason: fatal ?? reason });
        }, 50);
      }),
    kill: () => void child.kill(),
  };
}
