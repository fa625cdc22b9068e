/**
 * Features for training: computing the missing ones as a job (on request, as the first phase of
 * one-click training, and for images added after a run, which then get its predictions).
 */
import type { Core } from '../core.ts';
import type { FeaturesTaskInput, FeaturesTaskOutput } from '../jobs/compute-tasks.ts';
import type { JobContext } from '../jobs/manager.ts';
import { probeEngines } from '../model/engines/registry.ts';
import { requireModel } from './model.ts';
import { cropMode, featureCounts, modelPreprocessing } from '../store/models.ts';
import type { ProjectStore } from '../store/project.ts';
import { currentRunId } from '../store/runs.ts';

export interface FeatureOptions {
  engine: FeaturesTaskInput['engine'];
  augment: boolean;
  batchSize?: number;
}

/** Computes the open project's missing features as a job. */
export function startFeatures(core: Core, opts: FeatureOptions): { jobId: string } {
  const project = core.requireProject();
  requireModel(core, project);
  const job = core.jobs.start('features', (ctx) => extractFeatures(core, project, ctx, opts));
  return { jobId: job.id };
}

/**
 * New images in a project with a current run: their features and the run's predictions, as a
 * background job (cancellable like any other), so suggestions fill without a retrain. Nothing
 * starts without a current run or a usable model, or while features are already being computed.
 */
export function startPredictionsForNewImages(core: Core, project: ProjectStore): string | null {
  if (currentRunId(project) === null) return null;
  let model;
  try {
    model = requireModel(core, project);
  } catch {
    return null;
  }
  if (featureCounts(project, model.id).missing === 0) return null;
  if (core.jobs.list().some((j) => j.status === 'running' && (j.kind === 'features' || j.kind === 'train')))
    return null;
  const job = core.jobs.start('features', (ctx) =>
    extractFeatures(core, project, ctx, { engine: 'auto', augment: false }),
  );
  return job.id;
}

export async function extractFeatures(
  core: Core,
  project: ProjectStore,
  ctx: JobContext,
  opts: FeatureOptions,
  scope: { labeledOnly?: boolean } = {},
): Promise<FeaturesTaskOutput> {
  const model = requireModel(core, project);
  const input: FeaturesTaskInput = {
    projectPath: project.path,
    modelId: model.id,
    modelPath: core.models.pathFor(model.description.sha256),
    engine: opts.engine,
    augment: opts.augment,
    crop: cropMode(project),
    preprocessing: modelPreprocessing(model),
    labeledOnly: scope.labeledOnly ?? false,
    ...(opts.batchSize !== undefined ? { batchSize: opts.batchSize } : {}),
    dataDir: core.appData.dir,
    // Probed here once per launch (GPU providers in a child process); the worker reuses them.
    probes: await probeEngines(),
  };
  const before = featureCounts(project, model.id);
  ctx.progress({ done: 0, total: before.missing, phase: 'computing features', unit: 'images' });
  const out = await core.compute.run('features', input, {
    signal: ctx.signal,
    onProgress: (p) =>
      ctx.progress({
        done: p.done,
        total: p.total,
        phase: p.phase ?? 'computing features',
        unit: p.unit === undefined ? 'images' : p.unit,
        counters: p.counters ?? {},
      }),
  });
  core.engineInUse = out.engineLabel;
  return out;
}
