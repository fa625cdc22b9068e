/**
 * A whole training, as the compute worker runs it: read the labeled images and their cached
 * features from the project, train the head, measure it, predict every image, look for likely
 * mislabeled images and near-duplicates, and store it all as one run in one transaction (a
 * cancelled training stores nothing).
 */
import type { Split, SplitMetrics, TrainSettings } from '../api/contract.ts';
import { ApiError } from '../api/errors.ts';
import { remedyDetails } from '../api/remedies.ts';
import { listClasses } from '../store/classes.ts';
import { currentLabelsHash, insertRun, type PredictionInsert, type RunClass } from '../store/runs.ts';
import { readVector } from '../store/models.ts';
import { ProjectStore } from '../store/project.ts';
import type { TaskHooks } from '../jobs/task-hooks.ts';
import { findNearDuplicates } from './duplicates.ts';
import { trainHead, resolveTrainSettings, type HeadWeights } from './head.ts';
import { outOfFoldPredictions } from './kfold.ts';
import { outOfFoldFacts } from '../domain/mislabeled-rule.ts';
import { evaluate, type Evaluation } from './metrics.ts';
import { predictHead } from './predict.ts';
import { buildSplits, checkTrainable } from './split.ts';

export interface TrainTaskInput {
  projectPath: string;
  modelId: number;
  settings: Partial<TrainSettings>;
}

export interface TrainTaskOutput {
  runId: number;
  validationAccuracy: number | null;
}

/** Variants 1.. are augmented copies (mirror, crops) computed by the features task. */
export const AUGMENT_VARIANTS = [1, 2, 3, 4, 5] as const;
const MISLABEL_MIN_ROWS = 10;

interface Sample {
  imageId: number;
  hash: string;
  split: Split;
  classIndex: number;
}

export async function runTrainTask(input: TrainTaskInput, hooks: TaskHooks): Promise<TrainTaskOutput> {
  const started = performance.now();
  const project = ProjectStore.open(input.projectPath);
  try {
    const db = project.db;
    const { augment = false, ...headSettings } = input.settings;
    const settings = resolveTrainSettings(headSettings);
    const classes: RunClass[] = listClasses(db).map((c) => ({ id: c.id, name: c.name }));
    const classIndex = new Map(classes.map((c, i) => [c.id, i]));
    const labelsHash = currentLabelsHash(db);

    const labeled = db
      .prepare(
        `SELECT i.id AS imageId, i.hash AS hash, i.split AS split, l.class_id AS classId
         FROM images i JOIN labels l ON l.image_id = i.id
         WHERE i.status = 'ok' AND i.hash IS NOT NULL ORDER BY i.id`,
      )
      .all() as { imageId: number; hash: string; split: Split; classId: number }[];
    const counts = new Array<number>(classes.length).fill(0);
    for (const r of labeled) counts[classIndex.get(r.classId)!]! += 1;
    checkTrainable(
      counts,
      classes.map((c) => c.name),
    );

    const vectorOf = db
      .prepare('SELECT vector FROM features WHERE model_id = ? AND variant = ? AND hash = ?')
      .pluck();
    const readFeature = (hash: string, variant = 0): Float32Array | null => {
      const blob = vectorOf.get(input.modelId, variant, hash) as Buffer | undefined;
      return blob ? readVector(blob) : null;
    };

    const samples: Sample[] = [];
    const vectors: Float32Array[] = [];
    let withoutFeatures = 0;
    for (const r of labeled) {
      const v = readFeature(r.hash);
      if (!v) {
        withoutFeatures++;
        continue;
      }
      samples.push({
        imageId: r.imageId,
        hash: r.hash,
        split: r.split,
        classIndex: classIndex.get(r.classId)!,
      });
      vectors.push(v);
    }
    if (samples.length === 0) {
      throw new ApiError(
        'precondition',
        'None of the labeled images has features yet.',
        remedyDetails('extract-features'),
      );
    }
    const dim = vectors[0]!.length;
    const flags: string[] = [];
    if (withoutFeatures > 0) {
      flags.push(
        `${withoutFeatures} labeled image(s) were left out: their features could not be computed (see failed images).`,
      );
    }

    flags.push(...holdOutOnePerClass(samples, classes));
    const splits = buildSplits({
      labels: samples.map((s) => s.classIndex),
      splits: samples.map((s) => s.split),
      numClasses: classes.length,
      classNames: classes.map((c) => c.name),
    });
    flags.push(...splits.flags.map((f) => f.message));
    // A class with no labeled images left after dropping featureless ones still blocks training.
    checkTrainable(
      splits.counts.map((c) => c.train + c.validation + c.test),
      classes.map((c) => c.name),
    );

    const pack = (idx: Int32Array): { x: Float32Array; y: Int32Array; ids: number[] } => {
      const x = new Float32Array(idx.length * dim);
      const y = new Int32Array(idx.length);
      const ids: number[] = [];
      idx.forEach((sampleIndex, row) => {
        x.set(vectors[sampleIndex]!, row * dim);
        y[row] = samples[sampleIndex]!.classIndex;
        ids.push(samples[sampleIndex]!.imageId);
      });
      return { x, y, ids };
    };
    const train = pack(splits.train);
    const validation = splits.validation.length > 0 ? pack(splits.validation) : null;
    const test = splits.test.length > 0 ? pack(splits.test) : null;
    const trainRows = augment ? withAugmentation(train, splits.train, samples, readFeature, dim) : train;
    if (augment && trainRows.x.length === train.x.length) {
      flags.push(
        'Augmentation was on, but no augmented features were found: compute features with augmentation.',
      );
    }

    hooks.progress({ done: 0, total: settings.epochs, phase: 'training', unit: 'epochs' });
    const head = await trainHead(
      {
        featureDim: dim,
        numClasses: classes.length,
        train: trainRows,
        validation: validation ? { x: validation.x, y: validation.y } : undefined,
      },
      settings,
      {
        signal: hooks.signal,
        onEpoch: (e) =>
          hooks.progress({
            done: e.epoch,
            total: e.epochs,
            phase: `training: epoch ${e.epoch}`,
            unit: 'epochs',
            counters: {
              epoch: e.epoch,
              loss: e.loss,
              accuracy: e.accuracy,
              ...(e.valLoss !== undefined ? { valLoss: e.valLoss } : {}),
              ...(e.valAccuracy !== undefined ? { valAccuracy: e.valAccuracy } : {}),
            },
          }),
      },
    );

    hooks.progress({ done: 0, total: null, phase: 'measuring', unit: null });
    const measure = async (set: { x: Float32Array; y: Int32Array; ids: number[] }): Promise<SplitMetrics> => {
      const p = await predictHead(head, set.x, set.y.length, { signal: hooks.signal });
      return toSplitMetrics(evaluate(p.probs, classes.length, set.y, set.ids), classes, set.y.length);
    };
    const trainMetrics = await measure(train);
    const validationMetrics = validation ? await measure(validation) : null;
    const testMetrics = test ? await measure(test) : null;

    hooks.progress({ done: 0, total: null, phase: 'predicting every image', unit: null });
    const predictions = await predictAll(db, input.modelId, head, dim, hooks.signal);

    hooks.progress({ done: 0, total: null, phase: 'looking for likely mislabeled images', unit: null });
    await addOutOfFold(predictions, samples, vectors, dim, classes.length, settings, hooks.signal);

    hooks.progress({ done: 0, total: null, phase: 'looking for near-duplicates', unit: null });
    const dupRows = predictions.rows;
    const dup = await findNearDuplicates(predictions.x, dupRows.length, dim, {
      standardise: true,
      threshold: 'calibrated',
      ids: dupRows.map((r) => r.imageId),
      splits: predictions.splits,
      signal: hooks.signal,
    });
    if (dup.leaks > 0) {
      flags.push(
        `${dup.leaks} near-duplicate pair(s) sit in different splits, which can inflate validation scores.`,
      );
    }

    hooks.signal.throwIfAborted();
    const runId = insertRun(
      project,
      {
        modelId: input.modelId,
        createdAt: new Date().toISOString(),
        durationMs: performance.now() - started,
        settings: { ...head.settings, augment },
        classes,
        labelsHash,
        snapshot: samples.map((s) => [s.imageId, classes[s.classIndex]!.id, s.split]),
        weights: head.weights,
        bias: head.bias,
        metrics: {
          train: trainMetrics,
          validation: validationMetrics,
          test: testMetrics,
          history: head.history.map((h) => ({
            epoch: h.epoch,
            loss: h.loss,
            accuracy: h.accuracy,
            ...(h.valLoss !== undefined ? { valLoss: h.valLoss } : {}),
            ...(h.valAccuracy !== undefined ? { valAccuracy: h.valAccuracy } : {}),
          })),
          bestEpoch: head.bestEpoch,
          flags,
        },
      },
      predictions.rows,
      dup.pairs.map((p) => ({ a: p.idA, b: p.idB, similarity: p.similarity, leak: p.leak })),
    );
    return { runId, validationAccuracy: validationMetrics?.accuracy ?? null };
  } finally {
    project.close();
  }
}

/** Below this many labeled images a class keeps all of them for training. */
const MIN_CLASS_FOR_HOLDOUT = 3;

/**
 * The project's split comes from content hashes, which is stable as images are added but, on a
 * small class, can leave it with no validation image at all — its scores would then be
 * unmeasured. Such a class (with enough images) lends its training image with the smallest hash
 * to validation: deterministic, and flagged in the run.
 */
function holdOutOnePerClass(samples: Sample[], classes: RunClass[]): string[] {
  const flags: string[] = [];
  classes.forEach((c, ci) => {
    const members = samples.filter((s) => s.classIndex === ci);
    if (members.length < MIN_CLASS_FOR_HOLDOUT || members.some((s) => s.split === 'validation')) return;
    const lend = members.filter((s) => s.split === 'train').sort((a, b) => (a.hash < b.hash ? -1 : 1))[0];
    if (!lend || members.filter((s) => s.split === 'train').length < 2) return;
    lend.split = 'validation';
    flags.push(
      `“${c.name}” had no validation image in the project's split, so one of its ${members.length} images was held out for validation.`,
    );
  });
  return flags;
}

function withAugmentation(
  base: { x: Float32Array; y: Int32Array; ids: number[] },
  trainIdx: Int32Array,
  samples: Sample[],
  readFeature: (hash: string, variant: number) => Float32Array | null,
  dim: number,
): { x: Float32Array; y: Int32Array; ids: number[]; weight: Float32Array } {
  const xs: Float32Array[] = [];
  const ys: number[] = [];
  const ws: number[] = [];
  trainIdx.forEach((sampleIndex, row) => {
    const s = samples[sampleIndex]!;
    const variants = [base.x.subarray(row * dim, (row + 1) * dim)];
    for (const v of AUGMENT_VARIANTS) {
      const f = readFeature(s.hash, v);
      if (f) variants.push(f);
    }
    // Each image weighs the same in the loss however many variants it has.
    for (const f of variants) {
      xs.push(f);
      ys.push(s.classIndex);
      ws.push(1 / variants.length);
    }
  });
  const x = new Float32Array(xs.length * dim);
  xs.forEach((f, i) => x.set(f, i * dim));
  return { x, y: Int32Array.from(ys), ids: base.ids, weight: Float32Array.from(ws) };
}

interface AllPredictions {
  rows: PredictionInsert[];
  x: Float32Array;
  splits: Split[];
  byImage: Map<number, number>;
}

async function predictAll(
  db: ProjectStore['db'],
  modelId: number,
  head: HeadWeights,
  dim: number,
  signal: AbortSignal,
): Promise<AllPredictions> {
  const rows = db
    .prepare(
      `SELECT i.id AS imageId, i.split AS split, f.vector AS vector
       FROM images i JOIN features f ON f.model_id = ? AND f.variant = 0 AND f.hash = i.hash
       WHERE i.status = 'ok' ORDER BY i.id`,
    )
    .all(modelId) as { imageId: number; split: Split; vector: Buffer }[];
  const x = new Float32Array(rows.length * dim);
  rows.forEach((r, i) => x.set(readVector(r.vector), i * dim));
  const C = head.bias.length;
  const p = await predictHead(head, x, rows.length, { signal });
  return {
    x,
    splits: rows.map((r) => r.split),
    byImage: new Map(rows.map((r, i) => [r.imageId, i])),
    rows: rows.map((r, i) => ({
      imageId: r.imageId,
      classIndex: p.top[i]!,
      probability: p.topProb[i]!,
      margin: p.margin[i]!,
      probs: p.probs.slice(i * C, (i + 1) * C),
      oofClassIndex: null,
      oofProbability: null,
      oofLabelProbability: null,
    })),
  };
}

/** Out-of-fold predictions for labeled images: a confident disagreement marks a likely mislabel. */
async function addOutOfFold(
  predictions: AllPredictions,
  samples: Sample[],
  vectors: Float32Array[],
  dim: number,
  numClasses: number,
  settings: ReturnType<typeof resolveTrainSettings>,
  signal: AbortSignal,
): Promise<void> {
  if (samples.length < MISLABEL_MIN_ROWS) return;
  const x = new Float32Array(samples.length * dim);
  vectors.forEach((v, i) => x.set(v, i * dim));
  const groupOf = new Map<string, number>();
  const groups = Int32Array.from(samples, (s) => {
    if (!groupOf.has(s.hash)) groupOf.set(s.hash, groupOf.size);
    return groupOf.get(s.hash)!;
  });
  let oof;
  try {
    oof = await outOfFoldPredictions(
      { featureDim: dim, numClasses, x, y: Int32Array.from(samples, (s) => s.classIndex), groups },
      { seed: settings.seed, settings: { l2: settings.l2, learningRate: settings.learningRate }, signal },
    );
  } catch (err) {
    if (err instanceof RangeError) return; // too few images to fold: nothing to judge
    throw err;
  }
  samples.forEach((s, i) => {
    if (!oof.assessable[i]) return;
    const row = predictions.rows[predictions.byImage.get(s.imageId)!];
    if (!row) return;
    const facts = outOfFoldFacts(oof.probs, i, numClasses, s.classIndex);
    row.oofClassIndex = facts.predicted;
    row.oofProbability = facts.probability;
    row.oofLabelProbability = facts.labelProbability;
  });
}

function toSplitMetrics(e: Evaluation, classes: RunClass[], count: number): SplitMetrics {
  return {
    accuracy: e.accuracy,
    loss: e.loss,
    macroF1: e.macroF1,
    perClass: e.perClass.map((m, i) => ({ classId: classes[i]!.id, name: classes[i]!.name, ...m })),
    confusion: e.confusion,
    cells: e.cells,
    count,
  };
}
