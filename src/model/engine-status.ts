import { createRequire } from 'node:module';
import type { EngineStatus } from '../api/contract.ts';
import { probeNative } from './tfjs-runtime.ts';

const require = createRequire(import.meta.url);

/**
 * Which engines this machine can run, fastest first, each with the reason when it cannot.
 * Cheap: it loads packages but builds no model.
 */
export async function engineStatuses(): Promise<EngineStatus[]> {
  const gpu = probeNative('@tensorflow/tfjs-node-gpu');
  const cpu = probeNative('@tensorflow/tfjs-node');
  const ort = probeOnnxruntime();
  return [
    withReason(
      { name: 'tfjs-node-gpu', label: 'tfjs-node-gpu (CUDA)', available: gpu.available },
      gpu.reason,
    ),
    withReason({ name: 'tfjs-node', label: 'tfjs-node (native CPU)', available: cpu.available }, cpu.reason),
    withReason({ name: 'onnxruntime', label: 'onnxruntime (CPU)', available: ort.available }, ort.reason),
    { name: 'wasm', label: 'tfjs wasm (CPU)', available: true },
  ];
}

function withReason(s: EngineStatus, reason: string | undefined): EngineStatus {
  return reason === undefined ? s : { ...s, reason };
}

function probeOnnxruntime(): { available: boolean; reason?: string } {
  try {
    const ort = require('onnxruntime-node') as { listSupportedBackends?: () => unknown };
    ort.listSupportedBackends?.();
    return { available: true };
  } catch (err) {
    return { available: false, reason: `onnxruntime-node failed to load: ${(err as Error).message}` };
  }
}
