/**
 * The tfjs graph executor as an engine, on tfjs-node-gpu, tfjs-node or wasm.
 *
 * All three share tfjs's one global backend; each engine switches to its own before a run. Two
 * engines on different backends in one process work but pay for moving weights across.
 */
import { ModelError } from '../errors.ts';
import type { ModelAnalysis } from '../graph/analyze.ts';
import { GraphExecutor } from '../graph/executor.ts';
import type { OnnxModel } from '../onnx/read.ts';
import { probeNative, tf, useWasmBackend } from '../tfjs-runtime.ts';
import { checkInput, type Engine, type EngineName, type EngineOutputs } from './types.ts';

type TfjsEngineName = Extract<EngineName, 'tfjs-node-gpu' | 'tfjs-node' | 'wasm'>;

const PACKAGES = {
  'tfjs-node-gpu': '@tensorflow/tfjs-node-gpu',
  'tfjs-node': '@tensorflow/tfjs-node',
} as const;

export const TFJS_LABELS: Record<TfjsEngineName, string> = {
  'tfjs-node-gpu': 'TensorFlow.js (native, CUDA GPU)',
  'tfjs-node': 'TensorFlow.js (native CPU)',
  wasm: 'TensorFlow.js (WebAssembly)',
};

export function probeTfjs(name: TfjsEngineName): { available: boolean; reason?: string } {
  if (name === 'wasm') return { available: true };
  const probe = probeNative(PACKAGES[name]);
  return probe.available
    ? { available: true }
    : { available: false, reason: probe.reason ?? 'not available' };
}

async function activate(name: TfjsEngineName): Promise<string> {
  if (name === 'wasm') {
    await useWasmBackend();
    return 'wasm';
  }
  const probe = probeTfjs(name);
  if (!probe.available)
    throw new ModelError('engine_unavailable', probe.reason ?? `${name} is not available`);
  if (tf.getBackend() !== 'tensorflow' && !(await tf.setBackend('tensorflow'))) {
    throw new ModelError(
      'engine_unavailable',
      `${PACKAGES[name]} loaded but its 'tensorflow' backend did not start`,
    );
  }
  await tf.ready();
  return 'tensorflow';
}

export async function createTfjsEngine(
  name: TfjsEngineName,
  model: OnnxModel,
  analysis: ModelAnalysis,
): Promise<Engine> {
  const backend = await activate(name);
  const executor = GraphExecutor.create(tf, model, analysis);

  const run = async (input: Float32Array, n: number, want: { features: boolean; probabilities: boolean }) => {
    checkInput(input, n);
    if (tf.getBackend() !== backend) await tf.setBackend(backend);
    const x = tf.tensor4d(input, [n, 224, 224, 3]);
    try {
      const r = executor.run(x, want);
      try {
        const [features, probabilities] = await Promise.all([r.features?.data(), r.probabilities?.data()]);
        return {
          features: features as Float32Array | undefined,
          probabilities: probabilities as Float32Array | undefined,
        };
      } finally {
        r.features?.dispose();
        r.probabilities?.dispose();
      }
    } finally {
      x.dispose();
    }
  };

  return {
    name,
    label: TFJS_LABELS[name],
    featureSize: analysis.featureSize,
    numClasses: analysis.numClasses,
    features: async (input, n) => (await run(input, n, { features: true, probabilities: false })).features!,
    probabilities: async (input, n) =>
      (await run(input, n, { features: false, probabilities: true })).probabilities!,
    infer: async (input, n): Promise<EngineOutputs> => {
      const r = await run(input, n, { features: true, probabilities: true });
      return { features: r.features!, probabilities: r.probabilities! };
    },
    dispose: async () => executor.dispose(),
  };
}
