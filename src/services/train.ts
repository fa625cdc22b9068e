/**
 * The training use cases: one-click training as a job, accepting suggestions, the runs and
 * predictions it leaves behind, and trying the trained model on images. The handlers, and
 * through them the CLI, call only these.
 */
import type { AcceptSuggestionsRequest, PredictRequest, TrainRequestSettings } from '../domain/requests.ts';
import { ApiError } from '../domain/errors.ts';
import type { ImagePrediction } from '../domain/model.ts';
import { remedyDetails } from '../domain/remedies.ts';
import type { TrainSettings } from '../domain/training.ts';
import { requireModel } from './model.ts';
import type { Core } from '../core.ts';
import type { PredictTaskInput, TrainTaskInput } from '../jobs/compute-tasks.ts';
import { cropMode, modelPreprocessing } from '../store/models.ts';
import { acceptSuggestions as recordAccepted } from '../store/labels.ts';
import type { ProjectStore } from '../store/project.ts';
import { currentRunId, runHead, suggestionsToAccept } from '../store/runs.ts';
import { extractFeatures } from './train-features.ts';

// Reading runs and predictions needs nothing beyond the store's queries.
export {
  compareRuns,
  getRun,
  listRuns,
  predictionFor,
  queryPredictions,
  setCurrentRun,
} from '../store/runs.ts';

/**
 * One-click training: missing features first, then the head off-thread. Training changes no
 * label, so it announces nothing on `dataset.changed`: clients learn of the new run from the
 * job's `job.finished`.
 */
export function startTraining(
  core: Core,
  project: ProjectStore,
  settings: TrainRequestSettings,
): { jobId: string } {
  requireModel(core, project);
  const job = core.jobs.start('train', async (ctx) => {
    const augment = settings.augment ?? false;
    // One click: features that are missing are computed first, as the job's first phase.
    await extractFeatures(core, project, ctx, { engine: 'auto', augment }, { labeledOnly: true });
    ctx.throwIfCancelled();
    const model = requireModel(core, project);
    const input: TrainTaskInput = {
      projectPath: project.path,
      modelId: model.id,
      settings: settings as Partial<TrainSettings>,
    };
    return core.compute.run('train', input, {
      signal: ctx.signal,
      onProgress: (p) =>
        ctx.progress({
          done: p.done,
          total: p.total,
          phase: p.phase ?? 'training',
          unit: p.unit ?? null,
          counters: p.counters ?? {},
        }),
    });
  });
  return { jobId: job.id };
}

/** Labels unlabeled images with the current run's suggestions, as one undoable step. */
export function acceptSuggestions(
  core: Core,
  project: ProjectStore,
  { minProbability, imageIds, dryRun }: AcceptSuggestionsRequest,
): { accepted: number } {
  const picks = suggestionsToAccept(project, { minProbability, imageIds });
  if (dryRun || picks.length === 0) return { accepted: picks.length };
  recordAccepted(project.db, picks);
  core.events.emit('dataset.changed', { reason: 'labels', imageIds: picks.map((p) => p.imageId) });
  return { accepted: picks.length };
}

/** Runs images (files or uploads) through the model and the current run's head, or ImageNet's. */
export async function predictImages(
  core: Core,
  { paths, images, imagenet, topK }: PredictRequest,
): Promise<ImagePrediction[]> {
  const project = core.requireProject();
  const model = requireModel(core, project);
  let head: PredictTaskInput['head'] = null;
  if (!imagenet) {
    const runId = currentRunId(project);
    if (runId === null) {
      throw new ApiError(
        'precondition',
        'There is no trained model yet.',
        remedyDetails('train-or-imagenet'),
      );
    }
    const h = runHead(project, runId);
    head = {
      weights: h.weights,
      bias: h.bias,
      labels: h.classes.map((c) => c.name),
      classIds: h.classes.map((c) => c.id),
    };
  }
  const input: PredictTaskInput = {
    modelPath: core.models.pathFor(model.description.sha256),
    crop: cropMode(project),
    preprocessing: modelPreprocessing(model),
    items: paths
      ? paths.map((p) => ({ name: p, path: p }))
      : images!.map((i) => ({ name: i.name, base64: i.base64 })),
    topK,
    head,
  };
  return core.compute.run('predict', input);
}
