/** Messages between the TensorFlow.js self-check and its worker threads (tfjs-check-worker.ts). */
export type ToTfjsCheckWorker =
  | { type: 'run'; id: number; input: Float32Array; shape: [number, number, number, number] }
  | { type: 'close' };

export type FromTfjsCheckWorker =
  | { type: 'ready'; backend: string }
  | { type: 'result'; id: number; probs: Float32Array }
  /** id null: the worker could not load tfjs or the model. */
  | { type: 'error'; id: number | null; message: string };

/** The bundle Electron runs instead of the TypeScript worker, beside compute-worker.cjs. */
export const TFJS_CHECK_WORKER_BUNDLE = 'tfjs-check-worker.cjs';
