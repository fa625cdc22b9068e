import type { ExportReport, ParsedArgs } from '../api/contract.ts';
import { ApiError } from '../api/errors.ts';
import { remedyDetails } from '../api/remedies.ts';
import { requireModel } from '../api/handlers/model.ts';
import { APP_VERSION, type Core } from '../core.ts';
import { cropMode, modelById, modelPreprocessing } from '../store/models.ts';
import type { ProjectStore } from '../store/project.ts';
import { currentRunId, getRunSummary } from '../store/runs.ts';
import type { ExportTaskInput } from './export-task.ts';
import type { JobContext } from './manager.ts';

import { probeNative } from '../model/tfjs-runtime.ts';

/**
 * Validation images the self-check runs through both exported models. The tfjs check on the
 * wasm backend costs ~0.1-0.15 s an image on 2 cores, so without native tfjs fewer are checked.
 */
function checkImageCount(): number {
  const native =
    probeNative('@tensorflow/tfjs-node-gpu').available || probeNative('@tensorflow/tfjs-node').available;
  return native ? 200 : 64;
}

/** The export job: picks the run, says when it is stale, and runs the exporter off-thread. */
export async function startExport(
  core: Core,
  project: ProjectStore,
  args: ParsedArgs<'export.start'>,
  ctx: JobContext,
): Promise<ExportReport> {
  const runId = args.runId ?? currentRunId(project);
  if (runId === null) {
    throw new ApiError(
      'precondition',
      'There is no trained model to export yet.',
      remedyDetails('train-first'),
    );
  }
  const run = getRunSummary(project, runId);
  const model = modelById(
    project,
    (project.db.prepare('SELECT model_id FROM runs WHERE id = ?').get(runId) as { model_id: number })
      .model_id,
  );
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
  const input: ExportTaskInput = {
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
  return core.compute.run('export', input, {
    signal: ctx.signal,
    onProgress: (p) =>
      ctx.progress({
        done: p.done,
        total: p.total,
        phase: p.phase ?? 'exporting',
        unit: 'steps',
        eta: false,
      }),
  });
}
