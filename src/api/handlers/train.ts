import type { ExportReport, JobKind, TrainSettings } from '../../api/contract.ts';
import type { Core } from '../../core.ts';
import type { JobContext } from '../../jobs/manager.ts';
import type {
  FeaturesTaskInput,
  FeaturesTaskOutput,
  PredictTaskInput,
  TrainTaskInput,
} from '../../jobs/compute-tasks.ts';
import { cropMode, featureCounts, modelPreprocessing } from '../../store/models.ts';
import type { ProjectStore } from '../../store/project.ts';
import {
  compareRuns,
  currentRunId,
  getRun,
  listRuns,
  predictionFor,
  queryPredictions,
  runHead,
  setCurrentRun,
  suggestionsToAccept,
} from '../../store/runs.ts';
import { beginStep, endStep, recordAndApply } from '../../store/labels.ts';
import type { Handlers } from '../dispatch.ts';
import { probeEngines } from '../../model/engines/registry.ts';
import { ApiError } from '../errors.ts';
import { remedyDetails } from '../remedies.ts';
import { requireModel } from './model.ts';
import { startExport } from '../../jobs/export-job.ts';
import { assertWritableDestination } from '../../store/destination.ts';

type TrainHandlers = Pick<
  Handlers,
  | 'features.start'
  | 'features.cancel'
  | 'train.start'
  | 'train.cancel'
  | 'runs.list'
  | 'runs.get'
  | 'runs.compare'
  | 'runs.setCurrent'
  | 'predictions.query'
  | 'predictions.get'
  | 'suggestions.accept'
  | 'predict.images'
  | 'export.start'
>;

export function trainHandlers(core: Core): TrainHandlers {
  const cancelKind = (kind: JobKind): { cancelled: boolean } => {
    const running = core.jobs.list().filter((j) => j.kind === kind && j.status === 'running');
    return { cancelled: running.map((j) => core.jobs.cancel(j.id)).some(Boolean) };
  };

  return {
    'features.start': ({ engine, batchSize, augment }) => {
      const project = core.requireProject();
      requireModel(core, project);
      const job = core.jobs.start('features', (ctx) =>
        extractFeatures(core, project, ctx, {
          engine,
          augment,
          ...(batchSize !== undefined ? { batchSize } : {}),
        }),
      );
      return { jobId: job.id };
    },
    'features.cancel': () => cancelKind('features'),

    'train.start': ({ settings }) => {
      const project = core.requireProject();
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
        const out = await core.compute.run('train', input, {
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
        core.events.emit('dataset.changed', { reason: 'labels' });
        return out;
      });
      return { jobId: job.id };
    },
    'train.cancel': () => cancelKind('train'),

    'runs.list': () => listRuns(core.requireProject()),
    'runs.get': ({ id }) => getRun(core.requireProject(), id),
    'runs.compare': ({ a, b }) => compareRuns(core.requireProject(), a, b),
    'runs.setCurrent': ({ id }) => setCurrentRun(core.requireProject(), id),

    'predictions.query': (q) => queryPredictions(core.requireProject(), q),
    'predictions.get': ({ imageId, topK }) => predictionFor(core.requireProject(), imageId, topK),
    'suggestions.accept': ({ minProbability, imageIds, dryRun }) => {
      const project = core.requireProject();
      const picks = suggestionsToAccept(project, { minProbability, imageIds });
      if (dryRun || picks.length === 0) return { accepted: picks.length };
      acceptInOneStep(project, picks);
      core.events.emit('dataset.changed', { reason: 'labels', imageIds: picks.map((p) => p.imageId) });
      return { accepted: picks.length };
    },

    'predict.images': async ({ paths, images, imagenet, topK }) => {
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
    },

    'export.start': (args) => {
      const project = core.requireProject();
      assertWritableDestination(args.out);
      const job = core.jobs.start('export', (ctx): Promise<ExportReport> =>
        startExport(core, project, args, ctx),
      );
      return { jobId: job.id };
    },
  };
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

/** Every accepted suggestion, whatever its class, is one history step: one undo takes it back. */
function acceptInOneStep(project: ProjectStore, picks: { imageId: number; classId: number }[]): void {
  const db = project.db;
  db.transaction(() => {
    const step = beginStep(db, 'accept', `accept ${picks.length} suggestion${picks.length === 1 ? '' : 's'}`);
    const changed = recordAndApply(
      db,
      step,
      picks.map((p) => [p.imageId, p.classId]),
      'accepted-suggestion',
    );
    endStep(db, step, changed);
  }).immediate();
}

async function extractFeatures(
  core: Core,
  project: ProjectStore,
  ctx: JobContext,
  opts: { engine: FeaturesTaskInput['engine']; augment: boolean; batchSize?: number },
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
