/**
 * onnxruntime-node running the original ONNX graph (rewritten only to expose the classifier's input
 * and to free the batch dimension), so it doubles as the reference the tfjs executor is checked
 * against.
 *
 * Known trap: onnxruntime-node 1.30 segfaults inside InferenceSession.create when the process
 * argv is very long (~37 KB). Keep command lines short in processes that load it.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import type * as Ort from 'onnxruntime-node';
import { ModelError, errorMessage } from '../errors.ts';
import type { ModelAnalysis } from '../graph/analyze.ts';
import type { OnnxModel } from '../onnx/read.ts';
import { prepareForOnnxRuntime } from '../onnx/rewrite.ts';
import { ensureRuntimeDir } from './provider-probe.ts';
import {
  IMAGE_VALUES,
  checkInput,
  softmaxRows,
  type Engine,
  type EngineName,
  type EngineOutputs,
} from './types.ts';

const require = createRequire(import.meta.url);
let ortPromise: Promise<typeof Ort> | null = null;

/** Loads onnxruntime-node once (a native addon: loading can fail on unsupported platforms). */
export function loadOrt(): Promise<typeof Ort> {
  ortPromise ??= import('onnxruntime-node').then(
    (m) => ((m as { default?: typeof Ort }).default ?? m) as typeof Ort,
  );
  return ortPromise;
}

export async function probeOnnxRuntime(): Promise<{ available: boolean; reason?: string }> {
  try {
    const ort = await loadOrt();
    const backends = ort.listSupportedBackends();
    if (!backends.some((b) => b.name === 'cpu'))
      return { available: false, reason: 'no CPU execution provider' };
    return { available: true };
  } catch (err) {
    return { available: false, reason: `onnxruntime-node failed to load: ${errorMessage(err)}` };
  }
}

/**
 * The CUDA provider ships separately from onnxruntime-node's npm package; only try it when its
 * library is actually next to the binding (INCEPT_ORT_CUDA=0 turns it off, =1 forces a try).
 */
export function cudaCandidate(ort: typeof Ort): { ok: boolean; reason?: string } {
  const env = process.env.INCEPT_ORT_CUDA;
  if (env === '0') return { ok: false, reason: 'turned off (INCEPT_ORT_CUDA=0)' };
  if (!ort.listSupportedBackends().some((b) => b.name === 'cuda'))
    return { ok: false, reason: 'this onnxruntime-node build has no CUDA provider' };
  if (env === '1') return { ok: true };
  try {
    const root = dirname(require.resolve('onnxruntime-node/package.json'));
    const dir = join(root, 'bin', 'napi-v6', process.platform, process.arch);
    const lib =
      process.platform === 'win32' ? 'onnxruntime_providers_cuda.dll' : 'libonnxruntime_providers_cuda.so';
    return existsSync(join(dir, lib))
      ? { ok: true }
      : { ok: false, reason: `the CUDA provider library (${lib}) is not installed next to onnxruntime-node` };
  } catch (err) {
    return { ok: false, reason: errorMessage(err) };
  }
}

/** Whether the loaded onnxruntime-node lists an execution provider at all. */
export async function ortHasBackend(name: string): Promise<{ ok: boolean; reason?: string }> {
  try {
    const ort = await loadOrt();
    if (name === 'cuda') return cudaCandidate(ort);
    return ort.listSupportedBackends().some((b) => b.name === name)
      ? { ok: true }
      : {
          ok: false,
          reason: `this onnxruntime-node build for ${process.platform}-${process.arch} has no ${name} provider`,
        };
  } catch (err) {
    return { ok: false, reason: `onnxruntime-node failed to load: ${errorMessage(err)}` };
  }
}

/** NHWC [n, 224, 224, 3] → NCHW [n, 3, 224, 224]. */
export function nhwcToNchw(input: Float32Array, n: number): Float32Array {
  const hw = 224 * 224;
  const out = new Float32Array(input.length);
  for (let b = 0; b < n; b++) {
    const base = b * IMAGE_VALUES;
    for (let p = 0; p < hw; p++) {
      const src = base + p * 3;
      out[base + p] = input[src] as number;
      out[base + hw + p] = input[src + 1] as number;
      out[base + 2 * hw + p] = input[src + 2] as number;
    }
  }
  return out;
}

export type OrtProvider = 'cpu' | 'webgpu' | 'dml' | 'coreml' | 'cuda';

const ENGINE_OF: Record<OrtProvider, EngineName> = {
  cpu: 'onnxruntime',
  webgpu: 'onnxruntime-webgpu',
  dml: 'onnxruntime-dml',
  coreml: 'onnxruntime-coreml',
  cuda: 'onnxruntime-cuda',
};

export const PROVIDER_TITLES: Record<OrtProvider, string> = {
  cpu: 'CPU',
  webgpu: 'WebGPU',
  dml: 'DirectML',
  coreml: 'Core ML',
  cuda: 'CUDA',
};

export async function createOnnxRuntimeEngine(
  model: OnnxModel,
  analysis: ModelAnalysis,
  opts: { threads?: number; provider?: OrtProvider; adapter?: string } = {},
): Promise<Engine> {
  const ort = await loadOrt();
  const provider = opts.provider ?? 'cpu';
  if (provider !== 'cpu') ensureRuntimeDir();
  const prepared = prepareForOnnxRuntime(model, analysis);
  // Nodes a GPU provider lacks (LRN on WebGPU) run on the CPU provider with these threads.
  const options: Ort.InferenceSession.SessionOptions = {
    intraOpNumThreads: opts.threads ?? availableParallelism(),
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    logSeverityLevel: 3,
    executionProviders: [provider],
  };
  let session: Ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(prepared.bytes, options);
  } catch (err) {
    throw new ModelError(
      'engine_unavailable',
      `onnxruntime's ${PROVIDER_TITLES[provider]} provider could not load the model: ${errorMessage(err)}`,
      { cause: err },
    );
  }
  const sess = session;
  // Keep only the flag: the closure would otherwise hold the 28 MB rewritten model.
  const dynamicBatch = prepared.dynamicBatch;
  const { inputName, featureTensor, outputName, featureSize, numClasses, outputIsLogits } = analysis;

  const runBatch = async (nchw: Float32Array, n: number, fetchScores: boolean) => {
    const feeds = { [inputName]: new ort.Tensor('float32', nchw, [n, 3, 224, 224]) };
    const out = await sess.run(feeds, fetchScores ? [featureTensor, outputName] : [featureTensor]);
    const features = out[featureTensor]!.data as Float32Array;
    const scores = fetchScores ? (out[outputName]!.data as Float32Array) : undefined;
    return { features, scores };
  };

  const run = async (input: Float32Array, n: number, fetchScores: boolean) => {
    checkInput(input, n);
    const nchw = nhwcToNchw(input, n);
    let features: Float32Array;
    let scores: Float32Array | undefined;
    if (dynamicBatch) {
      ({ features, scores } = await runBatch(nchw, n, fetchScores));
    } else {
      features = new Float32Array(n * featureSize);
      scores = fetchScores ? new Float32Array(n * numClasses) : undefined;
      for (let b = 0; b < n; b++) {
        const r = await runBatch(nchw.subarray(b * IMAGE_VALUES, (b + 1) * IMAGE_VALUES), 1, fetchScores);
        features.set(r.features, b * featureSize);
        if (scores && r.scores) scores.set(r.scores, b * numClasses);
      }
    }
    const probabilities = scores && outputIsLogits ? softmaxRows(scores, numClasses) : scores;
    return { features, probabilities };
  };

  const device = opts.adapter ? `${PROVIDER_TITLES[provider]}: ${opts.adapter}` : PROVIDER_TITLES[provider];
  return {
    name: ENGINE_OF[provider],
    label: `onnxruntime (${device})`,
    featureSize,
    numClasses,
    features: async (input, n) => (await run(input, n, false)).features,
    probabilities: async (input, n) => (await run(input, n, true)).probabilities!,
    infer: async (input, n): Promise<EngineOutputs> => {
      const r = await run(input, n, true);
      return { features: r.features, probabilities: r.probabilities! };
    },
    dispose: () => sess.release(),
  };
}
