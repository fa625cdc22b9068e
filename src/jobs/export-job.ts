import type { ExportReport } from '../domain/training.ts';
import type { ComputeClient } from './compute-client.ts';
import type { ExportTaskInput } from './export-task.ts';
import type { JobContext } from './manager.ts';
import { probeNative } from '../model/tfjs-runtime.ts';

/**
 * Validation images the self-check runs through both exported models. The tfjs check on the
 * wasm backend costs ~0.1-0.15 s an image on 2 cores, so without native tfjs fewer are checked.
 */
export function checkImageCount(): number {
  const native =
    probeNative('@tensorflow/tfjs-node-gpu').available || probeNative('@tensorflow/tfjs-node').available;
  return native ? 200 : 64;
}

/** The export job's work: the exporter runs off-thread, its steps reported as the job's progress. */
export function runExportJob(
  compute: ComputeClient,
  input: ExportTaskInput,
  ctx: JobContext,
): Promise<ExportReport> {
  return compute.run('export', input, {
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
