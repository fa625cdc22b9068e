/**
 * Predictions of the current run for images it has not seen: images imported after training
 * get a suggestion as soon as their features exist, without a retrain.
 */
import { readVector } from '../store/models.ts';
import type { ProjectStore } from '../store/project.ts';
import { currentRunId, floatBlob, runHead } from '../store/runs.ts';
import { predictHead } from './predict.ts';

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
  const db = project.db;
  const select = db.prepare(
    `SELECT i.id AS imageId, f.vector AS vector
     FROM images i JOIN features f ON f.model_id = ? AND f.variant = 0 AND f.hash = i.hash
     WHERE i.status = 'ok' AND NOT EXISTS (SELECT 1 FROM predictions p WHERE p.run_id = ? AND p.image_id = i.id)
     ORDER BY i.id LIMIT ?`,
  );
  const insert = db.prepare(
    `INSERT OR IGNORE INTO predictions (run_id, image_id, class_index, probability, margin, probs, oof_class_index, oof_probability)
     VALUES (?, ?, ?, ?, ?, ?, NULL, NULL)`,
  );
  let added = 0;
  for (;;) {
    signal.throwIfAborted();
    const rows = select.all(modelId, runId, CHUNK) as { imageId: number; vector: Buffer }[];
    if (rows.length === 0) return added;
    const x = new Float32Array(rows.length * dim);
    rows.forEach((r, i) => x.set(readVector(r.vector), i * dim));
    const p = await predictHead(head, x, rows.length, { signal });
    db.transaction(() => {
      rows.forEach((r, i) => {
        insert.run(
          runId,
          r.imageId,
          p.top[i]!,
          p.topProb[i]!,
          p.margin[i]!,
          floatBlob(p.probs.slice(i * C, (i + 1) * C)),
        );
      });
    })();
    added += rows.length;
    if (rows.length < CHUNK) return added;
  }
}
