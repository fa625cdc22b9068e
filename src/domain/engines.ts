/**
 * Inference engines by name, and what the app reports about each. The engine registry
 * (src/model/engines) implements them; schemas list ENGINE_NAMES.
 */

export const ENGINE_NAMES = [
  'onnxruntime-webgpu',
  'onnxruntime-dml',
  'onnxruntime-coreml',
  'onnxruntime-cuda',
  'tfjs-node-gpu',
  'tfjs-node',
  'onnxruntime',
  'wasm',
] as const;
export type EngineName = (typeof ENGINE_NAMES)[number];

export interface EngineStatus {
  name: EngineName;
  label: string;
  available: boolean;
  reason?: string;
  /** GPU engines: the adapter (GPU and driver) the provider runs on, where it can be told. */
  adapter?: string;
  /** A software rasteriser (lavapipe, SwiftShader, WARP): used only when chosen explicitly. */
  software?: boolean;
}
