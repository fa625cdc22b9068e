/**
 * Engine registry, in the style of onnxruntime-js's common/backend-impl: engines register with a
 * priority, availability is probed once per process, and 'auto' tries them best-first, falling
 * back when one fails to start and recording why.
 *
 * Priorities come from measurements of this GoogLeNet on a 2-core CPU: onnxruntime ~47 images/s,
 * the tfjs executor on wasm ~8-11; native TensorFlow (GPU, then CPU) is preferred where installed.
 * onnxruntime's GPU providers (WebGPU everywhere, DirectML on Windows, Core ML on macOS, CUDA where
 * its libraries are installed) come first, but only after their probe (a child process with a
 * time limit) and, per model, the correctness gate (gpu-gate.ts) have passed; 'auto' also skips
 * software adapters and GPUs slower than the CPU on the gate's probe batch.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { ModelError, errorMessage } from '../errors.ts';
import { analyzeModel, type ModelAnalysis } from '../graph/analyze.ts';
import { decodeModel, type OnnxModel } from '../onnx/read.ts';
import { withCpuFallback } from './cpu-fallback.ts';
import { GateCache, gateVerdict, runGate } from './gpu-gate.ts';
import {
  PROVIDER_TITLES,
  createOnnxRuntimeEngine,
  loadOrt,
  ortHasBackend,
  probeOnnxRuntime,
} from './onnxruntime.ts';
import { probeProvider, type GpuProvider } from './provider-probe.ts';
import { TFJS_LABELS, createTfjsEngine, probeTfjs } from './tfjs.ts';
import type { Engine, EngineName } from './types.ts';

export interface EngineAvailability {
  available: boolean;
  reason?: string;
  /** GPU engines: the adapter the provider ran on. */
  adapter?: string;
  /** A software rasteriser: 'auto' never picks it. */
  software?: boolean;
}

export interface EngineOptions {
  /** CPU threads for engines that take a number (onnxruntime). Default: all cores. */
  threads?: number;
  /** Where GPU correctness checks are remembered between launches (the app-data folder). */
  dataDir?: string;
}

export interface EngineProvider {
  name: EngineName;
  label: string;
  /** Higher is tried first. */
  priority: number;
  /** Set for onnxruntime's GPU providers: they pass the correctness gate before use. */
  gpu?: GpuProvider;
  /** Images per engine call for feature jobs. */
  batchSize: number;
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
  batchSize: number;
}

export interface EngineFailure {
  name: EngineName;
  reason: string;
}

export interface CreateEngineOptions extends EngineOptions {
  engine?: 'auto' | EngineName;
  /** Names the model in error messages, e.g. its path. */
  source?: string;
  /** Told when a GPU engine fails mid-job and the CPU takes over. */
  onFallback?: (f: EngineFailure) => void;
}

const providers = new Map<EngineName, EngineProvider>();
const probes = new Map<EngineName, Promise<EngineAvailability>>();

export function registerEngine(provider: EngineProvider): void {
  providers.set(provider.name, provider);
  probes.delete(provider.name);
}

/**
 * Probe results found elsewhere in this process (the compute worker gets the API thread's), so a
 * provider is probed once per launch.
 */
export function seedProbes(results: readonly (EngineAvailability & { name: EngineName })[]): void {
  for (const { name, ...availability } of results) {
    if (providers.has(name) && !probes.has(name)) probes.set(name, Promise.resolve(availability));
  }
}

/** The default batch size of an engine. */
export function engineBatchSize(name: EngineName): number {
  return providers.get(name)?.batchSize ?? 8;
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
      batchSize: p.batchSize,
      ...(await probeOnce(p)),
    })),
  );
}

/**
 * Imports the model (model errors are thrown as they are: no engine would do better) and starts
 * the requested engine, or with 'auto' the best one that starts. `failures` lists the engines
 * skipped on the way and why. A GPU engine that is asked for but cannot be used (no adapter, a
 * failed correctness gate) falls back to onnxruntime on the CPU, with the reason in `failures`.
 */
export async function createEngine(
  modelBytes: Uint8Array,
  opts: CreateEngineOptions = {},
): Promise<{ engine: Engine; failures: EngineFailure[]; analysis: ModelAnalysis }> {
  const model = decodeModel(modelBytes, opts.source);
  const analysis = analyzeModel(model);
  const wanted = opts.engine ?? 'auto';
  const forced = wanted === 'auto' ? undefined : providers.get(wanted);
  if (wanted !== 'auto' && !forced) {
    throw new ModelError(
      'engine_unavailable',
      `Unknown engine "${wanted}" on ${process.platform}. Engines here: ${[...providers.keys()].join(', ')}.`,
    );
  }
  const cpu = providers.get('onnxruntime');
  const candidates = forced ? (forced.gpu && cpu ? [forced, cpu] : [forced]) : byPriority();
  const failures: EngineFailure[] = [];
  let modelHash: string | undefined;
  for (const p of candidates) {
    const probe = await probeOnce(p);
    if (!probe.available) {
      failures.push({ name: p.name, reason: probe.reason ?? 'not available' });
      continue;
    }
    if (p.gpu && !forced && probe.software) {
      failures.push({
        name: p.name,
        reason: `${probe.adapter ?? 'the adapter'} is a software renderer, far slower than the CPU; it is used only when chosen (--engine ${p.name})`,
      });
      continue;
    }
    let engine: Engine;
    try {
      engine = await p.create(model, analysis, opts);
    } catch (err) {
      if (err instanceof ModelError && err.code !== 'engine_unavailable') throw err;
      failures.push({ name: p.name, reason: errorMessage(err) });
      continue;
    }
    if (p.gpu && cpu) {
      modelHash ??= createHash('sha256').update(modelBytes).digest('hex');
      const rejected = await gateGpuEngine(p, probe, engine, {
        model,
        analysis,
        opts,
        modelHash,
        auto: !forced,
      });
      if (rejected) {
        await engine.dispose().catch(() => {});
        failures.push({ name: p.name, reason: rejected });
        continue;
      }
      const onFallback = opts.onFallback;
      engine = withCpuFallback(
        engine,
        () => cpu.create(model, analysis, opts),
        (e) => onFallback?.({ name: e.from, reason: e.reason }),
      );
    }
    return { engine, failures, analysis };
  }
  throw new ModelError(
    'engine_unavailable',
    `No inference engine could start (${failures.map((f) => `${f.name}: ${f.reason}`).join('; ')}).` +
      (wanted === 'auto' ? '' : " Choose engine 'auto' to fall back to another one."),
  );
}

/** Runs (or recalls) the correctness gate; returns why the engine may not be used, or null. */
async function gateGpuEngine(
  p: EngineProvider,
  probe: EngineAvailability,
  engine: Engine,
  ctx: {
    model: OnnxModel;
    analysis: ModelAnalysis;
    opts: CreateEngineOptions;
    modelHash: string;
    auto: boolean;
  },
): Promise<string | null> {
  const ort = await loadOrt();
  const version = (ort.env.versions as { common?: string }).common ?? 'unknown';
  const key = [ctx.modelHash, p.name, probe.adapter ?? '', version].join('|');
  const cache = new GateCache(ctx.opts.dataDir ? join(ctx.opts.dataDir, GATE_CACHE_FILE) : undefined);
  let result = cache.get(key);
  if (!result) {
    const reference = await createOnnxRuntimeEngine(ctx.model, ctx.analysis, {
      ...(ctx.opts.threads !== undefined ? { threads: ctx.opts.threads } : {}),
    });
    try {
      result = await runGate(engine, reference);
    } finally {
      await reference.dispose();
    }
    cache.set(key, result);
  }
  return gateVerdict(result, { requireFaster: ctx.auto });
}

/** The gate's memory in the app-data folder. */
export const GATE_CACHE_FILE = 'gpu-checks.json';

const SOFTWARE_GPU_BATCH = 4;

const GPU_PROVIDERS: {
  provider: GpuProvider;
  name: EngineName;
  priority: number;
  platforms?: NodeJS.Platform[];
}[] = [
  { provider: 'cuda', name: 'onnxruntime-cuda', priority: 640 },
  { provider: 'dml', name: 'onnxruntime-dml', priority: 620, platforms: ['win32'] },
  { provider: 'coreml', name: 'onnxruntime-coreml', priority: 610, platforms: ['darwin'] },
  { provider: 'webgpu', name: 'onnxruntime-webgpu', priority: 600 },
];

for (const g of GPU_PROVIDERS) {
  if (g.platforms && !g.platforms.includes(process.platform)) continue;
  registerEngine({
    name: g.name,
    label: `onnxruntime (${PROVIDER_TITLES[g.provider]})`,
    priority: g.priority,
    gpu: g.provider,
    // A GPU gains from larger batches (16 GoogLeNet inputs are 9.6 MB). A software adapter's
    // "GPU memory" is the process's own: batch 16 holds ~780 MB of activations on lavapipe, 4 ~440.
    batchSize: 16,
    probe: async () => {
      const has = await ortHasBackend(g.provider);
      if (!has.ok) return { available: false, reason: has.reason ?? 'not available' };
      return probeProvider(g.provider);
    },
    create: async (model, analysis, opts) => {
      const probe = await probeOnce(providers.get(g.name)!);
      const engine = await createOnnxRuntimeEngine(model, analysis, {
        provider: g.provider,
        ...(probe.adapter !== undefined ? { adapter: probe.adapter } : {}),
        ...(opts.threads !== undefined ? { threads: opts.threads } : {}),
      });
      return probe.software ? { ...engine, batchSize: SOFTWARE_GPU_BATCH } : engine;
    },
  });
}
registerEngine({
  name: 'tfjs-node-gpu',
  label: TFJS_LABELS['tfjs-node-gpu'],
  priority: 400,
  batchSize: 16,
  probe: async () => probeTfjs('tfjs-node-gpu'),
  create: (model, analysis) => createTfjsEngine('tfjs-node-gpu', model, analysis),
});
registerEngine({
  name: 'tfjs-node',
  label: TFJS_LABELS['tfjs-node'],
  priority: 300,
  batchSize: 8,
  probe: async () => probeTfjs('tfjs-node'),
  create: (model, analysis) => createTfjsEngine('tfjs-node', model, analysis),
});
registerEngine({
  name: 'onnxruntime',
  label: 'onnxruntime (CPU)',
  priority: 200,
  // No gain from larger batches on the CPU; small batches keep memory flat.
  batchSize: 4,
  probe: probeOnnxRuntime,
  create: (model, analysis, opts) =>
    createOnnxRuntimeEngine(model, analysis, opts.threads === undefined ? {} : { threads: opts.threads }),
});
registerEngine({
  name: 'wasm',
  label: TFJS_LABELS.wasm,
  priority: 100,
  batchSize: 8,
  probe: async () => probeTfjs('wasm'),
  create: (model, analysis) => createTfjsEngine('wasm', model, analysis),
});
