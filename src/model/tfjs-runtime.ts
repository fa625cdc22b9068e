/**
 * The one place that loads TensorFlow.js for the Node core and picks its backend.
 *
 * Order of preference: tfjs-node-gpu (CUDA), tfjs-node (native CPU), wasm (always there).
 * The native packages are optional dependencies whose install downloads libtensorflow, so they
 * are often missing; a failure to load one is recorded as a reason, never thrown.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';

export type TfBackendName = 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu';

export interface TfBackendProbe {
  /** Engine-facing name of the package that provides the backend. */
  packageName: '@tensorflow/tfjs-node-gpu' | '@tensorflow/tfjs-node' | '@tensorflow/tfjs-backend-wasm';
  available: boolean;
  reason?: string;
}

const require = createRequire(import.meta.url);
const probes = new Map<string, TfBackendProbe>();
let wasmReady: Promise<void> | null = null;

/**
 * tfjs-node 4.22 calls util.isNullOrUndefined / util.isArray, which Node 23+ (and so Electron 40+)
 * removed. Put them back before the native package is loaded.
 */
function polyfillNodeUtil(): void {
  const util = require('node:util') as Record<string, unknown>;
  util.isNullOrUndefined ??= (v: unknown) => v === null || v === undefined;
  util.isArray ??= Array.isArray;
}

/** Tries to load a native tfjs package once; remembers why it failed. */
export function probeNative(pkg: '@tensorflow/tfjs-node-gpu' | '@tensorflow/tfjs-node'): TfBackendProbe {
  const cached = probes.get(pkg);
  if (cached) return cached;
  let probe: TfBackendProbe;
  if (process.env.INCEPT_DISABLE_NATIVE_TF === '1') {
    probe = { packageName: pkg, available: false, reason: 'disabled by INCEPT_DISABLE_NATIVE_TF=1' };
  } else {
    try {
      require.resolve(pkg);
    } catch {
      probe = {
        packageName: pkg,
        available: false,
        reason: `${pkg} is not installed (its install downloads libtensorflow; it is optional)`,
      };
      probes.set(pkg, probe);
      return probe;
    }
    try {
      polyfillNodeUtil();
      require(pkg);
      probe = { packageName: pkg, available: true };
    } catch (err) {
      probe = {
        packageName: pkg,
        available: false,
        reason: `${pkg} failed to load: ${(err as Error).message}`,
      };
    }
  }
  probes.set(pkg, probe);
  return probe;
}

function wasmDir(): string {
  return join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + '/';
}

interface ErrorListeners {
  uncaught: unknown[];
  rejection: unknown[];
}

function processErrorListeners(): ErrorListeners {
  return {
    uncaught: process.listeners('uncaughtException'),
    rejection: process.listeners('unhandledRejection'),
  };
}

/**
 * The Emscripten glue of tfjs-backend-wasm installs process 'uncaughtException' and
 * 'unhandledRejection' handlers that rethrow: they override the app's own handlers and crash the
 * process, printing the whole minified module. Take them out again.
 */
function removeListenersAddedSince(before: ErrorListeners): void {
  for (const l of process.listeners('uncaughtException')) {
    if (!before.uncaught.includes(l)) process.removeListener('uncaughtException', l);
  }
  for (const l of process.listeners('unhandledRejection')) {
    if (!before.rejection.includes(l)) process.removeListener('unhandledRejection', l);
  }
}

/** Makes the wasm backend the active tfjs backend (idempotent). */
export async function useWasmBackend(): Promise<typeof tf> {
  wasmReady ??= (async () => {
    setWasmPaths(wasmDir());
    const before = processErrorListeners();
    try {
      const ok = await tf.setBackend('wasm');
      if (!ok) throw new Error('tfjs could not start its wasm backend');
      await tf.ready();
    } finally {
      removeListenersAddedSince(before);
    }
  })();
  await wasmReady;
  if (tf.getBackend() !== 'wasm') await tf.setBackend('wasm');
  return tf;
}

/**
 * Activates the fastest backend available and returns tfjs. A native backend is used when its
 * package loads; otherwise wasm.
 */
export async function useBestBackend(): Promise<{ tf: typeof tf; backend: TfBackendName }> {
  for (const pkg of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'] as const) {
    if (probeNative(pkg).available && (await tf.setBackend('tensorflow'))) {
      await tf.ready();
      return { tf, backend: pkg === '@tensorflow/tfjs-node-gpu' ? 'tensorflow-gpu' : 'tensorflow' };
    }
  }
  await useWasmBackend();
  return { tf, backend: 'wasm' };
}

export { tf };
