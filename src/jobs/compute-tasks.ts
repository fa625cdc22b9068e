/**
 * The tasks the compute worker runs. Each opens what it needs itself (the model file, its own
 * connection to the project database), so only small messages cross threads.
 */
import { readFile, stat } from 'node:fs/promises';
import type { ImagePrediction } from '../api/contract.ts';
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
import type { Preprocessing } from '../model/pixel-presets.ts';
import { vectorBlob } from '../store/models.ts';
import { ProjectStore } from '../store/project.ts';
import { AUGMENT_VARIANTS, type TrainTaskInput, type TrainTaskOutput } from '../train/train-task.ts';
import { predictNewImages } from '../train/predict-new.ts';
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

interface Todo {
  hash: string;
  path: string;
  base: boolean;
  augment: boolean;
}

export async function runFeaturesTask(
  input: FeaturesTaskInput,
  hooks: TaskHooks,
): Promise<FeaturesTaskOutput> {
  const started = performance.now();
  if (input.probes) seedProbes(input.probes);
  const { engine, skipped } = await engineFor(input.modelPath, input.engine, input.dataDir);
  const project = ProjectStore.open(input.projectPath);
  try {
    const db = project.db;
    // Distinct content: duplicates share one vector. Variant 0 for every image; with
    // augmentation, variants 1.. for labeled training images.
    const rows = db
      .prepare(
        `SELECT i.hash AS hash, min(i.path) AS path,
                (@augment AND max(l.image_id IS NOT NULL AND i.split = 'train')
                  AND NOT EXISTS (SELECT 1 FROM features a WHERE a.model_id = @m AND a.variant = 1 AND a.hash = i.hash)) AS augment,
                NOT EXISTS (SELECT 1 FROM features f WHERE f.model_id = @m AND f.variant = 0 AND f.hash = i.hash) AS base
         FROM images i LEFT JOIN labels l ON l.image_id = i.id
         WHERE i.status = 'ok' AND i.hash IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM feature_failures x WHERE x.model_id = @m AND x.hash = i.hash)
           ${input.labeledOnly ? 'AND l.image_id IS NOT NULL' : ''}
         GROUP BY i.hash ORDER BY min(i.id)`,
      )
      .all({ m: input.modelId, augment: input.augment ? 1 : 0 }) as {
      hash: string;
      path: string;
      base: number;
      augment: number;
    }[];
    const work: Todo[] = rows
      .filter((r) => r.base || r.augment)
      .map((r) => ({ hash: r.hash, path: r.path, base: r.base === 1, augment: r.augment === 1 }));
    const insert = db.prepare(
      'INSERT OR REPLACE INTO features (model_id, variant, hash, vector) VALUES (?, ?, ?, ?)',
    );
    const fail = db.prepare(
      'INSERT OR REPLACE INTO feature_failures (model_id, hash, error) VALUES (?, ?, ?)',
    );
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
      db.transaction(() => {
        batch.indices.forEach((index, row) => {
          insert.run(
            input.modelId,
            0,
            base[index]!.hash,
            vectorBlob(batch.features.subarray(row * dim, (row + 1) * dim)),
          );
        });
        for (const { index, error } of batch.errors) {
          fail.run(input.modelId, base[index]!.hash, error.message);
          failures.push(`${base[index]!.path}: ${error.message}`);
          failedHashes.add(base[index]!.hash);
        }
      })();
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
      db.transaction(() => {
        views.forEach((_, i) => {
          insert.run(
            input.modelId,
            AUGMENT_VARIANTS[i]!,
            w.hash,
            vectorBlob(vectors.subarray(i * dim, (i + 1) * dim)),
          );
        });
      })();
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
