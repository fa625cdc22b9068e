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
import { ProjectStore } from '../store/project.ts';
import {
  featureReader,
  imagesWithFeatures,
  labeledImages,
  type FeatureReader,
} from '../store/training-data.ts';
import type { Database } from 'better-sqlite3';
import type { TaskHooks } from '../jobs/task-hooks.ts';
import { findNearDuplicates, type DuplicateReport } from './duplicates.ts';
import { trainHead, resolveTrainSettings, type HeadWeights, type TrainedHead } from './head.ts';
import { DEFAULT_OOF, outOfFoldPredictions } from './kfold.ts';
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
/** Fewer labeled images than this give folds too small to judge a label by (and at least k). */
export const MISLABEL_MIN_ROWS = Math.max(10, DEFAULT_OOF.k);

/** The parts of training a test may replace, to see how the task handles their failures. */
export interface TrainSeams {
  outOfFold: typeof outOfFoldPredictions;
}
const SEAMS: TrainSeams = { outOfFold: outOfFoldPredictions };

type Resolved = ReturnType<typeof resolveTrainSettings>;

/** What every step of one training shares. */
interface RunContext {
  db: Database;
  modelId: number;
  settings: Resolved;
  hooks: TaskHooks;
  seams: TrainSeams;
}

interface Sample {
  imageId: number;
  hash: string;
  split: Split;
  classIndex: number;
}

/** The labeled images training uses, as they were when it started, with their features. */
interface Snapshot {
  classes: RunClass[];
  labelsHash: string;
  samples: Sample[];
  vectors: Float32Array[];
  dim: number;
  readFeature: FeatureReader;
  flags: string[];
}

interface Rows {
  x: Float32Array;
  y: Int32Array;
  ids: number[];
}

interface TrainingSets {
  train: Rows;
  /** The training rows the head learns from: `train`, plus augmented views when asked for. */
  learnFrom: Rows & { weight?: Float32Array };
  validation: Rows | null;
  test: Rows | null;
  /** Whether there are enough labeled images to look for likely mislabeled ones. */
  searchMislabels: boolean;
  flags: string[];
}

interface Scores {
  train: SplitMetrics;
  validation: SplitMetrics | null;
  test: SplitMetrics | null;
  predictions: PredictionInsert[];
  duplicates: DuplicateReport;
  flags: string[];
}

export async function runTrainTask(
  input: TrainTaskInput,
  hooks: TaskHooks,
  seams: TrainSeams = SEAMS,
): Promise<TrainTaskOutput> {
  const started = performance.now();
  const project = ProjectStore.open(input.projectPath);
  try {
    const { augment = false, ...headSettings } = input.settings;
    const settings = resolveTrainSettings(headSettings);
    const snapshot = loadSnapshot(project.db, input.modelId);
    const sets = splitSnapshot(snapshot, augment);
    const run: RunContext = { db: project.db, modelId: input.modelId, settings, hooks, seams };
    const head = await train(snapshot, sets, run);
    const scores = await score(snapshot, sets, head, run);
    hooks.signal.throwIfAborted();
    const runId = storeRun(project, {
      modelId: input.modelId,
      durationMs: performance.now() - started,
      augment,
      snapshot,
      head,
      scores,
      flags: [...snapshot.flags, ...sets.flags, ...scores.flags],
    });
    return { runId, validationAccuracy: scores.validation?.accuracy ?? null };
  } finally {
    project.close();
  }
}

/** Classes, labels and features as they are now; refuses a project training cannot use. */
function loadSnapshot(db: Database, modelId: number): Snapshot {
  const classes: RunClass[] = listClasses(db).map((c) => ({ id: c.id, name: c.name }));
  const classIndex = new Map(classes.map((c, i) => [c.id, i]));
  const labelsHash = currentLabelsHash(db);
  const labeled = labeledImages(db);
  const counts = new Array<number>(classes.length).fill(0);
  for (const r of labeled) counts[classIndex.get(r.classId)!]! += 1;
  checkTrainable(
    counts,
    classes.map((c) => c.name),
  );

  const readFeature = featureReader(db, modelId);
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
function splitSnapshot(snapshot: Snapshot, augment: boolean): TrainingSets {
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

async function train(
  snapshot: Snapshot,
  sets: TrainingSets,
  { settings, hooks }: RunContext,
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
async function score(
  snapshot: Snapshot,
  sets: TrainingSets,
  head: TrainedHead,
  { db, modelId, settings, hooks, seams }: RunContext,
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
  const predictions = await predictAll(db, modelId, head, dim, hooks.signal);

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

/** One transaction: a run is stored whole or not at all. */
function storeRun(
  project: ProjectStore,
  {
    modelId,
    durationMs,
    augment,
    snapshot,
    head,
    scores,
    flags,
  }: {
    modelId: number;
    durationMs: number;
    augment: boolean;
    snapshot: Snapshot;
    head: TrainedHead;
    scores: Scores;
    flags: string[];
  },
): number {
  const { classes, samples } = snapshot;
  return insertRun(
    project,
    {
      modelId,
      createdAt: new Date().toISOString(),
      durationMs,
      settings: { ...head.settings, augment },
      classes,
      labelsHash: snapshot.labelsHash,
      snapshot: samples.map((s) => [s.imageId, classes[s.classIndex]!.id, s.split]),
      weights: head.weights,
      bias: head.bias,
      metrics: {
        train: scores.train,
        validation: scores.validation,
        test: scores.test,
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
    scores.predictions,
    scores.duplicates.pairs.map((p) => ({ a: p.idA, b: p.idB, similarity: p.similarity, leak: p.leak })),
  );
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
  rows: PredictionInsert[];
  x: Float32Array;
  splits: Split[];
  byImage: Map<number, number>;
}

async function predictAll(
  db: Database,
  modelId: number,
  head: HeadWeights,
  dim: number,
  signal: AbortSignal,
): Promise<AllPredictions> {
  const images = imagesWithFeatures(db, modelId);
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
    let best = 0;
    for (let c = 1; c < numClasses; c++)
      if (oof.probs[i * numClasses + c]! > oof.probs[i * numClasses + best]!) best = c;
    row.oofClassIndex = best;
    row.oofProbability = oof.probs[i * numClasses + best]!;
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
