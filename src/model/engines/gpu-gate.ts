/**
 * The correctness gate for GPU engines: before a GPU engine computes features for a model, it
 * must reproduce the CPU provider's features on a fixed probe batch within 1e-4 relative (drivers
 * do miscompile). Its timings on the same batch tell 'auto' whether the GPU is worth it. Results
 * are remembered per model, engine, adapter and onnxruntime version: in memory, and in a JSON
 * file in the app-data folder when one is given.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { errorMessage } from '../errors.ts';
import { probeValues } from './probe-model.ts';
import { IMAGE_VALUES, type Engine } from './types.ts';

export const GATE_TOLERANCE = 1e-4;
/** Two images: exercises the batched path without costing a slow GPU much. */
export const GATE_BATCH = 2;

export interface GateResult {
  ok: boolean;
  /** max |gpu − cpu| / max |cpu| over the probe batch's features. */
  relDiff: number;
  /** Warm run of the probe batch, ms. */
  gpuMs: number;
  cpuMs: number;
  checkedAt: string;
  error?: string;
}

/** Preprocessed-looking values (BGR minus means lies in about ±130), the same on every run. */
export function gateBatch(): Float32Array {
  return probeValues(GATE_BATCH * IMAGE_VALUES, 20261201).map((v) => v * 120);
}

export function relativeDiff(got: Float32Array, want: Float32Array): number {
  if (got.length !== want.length) return Infinity;
  let scale = 0;
  let diff = 0;
  for (let i = 0; i < want.length; i++) {
    const w = want[i] as number;
    const g = got[i] as number;
    if (!Number.isFinite(g)) return Infinity;
    scale = Math.max(scale, Math.abs(w));
    diff = Math.max(diff, Math.abs(g - w));
  }
  return diff / (scale || 1);
}

async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const t = performance.now();
  const value = await fn();
  return { value, ms: performance.now() - t };
}

/** Runs the probe batch on both engines (each once to warm up, once timed) and compares. */
export async function runGate(gpu: Engine, cpu: Engine): Promise<GateResult> {
  const batch = gateBatch();
  const checkedAt = new Date().toISOString();
  try {
    const want = await cpu.features(batch, GATE_BATCH);
    const cpuRun = await timed(() => cpu.features(batch, GATE_BATCH));
    const got = await gpu.features(batch, GATE_BATCH);
    const gpuRun = await timed(() => gpu.features(batch, GATE_BATCH));
    const rel = Math.max(relativeDiff(got, want), relativeDiff(gpuRun.value, want));
    return { ok: rel <= GATE_TOLERANCE, relDiff: rel, gpuMs: gpuRun.ms, cpuMs: cpuRun.ms, checkedAt };
  } catch (err) {
    return {
      ok: false,
      relDiff: Infinity,
      gpuMs: Infinity,
      cpuMs: Infinity,
      checkedAt,
      error: errorMessage(err),
    };
  }
}

/** Why a gate result rules the engine out, or null when it may be used. */
export function gateVerdict(r: GateResult, opts: { requireFaster: boolean }): string | null {
  if (r.error !== undefined) return `failed on the probe batch: ${r.error}`;
  if (!r.ok) {
    return `its features differ from the CPU provider's by ${r.relDiff.toExponential(1)} (relative; the limit is ${GATE_TOLERANCE}): the GPU driver computes this model wrongly`;
  }
  if (opts.requireFaster && r.gpuMs >= r.cpuMs) {
    return `slower than the CPU on the probe batch (${r.gpuMs.toFixed(0)} ms vs ${r.cpuMs.toFixed(0)} ms for ${GATE_BATCH} images)`;
  }
  return null;
}

const memory = new Map<string, GateResult>();

/** Remembered gate results, keyed by model hash | engine | adapter | onnxruntime version. */
export class GateCache {
  readonly #file: string | undefined;

  constructor(file?: string) {
    this.#file = file;
  }

  get(key: string): GateResult | undefined {
    const hit = memory.get(key);
    if (hit) return hit;
    const stored = this.#read()[key];
    if (stored && typeof stored.ok === 'boolean' && typeof stored.relDiff === 'number') {
      memory.set(key, stored);
      return stored;
    }
    return undefined;
  }

  set(key: string, result: GateResult): void {
    memory.set(key, result);
    if (!this.#file) return;
    // JSON has no Infinity: a failed run is stored with nulls and read back as "not ok".
    const all = { ...this.#read(), [key]: result };
    try {
      mkdirSync(dirname(this.#file), { recursive: true });
      const tmp = `${this.#file}.${process.pid}.tmp`;
      writeFileSync(tmp, JSON.stringify(all, null, 1));
      renameSync(tmp, this.#file);
    } catch {
      // A read-only data folder only costs a re-check on the next launch.
    }
  }

  #read(): Record<string, GateResult> {
    if (!this.#file) return {};
    try {
      const parsed = JSON.parse(readFileSync(this.#file, 'utf8')) as Record<string, GateResult>;
      for (const r of Object.values(parsed)) {
        r.relDiff ??= Infinity;
        r.gpuMs ??= Infinity;
        r.cpuMs ??= Infinity;
      }
      return parsed;
    } catch {
      return {};
    }
  }
}

/** Forgets the in-memory results (tests). */
export function clearGateMemory(): void {
  memory.clear();
}
