/**
 * Engine registry, in the style of onnxruntime-js's common/backend-impl: engines register with a
 * priority, availability is probed once per process, and 'auto' tries them best-first, falling
 * back when one fails to start and recording why.
 *
 * Priorities come from measurements of this GoogLeNet on a 2-core CPU: onnxruntime ~47 images/s,
 * the tfjs executor on wasm ~8-11; native TensorFlow (GPU, then CPU) is preferred where installed.
 */
import { ModelError, errorMessage } from '../errors.ts';
import { analyzeModel, type ModelAnalysis } from '../graph/analyze.ts';
import { decodeModel, type OnnxModel } from '../onnx/read.ts';
import { createOnnxRuntimeEngine, probeOnnxRuntime } from './onnxruntime.ts';
import { TFJS_LABELS, createTfjsEngine, probeTfjs } from './tfjs.ts';
import type { Engine, EngineName } from './types.ts';

export interface EngineAvailability {
  available: boolean;
  reason?: string;
}

export interface EngineOptions {
  /** CPU threads for engines that take a number (onnxruntime). Default: all cores. */
  threads?: number;
}

export interface EngineProvider {
  name: EngineName;
  label: string;
  /** Higher is tried first. */
  priority: number;
  probe(): Promise<EngineAvailability>;
  create(
    model: OnnxModel,
    analysis: ModelAnalysis,
    opts: EngineOptions,
  ): Promise<Engine & { warnings?: string[] }>;
}

export interface EngineProbe extends EngineAvailability {
  name: EngineName;
  label: string;
  priority: number;
}

export interface EngineFailure {
  name: EngineName;
  reason: string;
}

export interface CreateEngineOptions extends EngineOptions {
  engine?: 'auto' | EngineName;
  /** Names the model in error messages, e.g. its path. */
  source?: string;
}

const providers = new Map<EngineName, EngineProvider>();
const probes = new Map<EngineName, Promise<EngineAvailability>>();

export function registerEngine(provider: EngineProvider): void {
  providers.set(provider.name, provider);
  probes.delete(provider.name);
}

function probeOnce(p: EngineProvider): Promise<EngineAvailability> {
  let probe = probes.get(p.name);
  if (!probe) {
    probe = p.probe().catch((err: unknown) => ({ available: false, reason: errorMessage(err) }));
    probes.set(p.name, probe);
  }
  return probe;
}

function byPriority(): EngineProvider[] {
  return [...providers.values()].sort((a, b) => b.priority - a.priority);
}

/** Every registered engine, best first, with whether it can run here and why not. */
export async function probeEngines(): Promise<EngineProbe[]> {
  return Promise.all(
    byPriority().map(async (p) => ({
      name: p.name,
      label: p.label,
      priority: p.priority,
      ...(await probeOnce(p)),
    })),
  );
}

/**
 * Imports the model (model errors are thrown as they are: no engine would do better) and starts
 * the requested engine, or with 'auto' the best one that starts. `failures` lists the engines
 * skipped on the way, and warnings of the chosen one (e.g. CUDA falling back to CPU).
 */
export async function createEngine(
  modelBytes: Uint8Array,
  opts: CreateEngineOptions = {},
): Promise<{ engine: Engine; failures: EngineFailure[]; analysis: ModelAnalysis }> {
  const model = decodeModel(modelBytes, opts.source);
  const analysis = analyzeModel(model);
  const wanted = opts.engine ?? 'auto';
  const candidates =
    wanted === 'auto' ? byPriority() : [providers.get(wanted)].filter((p) => p !== undefined);
  if (candidates.length === 0) {
    throw new ModelError(
      'engine_unavailable',
      `Unknown engine "${wanted}". Known engines: ${[...providers.keys()].join(', ')}.`,
    );
  }
  const failures: EngineFailure[] = [];
  for (const p of candidates) {
    const probe = await probeOnce(p);
    if (!probe.available) {
      failures.push({ name: p.name, reason: probe.reason ?? 'not available' });
      continue;
    }
    try {
      const engine = await p.create(model, analysis, opts);
      for (const w of engine.warnings ?? []) failures.push({ name: p.name, reason: w });
      return { engine, failures, analysis };
    } catch (err) {
      if (err instanceof ModelError && err.code !== 'engine_unavailable') throw err;
      failures.push({ name: p.name, reason: errorMessage(err) });
    }
  }
  throw new ModelError(
    'engine_unavailable',
    `No inference engine could start (${failures.map((f) => `${f.name}: ${f.reason}`).join('; ')}).` +
      (wanted === 'auto' ? '' : " Choose engine 'auto' to fall back to another one."),
  );
}

registerEngine({
  name: 'tfjs-node-gpu',
  label: TFJS_LABELS['tfjs-node-gpu'],
  priority: 400,
  probe: async () => probeTfjs('tfjs-node-gpu'),
  create: (model, analysis) => createTfjsEngine('tfjs-node-gpu', model, analysis),
});
registerEngine({
  name: 'tfjs-node',
  label: TFJS_LABELS['tfjs-node'],
  priority: 300,
  probe: async () => probeTfjs('tfjs-node'),
  create: (model, analysis) => createTfjsEngine('tfjs-node', model, analysis),
});
registerEngine({
  name: 'onnxruntime',
  label: 'onnxruntime (CPU)',
  priority: 200,
  probe: probeOnnxRuntime,
  create: (model, analysis, opts) =>
    createOnnxRuntimeEngine(model, analysis, opts.threads === undefined ? {} : { threads: opts.threads }),
});
registerEngine({
  name: 'wasm',
  label: TFJS_LABELS.wasm,
  priority: 100,
  probe: async () => probeTfjs('wasm'),
  create: (model, analysis) => createTfjsEngine('wasm', model, analysis),
});
