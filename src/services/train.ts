/**
 * The training use cases: one-click training as a job, accepting suggestions, and the runs and
 * predictions it leaves behind. The handlers, and through them the CLI, call only these.
 */
import type { ParsedArgs, TrainSettings } from '../api/contract.ts';
import { requireModel } from '../api/handlers/model.ts';
import type { Core } from '../core.ts';
import type { JobContext } from '../jobs/manager.ts';
import type { TrainTaskInput, TrainTaskOutput } from '../jobs/compute-tasks.ts';
import { acceptSuggestions as recordAccepted } from '../store/labels.ts';
import type { ProjectStore } from '../store/project.ts';
import { suggestionsToAccept } from '../store/runs.ts';

// Reading runs and predictions needs nothing beyond the store's queries.
export {
  compareRuns,
  getRun,
  listRuns,
  predictionFor,
  queryPredictions,
  setCurrentRun,
} from '../store/runs.ts';

/** Computes the features training needs that are still missing, as the job's first phase. */
export type LabeledFeaturesPass = (ctx: JobContext, augment: boolean) => Promise<unknown>;

/**
 * One-click training: missing features first, then the head off-thread. Training changes no
 * label, so it announces nothing on `dataset.changed`: clients learn of the new run from the
 * job's `job.finished`.
 */
export function startTraining(
  core: Core,
  project: ProjectStore,
  settings: ParsedArgs<'train.start'>['settings'],
  computeFeatures: LabeledFeaturesPass,
): { jobId: string } {
  requireModel(core, project);
  const job = core.jobs.start('train', async (ctx) => {
    await computeFeatures(ctx, settings.augment ?? false);
    ctx.throwIfCancelled();
    const model = requireModel(core, project);
    const input: TrainTaskInput = {
      projectPath: project.path,
      modelId: model.id,
      settings: settings as Partial<TrainSettings>,
    };
    return core.compute.run<TrainTaskOutput>('train', input, {
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
  { minProbability, imageIds, dryRun }: ParsedArgs<'suggestions.accept'>,
): { accepted: number } {
  const picks = suggestionsToAccept(project, { minProbability, imageIds });
  if (dryRun || picks.length === 0) return { accepted: picks.length };
  recordAccepted(project.db, picks);
  core.events.emit('dataset.changed', { reason: 'labels', imageIds: picks.map((p) => p.imageId) });
  return { accepted: picks.length };
}
