/**
 * The tasks the compute worker runs. Each opens what it needs itself (the model file, its own
 * connection to the project database), so only small messages cross threads.
 */
import { readFile } from 'node:fs/promises';
import type { ImagePrediction } from '../api/contract.ts';
import { ApiError } from '../api/errors.ts';
import { decodeAugmentedRgb224 } from '../model/augment.ts';
import { createEngine } from '../model/engines/registry.ts';
import type { Engine, EngineName } from '../model/engines/types.ts';
import { errorMessage } from '../model/errors.ts';
import { IMAGENET_CLASSES, topK } from '../model/imagenet-classes.ts';
import { decodeRgb224, toModelInput, type CropMode } from '../model/preprocess.ts';
import { vectorBlob } from '../store/models.ts';
import { ProjectStore } from '../store/project.ts';
import { runTrainTask, AUGMENT_VARIANTS, type TrainTaskInput, type TrainTaskOutput } from '../train/train-task.ts';
import { headProbabilities } from './head-math.ts';
import type { ComputeTaskName } from './compute-protocol.ts';

export type { TrainTaskInput, TrainTaskOutput };

export interface TaskHooks {
  signal: AbortSignal;
  progress(p: { done: number; total: number | null; phase?: string; counters?: Record<string, number> }): void;
}

type Task = (input: never, hooks: TaskHooks) => Promise<unknown>;

export interface FeaturesTaskInput {
  projectPath: string;
  modelId: number;
  modelPath: string;
  engine: 'auto' | EngineName;
  batchSize?: number;
  augment: boolean;
  crop: CropMode;
  labeledOnly: boolean;
}

export interface FeaturesTaskOutput {
  computed: number;
  augmented: number;
  failed: number;
  engine: EngineName;
  engineLabel: string;
  seconds: number;
  failures: string[];
}

export interface PredictTaskInput {
  modelPath: string;
  crop: CropMode;
  items: { name: string; path?: string; base64?: string }[];
  topK: number;
  head: { weights: Float32Array; bias: Float32Array; labels: string[]; classIds: number[] } | null;
}

// ---------------------------------------------------------------------------------------------
// The engine stays loaded between tasks: loading GoogLeNet costs about a second.

let cached: { key: string; engine: Engine } | null = null;

async function engineFor(modelPath: string, choice: 'auto' | EngineName): Promise<Engine> {
  const key = `${modelPath}|${choice}`;
  if (cached?.key === key) return cached.engine;
  if (cached) await cached.engine.dispose();
  cached = null;
  const bytes = new Uint8Array(await readFile(modelPath));
  const { engine } = await createEngine(bytes, { engine: choice, source: modelPath });
  cached = { key, engine };
  return engine;
}

const DEFAULT_BATCH = 8;
const DECODE_CONCURRENCY = 4;

async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  });
  await Promise.all(workers);
  return out;
}

interface Todo {
  hash: string;
  path: string;
  augment: boolean;
}

interface Decoded {
  todo: Todo;
  views: Uint8Array[] | null;
  error: string | null;
}

async function runFeaturesTask(input: FeaturesTaskInput, hooks: TaskHooks): Promise<FeaturesTaskOutput> {
  const started = performance.now();
  const engine = await engineFor(input.modelPath, input.engine);
  const project = ProjectStore.open(input.projectPath);
  try {
    const db = project.db;
    // Distinct content: duplicates share one vector. Variant 0 for every image; with
    // augmentation, variants 1.. for labeled training images.
    const todo = db
      .prepare(
        `SELECT i.hash AS hash, min(i.path) AS path,
                (@augment AND max(l.image_id IS NOT NULL AND i.split = 'train')
                  AND NOT EXISTS (SELECT 1 FROM features a WHERE a.model_id = @m AND a.variant = 1 AND a.hash = i.hash)) AS augment,
                EXISTS (SELECT 1 FROM features f WHERE f.model_id = @m AND f.variant = 0 AND f.hash = i.hash) AS done
         FROM images i LEFT JOIN labels l ON l.image_id = i.id
         WHERE i.status = 'ok' AND i.hash IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM feature_failures x WHERE x.model_id = @m AND x.hash = i.hash)
           ${input.labeledOnly ? 'AND l.image_id IS NOT NULL' : ''}
         GROUP BY i.hash ORDER BY min(i.id)`,
      )
      .all({ m: input.modelId, augment: input.augment ? 1 : 0 }) as { hash: string; path: string; done: number; augment: number }[];
    const work: Todo[] = todo
      .filter((t) => !t.done || t.augment)
      .map((t) => ({ hash: t.hash, path: t.path, augment: t.augment === 1 }));
    const insert = db.prepare('INSERT OR REPLACE INTO features (model_id, variant, hash, vector) VALUES (?, ?, ?, ?)');
    const fail = db.prepare('INSERT OR REPLACE INTO feature_failures (model_id, hash, error) VALUES (?, ?, ?)');
    const batchSize = input.batchSize ?? DEFAULT_BATCH;
    const total = work.length;
    let done = 0;
    let computed = 0;
    let augmented = 0;
    const failures: string[] = [];
    hooks.progress({ done, total, phase: `computing features (${engine.label})` });

    const decode = (batch: Todo[]): Promise<Decoded[]> =>
      mapLimit(batch, DECODE_CONCURRENCY, async (t) => {
        try {
          const base = await decodeRgb224(t.path, { crop: input.crop });
          const views = t.augment ? [base, ...(await decodeAugmentedRgb224(t.path, input.crop))] : [base];
          return { todo: t, views, error: null };
        } catch (err) {
          return { todo: t, views: null, error: errorMessage(err) };
        }
      });

    // Decoding the next batch (sharp's own threads) overlaps inference of this one.
    let pending = work.length > 0 ? decode(work.slice(0, batchSize)) : null;
    for (let start = 0; pending; start += batchSize) {
      const decoded = await pending;
      hooks.signal.throwIfAborted();
      const nextStart = start + batchSize;
      pending = nextStart < work.length ? decode(work.slice(nextStart, nextStart + batchSize)) : null;

      const ok = decoded.filter((d) => d.views !== null);
      const views = ok.flatMap((d) => d.views!);
      let vectors: Float32Array | null = null;
      if (views.length > 0) {
        const batch = new Float32Array(views.length * 224 * 224 * 3);
        views.forEach((v, i) => toModelInput(v, batch, i * 224 * 224 * 3));
        vectors = await engine.features(batch, views.length);
      }
      const dim = engine.featureSize;
      db.transaction(() => {
        let row = 0;
        for (const d of ok) {
          d.views!.forEach((_, variant) => {
            const v = vectors!.subarray((row + variant) * dim, (row + variant + 1) * dim);
            insert.run(input.modelId, variant === 0 ? 0 : AUGMENT_VARIANTS[variant - 1]!, d.todo.hash, vectorBlob(v));
          });
          row += d.views!.length;
          computed++;
          if (d.views!.length > 1) augmented++;
        }
        for (const d of decoded.filter((x) => x.error !== null)) {
          fail.run(input.modelId, d.todo.hash, d.error);
          failures.push(`${d.todo.path}: ${d.error}`);
        }
      })();
      done += decoded.length;
      hooks.progress({
        done,
        total,
        phase: `computing features (${engine.label})`,
        counters: { computed, failed: failures.length },
      });
    }
    return {
      computed,
      augmented,
      failed: failures.length,
      engine: engine.name,
      engineLabel: engine.label,
      seconds: (performance.now() - started) / 1000,
      failures: failures.slice(0, 100),
    };
  } finally {
    project.close();
  }
}

async function runPredictTask(input: PredictTaskInput, hooks: TaskHooks): Promise<ImagePrediction[]> {
  const engine = await engineFor(input.modelPath, 'auto');
  const results: ImagePrediction[] = [];
  for (const item of input.items) {
    hooks.signal.throwIfAborted();
    let rgb: Uint8Array;
    try {
      const source = item.base64 !== undefined ? Buffer.from(item.base64, 'base64') : item.path!;
      rgb = await decodeRgb224(source, { crop: input.crop });
    } catch (err) {
      results.push({ input: item.name, error: errorMessage(err), top: [] });
      continue;
    }
    const x = toModelInput(rgb);
    if (input.head === null) {
      const probs = await engine.probabilities(x, 1);
      results.push({
        input: item.name,
        error: null,
        top: topK(probs, input.topK, IMAGENET_CLASSES).map((t) => ({ label: t.name, classId: null, probability: t.probability })),
      });
      continue;
    }
    const features = await engine.features(x, 1);
    const { labels, classIds } = input.head;
    const probs = headProbabilities(input.head.weights, input.head.bias, features);
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

export const computeTasks: Record<ComputeTaskName, Task> = {
  features: runFeaturesTask as Task,
  train: runTrainTask as Task,
  predict: runPredictTask as Task,
  // The exporter pulls in tfjs-converter and the writers: loaded when first used.
  export: (async (input: never, hooks: TaskHooks) => (await import('./export-task.ts')).runExportTask(input, hooks)) as Task,
};

export function assertTask(name: string): asserts name is ComputeTaskName {
  if (!(name in computeTasks)) throw new ApiError('internal', `Unknown compute task ${name}`);
}
