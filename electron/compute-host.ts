/**
 * The compute process: the whole core (database, jobs, engines) behind the API dispatch, off the
 * Electron main thread. One module, three ways in:
 *
 * - Electron `utilityProcess`: main sends a MessagePort over `process.parentPort`; everything
 *   else goes over that port.
 * - Node `child_process.fork` (tests, tooling): `process.send` with `serialization: 'advanced'`.
 * - Node `worker_threads`: `parentPort`.
 *
 * It starts only when `INCEPT_COMPUTE_HOST=1`, so importing it (tests, type checks) has no effect.
 */
import { dirname, join } from 'node:path';
import { parentPort as workerParentPort, isMainThread } from 'node:worker_threads';
import { createCoreDispatch } from '../src/api/handlers.ts';
import { Core } from '../src/core.ts';
import { resolveImageRequest } from '../src/services/image-request.ts';
import { COMPUTE_WORKER_ENV } from '../src/jobs/compute-client.ts';
import { RpcResponder } from '../src/rpc/responder.ts';
import {
  COMPUTE_HOST_ENV,
  COMPUTE_WORKER_BUNDLE,
  parseToCompute,
  type FromCompute,
} from './compute-process-protocol.ts';
import type { ImageBytes } from './image-protocol.ts';

export interface HostTransport {
  send(msg: FromCompute): void;
  onMessage(listener: (msg: unknown) => void): void;
  /** Called when main goes away; the host then shuts down. */
  onClose(listener: () => void): void;
}

export interface RunningHost {
  core: Core;
  /** Closes the project (checkpointing the database) and stops forwarding events. */
  dispose(): Promise<void>;
}

/** Serves the API over a transport until told to shut down. */
export function startComputeHost(transport: HostTransport, core: Core = new Core()): RunningHost {
  const dispatch = createCoreDispatch(core);
  const send = (msg: FromCompute): void => {
    try {
      transport.send(msg);
    } catch {
      // A result that structured clone refuses (a function, a class instance with a native
      // handle) still reaches main as its JSON form rather than never.
      transport.send(JSON.parse(JSON.stringify(msg)) as FromCompute);
    }
  };
  const offEvents = core.events.onAny((event, payload) => send({ type: 'event', event, payload }));
  let disposed: Promise<void> | null = null;
  const dispose = (): Promise<void> =>
    (disposed ??= (async () => {
      offEvents();
      await core.dispose();
    })());

  // Whatever a request throws goes back as the API's `{ code, message, details }`.
  const responder = new RpcResponder(send);

  transport.onMessage((raw) => {
    const msg = parseToCompute(raw);
    if (!msg) {
      console.error('compute host: ignored a malformed message');
      return;
    }
    switch (msg.type) {
      case 'call':
        void responder.serve(msg.id, () => dispatch(msg.method, msg.args));
        return;
      case 'image':
        void responder.serve(msg.id, async (): Promise<ImageBytes> => {
          const image = await resolveImageRequest(core.requireProject(), msg.rest);
          return { contentType: image.contentType, body: exactBytes(image.body) };
        });
        return;
      case 'shutdown':
        void dispose().finally(() => process.exit(0));
        return;
    }
  });
  transport.onClose(() => void dispose().finally(() => process.exit(0)));
  send({ type: 'ready', pid: process.pid });
  return { core, dispose };
}

/** Structured clone copies a view's whole ArrayBuffer; a pooled Buffer would drag its pool along. */
function exactBytes(buf: Uint8Array): Uint8Array {
  const view = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  return buf.byteOffset === 0 && buf.byteLength === buf.buffer.byteLength ? view : view.slice();
}

// ---------------------------------------------------------------------------------------------
// Transports

interface ElectronPort {
  on(event: 'message', listener: (e: { data: unknown }) => void): unknown;
  on(event: 'close', listener: () => void): unknown;
  postMessage(message: unknown): void;
  start(): void;
}
interface ElectronParentPort {
  once(event: 'message', listener: (e: { data: unknown; ports: ElectronPort[] }) => void): unknown;
}

/** Electron utilityProcess: waits for main to hand over the MessagePort. */
function electronTransport(parent: ElectronParentPort): Promise<HostTransport> {
  return new Promise((resolve) => {
    parent.once('message', (e) => {
      const port = e.ports[0];
      if (!port) {
        console.error('compute host: main sent no MessagePort');
        process.exit(1);
      }
      resolve({
        send: (msg) => port.postMessage(msg),
        onMessage: (listener) => {
          port.on('message', (ev) => listener(ev.data));
          port.start();
        },
        onClose: (listener) => void port.on('close', listener),
      });
    });
  });
}

function forkTransport(): HostTransport {
  return {
    send: (msg) => void process.send!(msg),
    onMessage: (listener) => void process.on('message', listener),
    onClose: (listener) => void process.once('disconnect', listener),
  };
}

function workerTransport(port: NonNullable<typeof workerParentPort>): HostTransport {
  return {
    send: (msg) => port.postMessage(msg),
    onMessage: (listener) => void port.on('message', listener),
    onClose: (listener) => void port.once('close', listener),
  };
}

/** The transport of whatever started this process, or null when nothing did. */
export async function connectTransport(): Promise<HostTransport | null> {
  const electronParent = (process as unknown as { parentPort?: ElectronParentPort }).parentPort;
  if (electronParent) return electronTransport(electronParent);
  if (!isMainThread && workerParentPort) return workerTransport(workerParentPort);
  if (typeof process.send === 'function') return forkTransport();
  return null;
}

/**
 * The compute worker for a host module: the bundled host (`compute-host.cjs`) runs the worker
 * bundle beside it, so nothing is transpiled at run time; under tsx there is none and the
 * worker runs from its TypeScript source.
 */
export function bundledWorkerFor(hostFile: string | undefined): string | undefined {
  return hostFile?.endsWith('.cjs') ? join(dirname(hostFile), COMPUTE_WORKER_BUNDLE) : undefined;
}

async function main(): Promise<void> {
  const transport = await connectTransport();
  if (!transport) {
    console.error(`compute host: ${COMPUTE_HOST_ENV}=1 but no parent to talk to`);
    process.exit(1);
  }
  // Only the CommonJS bundle has __filename (under tsx this module is ESM). An explicit
  // INCEPT_COMPUTE_WORKER from the parent wins.
  const worker = bundledWorkerFor(typeof __filename === 'string' ? __filename : undefined);
  if (worker && !process.env[COMPUTE_WORKER_ENV]) process.env[COMPUTE_WORKER_ENV] = worker;
  startComputeHost(transport);
}

if (process.env[COMPUTE_HOST_ENV] === '1') {
  main().catch((err: unknown) => {
    console.error('compute host failed to start:', err);
    process.exit(1);
  });
}
