/** Predictions of the current run for images that arrived after it was trained. */
import type { Database } from 'better-sqlite3';
import { floatBlob } from './runs.ts';

export interface UnpredictedImage {
  imageId: number;
  vector: Buffer;
}

/** Readable images with features of `modelId` and no prediction of `runId` yet, lowest id first. */
export function unpredictedImages(
  db: Database,
  modelId: number,
  runId: number,
  limit: number,
): UnpredictedImage[] {
  return db
    .prepare(
      `SELECT i.id AS imageId, f.vector AS vector
       FROM images i JOIN features f ON f.model_id = ? AND f.variant = 0 AND f.hash = i.hash
       WHERE i.status = 'ok' AND NOT EXISTS (SELECT 1 FROM predictions p WHERE p.run_id = ? AND p.image_id = i.id)
       ORDER BY i.id LIMIT ?`,
    )
    .all(modelId, runId, limit) as UnpredictedImage[];
}

export interface NewPrediction {
  imageId: number;
  classIndex: number;
  probability: number;
  margin: number;
  probs: Float32Array;
}

/** Stores predictions without out-of-fold values (the run never saw these images), all or nothing. */
export function insertNewPredictions(db: Database, runId: number, rows: readonly NewPrediction[]): void {
  const insert = db.prepare(
    `INSERT OR IGNORE INTO predictions (run_id, image_id, class_index, probability, margin, probs, oof_class_index, oof_probability)
     VALUES (?, ?, ?, ?, ?, ?, NULL, NULL)`,
  );
  db.transaction(() => {
    for (const r of rows)
      insert.run(runId, r.imageId, r.classIndex, r.probability, r.margin, floatBlob(r.probs));
  })();
}
