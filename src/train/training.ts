/**
 * The steps of one training on plain data: check and split the labeled images, train the head,
 * measure it, predict every image, and look for likely mislabeled images and near-duplicates.
 * Reading the project and storing the run is the train task's (src/jobs/train-task.ts).
 */
import { ApiError } from '../domain/errors.ts';
import { remedyDetails } from '../domain/remedies.ts';
import type { Split } from '../domain/splits.ts';
import type { SplitMetrics, StoredPrediction } from '../domain/training.ts';
import type { TaskHooks } from '../jobs/task-hooks.ts';
import { findNearDuplicates, type DuplicateReport } from './duplicates.ts';
import { trainHead, type HeadWeights, type TrainedHead } from './head.ts';
import type { resolveTrainSettings } from './settings.ts';
import { DEFAULT_OOF, outOfFoldPredictions } from './kfold.ts';
import { outOfFoldFacts } from '../domain/mislabeled-rule.ts';
import { evaluate, type Evaluation } from './metrics.ts';
import { predictHead } from './predict.ts';
import { buildSplits, checkTrainable } from './split.ts';

/** Variants 1.. are augmented copies (mirror, crops) computed by the features task. */
export const AUGMENT_VARIANTS = [1, 2, 3, 4, 5] as const;
/** Fewer labeled images than this give folds too small to judge a label by (and at least k). */
export const MISLABEL_MIN_ROWS = Math.max(10, DEFAULT_OOF.k);

/** The parts of training a test may replace, to see how the task handles their failures. */
export interface TrainSeams {
  outOfFold: typeof outOfFoldPredictions;
}
export const DEFAULT_SEAMS: TrainSeams = { outOfFold: outOfFoldPredictions };

export type Resolved = ReturnType<typeof resolveTrainSettings>;

/** What every step of one training shares. */
export interface TrainContext {
  settings: Resolved;
  hooks: TaskHooks;
  seams: TrainSeams;
}

/** A class as a run records it. */
export interface TrainClass {
  id: number;
  name: string;
}

export interface LabeledImage {
  imageId: number;
  hash: string;
  split: Split;
  classId: number;
}

/** Cached feature vectors by content hash; variant 0 is the plain image, 1.. augmented views. */
export type FeatureReader = (hash: string, variant?: number) => Float32Array | null;

/** An image with plain features, as every image is predicted after training. */
export interface ImageFeatures {
  imageId: number;
  split: Split;
  vector: Float32Array;
}

export interface Sample {
  imageId: number;
  hash: string;
  split: Split;
  classIndex: number;
}

/** The labeled images training uses, as they were when it started, with their features. */
export interface Snapshot {
  classes: TrainClass[];
  labelsHash: string;
  samples: Sample[];
  vectors: Float32Array[];
  dim: number;
  readFeature: FeatureReader;
  flags: string[];
}

export interface Rows {
  x: Float32Array;
  y: Int32Array;
  ids: number[];
}

export interface TrainingSets {
  train: Rows;
  /** The training rows the head learns from: `train`, plus augmented views when asked for. */
  learnFrom: Rows & { weight?: Float32Array };
  validation: Rows | null;
  test: Rows | null;
  /** Whether there are enough labeled images to look for likely mislabeled ones. */
  searchMislabels: boolean;
  flags: string[];
}

export interface Scores {
  train: SplitMetrics;
  validation: SplitMetrics | null;
  test: SplitMetrics | null;
  predictions: StoredPrediction[];
  duplicates: DuplicateReport;
  flags: string[];
}

/**
 * The labeled images training uses, as they were when it started, with their features;
 * refuses a project training cannot use.
 */
export function buildSnapshot({
  classes,
  labelsHash,
  labeled,
  readFeature,
}: {
  classes: TrainClass[];
  labelsHash: string;
  labeled: LabeledImage[];
  readFeature: FeatureReader;
}): Snapshot {
  const classIndex = new Map(classes.map((c, i) => [c.id, i]));
  const counts = new Array<number>(classes.length).fill(0);
  for (const r of labeled) counts[classIndex.get(r.classId)!]! += 1;
  checkTrainable(
    counts,
    classes.map((c) => c.name),
  );

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
  const flags: string[] = [];
  if (withoutFeatures > 0) {
    flags.push(
      `${withoutFeatures} labeled image(s) were left out: their features could not be computed (see failed images).`,
    );
  }
  return { classes, labelsHash, samples, vectors, dim: vectors[0]!.length, readFeature, flags };
}

/** Train, validation and test rows; a class without a validation image lends one. */
export function splitSnapshot(snapshot: Snapshot, augment: boolean): TrainingSets {
  const { classes, samples, vectors, dim } = snapshot;
  const flags = holdOutOnePerClass(samples, classes);
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

  const pack = (idx: Int32Array): Rows => {
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
  const learnFrom = augment
    ? withAugmentation(train, splits.train, samples, snapshot.readFeature, dim)
    : train;
  if (augment && learnFrom.x.length === train.x.length) {
    flags.push(
      'Augmentation was on, but no augmented features were found: compute features with augmentation.',
    );
  }
  const searchMislabels = samples.length >= MISLABEL_MIN_ROWS;
  if (!searchMislabels) {
    flags.push(
      `No search for likely mislabeled images: it needs at least ${MISLABEL_MIN_ROWS} labeled images with features, and there are ${samples.length}. Label more images and train again.`,
    );
  }
  return {
    train,
    learnFrom,
    validation: splits.validation.length > 0 ? pack(splits.validation) : null,
    test: splits.test.length > 0 ? pack(splits.test) : null,
    searchMislabels,
    flags,
  };
}

export async function train(
  snapshot: Snapshot,
  sets: TrainingSets,
  { settings, hooks }: TrainContext,
): Promise<TrainedHead> {
  hooks.progress({ done: 0, total: settings.epochs, phase: 'training', unit: 'epochs' });
  return trainHead(
    {
      featureDim: snapshot.dim,
      numClasses: snapshot.classes.length,
      train: sets.learnFrom,
      validation: sets.validation ? { x: sets.validation.x, y: sets.validation.y } : undefined,
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
}

/** Scores per split, every image's prediction, likely mislabels and near-duplicates. */
export async function score(
  snapshot: Snapshot,
  sets: TrainingSets,
  head: TrainedHead,
  everyImage: ImageFeatures[],
  { settings, hooks, seams }: TrainContext,
): Promise<Scores> {
  const { classes, dim } = snapshot;
  hooks.progress({ done: 0, total: null, phase: 'measuring', unit: null });
  const measure = async (set: Rows): Promise<SplitMetrics> => {
    const p = await predictHead(head, set.x, set.y.length, { signal: hooks.signal });
    return toSplitMetrics(evaluate(p.probs, classes.length, set.y, set.ids), classes, set.y.length);
  };
  const trainMetrics = await measure(sets.train);
  const validationMetrics = sets.validation ? await measure(sets.validation) : null;
  const testMetrics = sets.test ? await measure(sets.test) : null;

  hooks.progress({ done: 0, total: null, phase: 'predicting every image', unit: null });
  const predictions = await predictAll(everyImage, head, dim, hooks.signal);

  if (sets.searchMislabels) {
    hooks.progress({ done: 0, total: null, phase: 'looking for likely mislabeled images', unit: null });
    await addOutOfFold(predictions, snapshot, settings, hooks.signal, seams);
  }

  hooks.progress({ done: 0, total: null, phase: 'looking for near-duplicates', unit: null });
  const duplicates = await findNearDuplicates(predictions.x, predictions.rows.length, dim, {
    standardise: true,
    threshold: 'calibrated',
    ids: predictions.rows.map((r) => r.imageId),
    splits: predictions.splits,
    signal: hooks.signal,
  });
  const flags: string[] = [];
  if (duplicates.leaks > 0) {
    flags.push(
      `${duplicates.leaks} near-duplicate pair(s) sit in different splits, which can inflate validation scores.`,
    );
  }
  return {
    train: trainMetrics,
    validation: validationMetrics,
    test: testMetrics,
    predictions: predictions.rows,
    duplicates,
    flags,
  };
}

/** Below this many labeled images a class keeps all of them for training. */
const MIN_CLASS_FOR_HOLDOUT = 3;

/**
 * The project's split comes from content hashes, which is stable as images are added but, on a
 * small class, can leave it with no validation image at all — its scores would then be
 * unmeasured. Such a class (with enough images) lends its training image with the smallest hash
 * to validation: deterministic, and flagged in the run.
 */
function holdOutOnePerClass(samples: Sample[], classes: TrainClass[]): string[] {
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
  base: Rows,
  trainIdx: Int32Array,
  samples: Sample[],
  readFeature: FeatureReader,
  dim: number,
): Rows & { weight: Float32Array } {
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
  rows: StoredPrediction[];
  x: Float32Array;
  splits: Split[];
  byImage: Map<number, number>;
}

async function predictAll(
  images: ImageFeatures[],
  head: HeadWeights,
  dim: number,
  signal: AbortSignal,
): Promise<AllPredictions> {
  const x = new Float32Array(images.length * dim);
  images.forEach((r, i) => x.set(r.vector, i * dim));
  const C = head.bias.length;
  const p = await predictHead(head, x, images.length, { signal });
  return {
    x,
    splits: images.map((r) => r.split),
    byImage: new Map(images.map((r, i) => [r.imageId, i])),
    rows: images.map((r, i) => ({
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

/**
 * Out-of-fold predictions for labeled images: a confident disagreement marks a likely mislabel.
 * Only called with at least MISLABEL_MIN_ROWS samples, so any error here is a real failure.
 */
async function addOutOfFold(
  predictions: AllPredictions,
  snapshot: Snapshot,
  settings: Resolved,
  signal: AbortSignal,
  seams: TrainSeams,
): Promise<void> {
  const { samples, vectors, dim } = snapshot;
  const numClasses = snapshot.classes.length;
  const x = new Float32Array(samples.length * dim);
  vectors.forEach((v, i) => x.set(v, i * dim));
  const groupOf = new Map<string, number>();
  const groups = Int32Array.from(samples, (s) => {
    if (!groupOf.has(s.hash)) groupOf.set(s.hash, groupOf.size);
    return groupOf.get(s.hash)!;
  });
  const oof = await seams.outOfFold(
    { featureDim: dim, numClasses, x, y: Int32Array.from(samples, (s) => s.classIndex), groups },
    { seed: settings.seed, settings: { l2: settings.l2, learningRate: settings.learningRate }, signal },
  );
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

function toSplitMetrics(e: Evaluation, classes: TrainClass[], count: number): SplitMetrics {
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
