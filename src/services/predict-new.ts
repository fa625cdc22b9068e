/**
 * Predictions of the current run for images it has not seen: images imported after training
 * get a suggestion as soon as their features exist, without a retrain.
 */
import { readVector } from '../store/models.ts';
import type { ProjectStore } from '../store/project.ts';
import { insertNewPredictions, unpredictedImages } from '../store/new-predictions.ts';
import { currentRunId, runHead } from '../store/runs.ts';
import { predictHead } from '../train/predict.ts';

/** Rows per pass: bounded memory however many images arrived. */
const CHUNK = 2048;

/**
 * Predicts, with the current run, every readable image that has features of the run's model
 * and no prediction of that run yet. Returns how many were added (0 without a current run, or
 * when the run was trained on another model than `modelId`).
 */
export async function predictNewImages(
  project: ProjectStore,
  modelId: number,
  signal: AbortSignal,
): Promise<number> {
  const runId = currentRunId(project);
  if (runId === null) return 0;
  const head = runHead(project, runId);
  if (head.modelId !== modelId) return 0;
  const C = head.bias.length;
  const dim = head.weights.length / C;
  let added = 0;
  for (;;) {
    signal.throwIfAborted();
    const rows = unpredictedImages(project.db, modelId, runId, CHUNK);
    if (rows.length === 0) return added;
    const x = new Float32Array(rows.length * dim);
    rows.forEach((r, i) => x.set(readVector(r.vector), i * dim));
    const p = await predictHead(head, x, rows.length, { signal });
    insertNewPredictions(
      project.db,
      runId,
      rows.map((r, i) => ({
        imageId: r.imageId,
        classIndex: p.top[i]!,
        probability: p.topProb[i]!,
        margin: p.margin[i]!,
        probs: p.probs.slice(i * C, (i + 1) * C),
      })),
    );
    added += rows.length;
    if (rows.length < CHUNK) return added;
  }
}
