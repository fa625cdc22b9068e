/**
 * The tasks the compute worker runs. Each opens what it needs itself (the model file, its own
 * connection to the project database), so only small messages cross threads.
 */
import { readFile, stat } from 'node:fs/promises';
import type { ImagePrediction } from '../domain/model.ts';
import { decodeAugmentedRgb224 } from '../model/augment.ts';
import {
  createEngine,
  engineBatchSize,
  seedProbes,
  type EngineFailure,
  type EngineProbe,
} from '../model/engines/registry.ts';
import { IMAGE_VALUES, type Engine, type EngineName } from '../model/engines/types.ts';
import { embedImages } from '../model/embed.ts';
import { errorMessage } from '../model/errors.ts';
import { IMAGENET_CLASSES, topK } from '../model/imagenet-classes.ts';
import { decodeRgb224, toModelInput, type CropMode } from '../model/preprocess.ts';
import type { Preprocessing } from '../domain/preprocessing.ts';
import { featureBatchWriter, featureWork, type FeatureWorkRow } from '../store/features.ts';
import { ProjectStore } from '../store/project.ts';
import { AUGMENT_VARIANTS, type TrainTaskInput, type TrainTaskOutput } from './train-task.ts';
import { predictNewImages } from '../services/predict-new.ts';
import { predictHead } from '../train/predict.ts';
import type { TaskHooks } from './task-hooks.ts';

export type { TrainTaskInput, TrainTaskOutput };

export interface FeaturesTaskInput {
  projectPath: string;
  modelId: number;
  modelPath: string;
  engine: 'auto' | EngineName;
  batchSize?: number;
  augment: boolean;
  crop: CropMode;
  preprocessing: Preprocessing;
  labeledOnly: boolean;
  /** The app-data folder, where GPU correctness checks are remembered. */
  dataDir?: string;
  /** The API thread's engine probes, so this thread does not probe again. */
  probes?: EngineProbe[];
}

export interface FeaturesTaskOutput {
  computed: number;
  augmented: number;
  failed: number;
  engine: EngineName;
  engineLabel: string;
  seconds: number;
  failures: string[];
  /** Images the current run predicted for the first time (new since it was trained). */
  predicted: number;
  /** Engines passed over on the way to this one (e.g. a GPU without a driver), and why. */
  skipped: EngineFailure[];
}

export interface PredictTaskInput {
  modelPath: string;
  crop: CropMode;
  preprocessing: Preprocessing;
  items: { name: string; path?: string; base64?: string }[];
  topK: number;
  head: { weights: Float32Array; bias: Float32Array; labels: string[]; classIds: number[] } | null;
}

// ---------------------------------------------------------------------------------------------
// The engine stays loaded between tasks: loading GoogLeNet costs about a second.

let cached: { key: string; engine: Engine; skipped: EngineFailure[] } | null = null;

async function engineFor(
  modelPath: string,
  choice: 'auto' | EngineName,
  dataDir?: string,
): Promise<{ engine: Engine; skipped: EngineFailure[] }> {
  const key = `${modelPath}|${choice}`;
  if (cached?.key === key) return cached;
  if (cached) await cached.engine.dispose();
  cached = null;
  const bytes = new Uint8Array(await readFile(modelPath));
  const skipped: EngineFailure[] = [];
  const { engine, failures } = await createEngine(bytes, {
    engine: choice,
    source: modelPath,
    ...(dataDir !== undefined ? { dataDir } : {}),
    onFallback: (f) => skipped.push(f),
  });
  skipped.unshift(...failures);
  cached = { key, engine, skipped };
  return cached;
}

type Todo = FeatureWorkRow;

export async function runFeaturesTask(
  input: FeaturesTaskInput,
  hooks: TaskHooks,
): Promise<FeaturesTaskOutput> {
  const started = performance.now();
  if (input.probes) seedProbes(input.probes);
  const { engine, skipped } = await engineFor(input.modelPath, input.engine, input.dataDir);
  const project = ProjectStore.open(input.projectPath);
  try {
    const work: Todo[] = featureWork(project.db, input.modelId, {
      augment: input.augment,
      labeledOnly: input.labeledOnly,
    });
    const write = featureBatchWriter(project.db, input.modelId);
    const dim = engine.featureSize;
    const phase = (): string => `computing features (${engine.label})`;
    const failures: string[] = [];
    const failedHashes = new Set<string>();
    let done = 0;
    let computed = 0;
    let augmented = 0;
    const report = (): void =>
      hooks.progress({
        done,
        total: work.length,
        phase: phase(),
        counters: { computed, failed: failures.length },
      });
    report();

    // Pass 1: each image itself, decoding the next batch while the engine runs this one.
    const base = work.filter((w) => w.base);
    const batches = embedImages(
      engine,
      base.map((w) => w.path),
      {
        batchSize: input.batchSize ?? engine.batchSize ?? engineBatchSize(engine.name),
        crop: input.crop,
        preprocessing: input.preprocessing,
        signal: hooks.signal,
      },
    );
    for await (const batch of batches) {
      write(
        batch.indices.map((index, row) => ({
          variant: 0,
          hash: base[index]!.hash,
          vector: batch.features.subarray(row * dim, (row + 1) * dim),
        })),
        batch.errors.map(({ index, error }) => ({ hash: base[index]!.hash, error: error.message })),
      );
      for (const { index, error } of batch.errors) {
        failures.push(`${base[index]!.path}: ${error.message}`);
        failedHashes.add(base[index]!.hash);
      }
      computed += batch.indices.length;
      done += batch.indices.length + batch.errors.length;
      report();
    }

    // Pass 2: augmented views (mirror, corner crops) of training images, one image at a time.
    for (const w of work.filter((x) => x.augment && !failedHashes.has(x.hash))) {
      hooks.signal.throwIfAborted();
      let views: Uint8Array[];
      try {
        views = await decodeAugmentedRgb224(w.path, input.crop);
      } catch (err) {
        failures.push(`${w.path}: ${errorMessage(err)}`);
        continue;
      }
      const batch = new Float32Array(views.length * IMAGE_VALUES);
      views.forEach((v, i) => toModelInput(v, batch, i * IMAGE_VALUES, input.preprocessing));
      const vectors = await engine.features(batch, views.length);
      write(
        views.map((_, i) => ({
          variant: AUGMENT_VARIANTS[i]!,
          hash: w.hash,
          vector: vectors.subarray(i * dim, (i + 1) * dim),
        })),
        [],
      );
      augmented++;
      if (!w.base) done++;
      report();
    }
    hooks.progress({
      done: 0,
      total: null,
      phase: 'predicting new images with the current model',
      unit: null,
    });
    const predicted = await predictNewImages(project, input.modelId, hooks.signal);
    return {
      predicted,
      computed,
      augmented,
      failed: failures.length,
      engine: engine.name,
      engineLabel: engine.label,
      seconds: (performance.now() - started) / 1000,
      failures: failures.slice(0, 100),
      skipped: [...skipped],
    };
  } finally {
    project.close();
  }
}

/**
 * A client-named path must be a plain file: opening a FIFO blocks a thread of libuv's small
 * pool for good, and a device never ends; a few such calls would stall every file operation.
 */
async function assertRegularFile(path: string): Promise<void> {
  if (!(await stat(path)).isFile()) throw new Error(`${path} is not a regular file`);
}

export async function runPredictTask(input: PredictTaskInput, hooks: TaskHooks): Promise<ImagePrediction[]> {
  const { engine } = await engineFor(input.modelPath, 'auto');
  const results: ImagePrediction[] = [];
  for (const item of input.items) {
    hooks.signal.throwIfAborted();
    let rgb: Uint8Array;
    try {
      if (item.base64 === undefined) await assertRegularFile(item.path!);
      const source = item.base64 !== undefined ? Buffer.from(item.base64, 'base64') : item.path!;
      rgb = await decodeRgb224(source, { crop: input.crop });
    } catch (err) {
      results.push({ input: item.name, error: errorMessage(err), top: [] });
      continue;
    }
    const x = toModelInput(rgb, undefined, 0, input.preprocessing);
    if (input.head === null) {
      const probs = await engine.probabilities(x, 1);
      results.push({
        input: item.name,
        error: null,
        top: topK(probs, input.topK, IMAGENET_CLASSES).map((t) => ({
          label: t.name,
          classId: null,
          probability: t.probability,
        })),
      });
      continue;
    }
    const features = await engine.features(x, 1);
    const { labels, classIds } = input.head;
    const { probs } = await predictHead(input.head, features, 1);
    results.push({
      input: item.name,
      error: null,
      top: topK(probs, input.topK, labels).map((t) => ({
        label: t.name,
        classId: classIds[t.index]!,
        probability: t.probability,
      })),
    });
  }
  return results;
}
