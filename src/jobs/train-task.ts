/**
 * A whole training, as the compute worker runs it: read the labeled images and their cached
 * features from the project, run the training steps (src/train/training.ts), and store it all
 * as one run in one transaction (a cancelled training stores nothing).
 */
import type { Database } from 'better-sqlite3';
import type { TrainSettings } from '../domain/training.ts';
import { listClasses } from '../store/classes.ts';
import { ProjectStore } from '../store/project.ts';
import { currentLabelsHash, insertRun } from '../store/runs.ts';
import { featureReader, imagesWithFeatures, labeledImages } from '../store/training-data.ts';
import type { TrainedHead } from '../train/head.ts';
import { resolveTrainSettings } from '../train/settings.ts';
import {
  buildSnapshot,
  DEFAULT_SEAMS,
  score,
  splitSnapshot,
  train,
  type Scores,
  type Snapshot,
  type TrainContext,
  type TrainSeams,
} from '../train/training.ts';
import type { TaskHooks } from './task-hooks.ts';

export { AUGMENT_VARIANTS } from '../train/training.ts';

export interface TrainTaskInput {
  projectPath: string;
  modelId: number;
  settings: Partial<TrainSettings>;
}

export interface TrainTaskOutput {
  runId: number;
  validationAccuracy: number | null;
}

export async function runTrainTask(
  input: TrainTaskInput,
  hooks: TaskHooks,
  seams: TrainSeams = DEFAULT_SEAMS,
): Promise<TrainTaskOutput> {
  const started = performance.now();
  const project = ProjectStore.open(input.projectPath);
  try {
    const { augment = false, ...headSettings } = input.settings;
    const settings = resolveTrainSettings(headSettings);
    const snapshot = loadSnapshot(project.db, input.modelId);
    const sets = splitSnapshot(snapshot, augment);
    const steps: TrainContext = { settings, hooks, seams };
    const head = await train(snapshot, sets, steps);
    const everyImage = imagesWithFeatures(project.db, input.modelId);
    const scores = await score(snapshot, sets, head, everyImage, steps);
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

function loadSnapshot(db: Database, modelId: number): Snapshot {
  return buildSnapshot({
    classes: listClasses(db).map((c) => ({ id: c.id, name: c.name })),
    labelsHash: currentLabelsHash(db),
    labeled: labeledImages(db),
    readFeature: featureReader(db, modelId),
  });
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
