/**
 * The export use case: pick the run (the current one unless named), say when it is stale,
 * and run the exporter as a job. The handler, and through it the CLI, call only this.
 */
import type { ExportRequest } from '../domain/requests.ts';
import { ApiError } from '../domain/errors.ts';
import { remedyDetails } from '../domain/remedies.ts';
import type { ExportReport } from '../domain/training.ts';
import { requireModel } from './model.ts';
import { APP_VERSION, type Core } from '../core.ts';
import { checkImageCount, runExportJob } from '../jobs/export-job.ts';
import type { ExportTaskInput } from '../jobs/export-task.ts';
import { assertWritableDestination } from '../store/destination.ts';
import { cropMode, modelById, modelPreprocessing } from '../store/models.ts';
import type { ProjectStore } from '../store/project.ts';
import { currentRunId, getRunSummary, runModelId } from '../store/runs.ts';

export function startExport(core: Core, args: ExportRequest): { jobId: string } {
  const project = core.requireProject();
  assertWritableDestination(args.out);
  const job = core.jobs.start('export', async (ctx): Promise<ExportReport> =>
    runExportJob(core.compute, exportInput(core, project, args), ctx),
  );
  return { jobId: job.id };
}

/** Everything the exporter needs, resolved on this thread; refuses a run it cannot export. */
export function exportInput(core: Core, project: ProjectStore, args: ExportRequest): ExportTaskInput {
  const runId = args.runId ?? currentRunId(project);
  if (runId === null) {
    throw new ApiError(
      'precondition',
      'There is no trained model to export yet.',
      remedyDetails('train-first'),
    );
  }
  const run = getRunSummary(project, runId);
  const model = modelById(project, runModelId(project, runId));
  if (!model || !core.models.has(model.description.sha256)) {
    requireModel(core, project);
    throw new ApiError(
      'precondition',
      `The model file run ${runId} was trained on is missing: import it again.`,
    );
  }
  const warnings = run.stale
    ? [
        `Run ${runId} is stale: labels or classes changed after it was trained. Train again to export the current labels.`,
      ]
    : [];
  return {
    projectPath: project.path,
    runId,
    modelId: model.id,
    modelPath: core.models.pathFor(model.description.sha256),
    modelSha256: model.description.sha256,
    formats: args.format === 'both' ? ['tfjs', 'onnx'] : [args.format],
    quantize: args.quantize,
    preprocessing: args.preprocessing,
    out: args.out,
    force: args.force,
    appVersion: APP_VERSION,
    crop: cropMode(project),
    pixels: modelPreprocessing(model),
    warnings,
    maxCheckImages: checkImageCount(),
  };
}
