import { createHash } from 'node:crypto';
import type { Database } from 'better-sqlite3';
import type { Matrix } from './pca.ts';

/**
 * The images a layout covers: every distinct content hash of an ok image that has features for
 * the model, in hash order. The key changes exactly when that set (or the model) changes, so a
 * cached layout is reused until then.
 */
export interface FeatureSet {
  modelId: number;
  hashes: string[];
  key: string;
}

// Images outer, features probed by primary key: scanning the features table instead reads
// every 4 KB vector off disk (seconds at 10 000 images).
const SET_SQL = `SELECT DISTINCT i.hash FROM images i
  WHERE i.status = 'ok' AND i.hash IS NOT NULL
    AND EXISTS (SELECT 1 FROM features f WHERE f.model_id = ? AND f.variant = 0 AND f.hash = i.hash)
  ORDER BY i.hash`;

export function featureSet(db: Database, modelId: number): FeatureSet {
  const hashes = db.prepare(SET_SQL).pluck().all(modelId) as string[];
  return { modelId, hashes, key: featureSetKey(modelId, hashes) };
}

export function featureSetKey(modelId: number, hashes: readonly string[]): string {
  const h = createHash('sha256');
  h.update(`model ${modelId}\n`);
  for (const x of hashes) h.update(x + '\n');
  return h.digest('hex');
}

/** The feature vectors of `hashes` (all of one length), as one row-major matrix. */
export function loadFeatureMatrix(db: Database, modelId: number, hashes: readonly string[]): Matrix {
  const read = db
    .prepare('SELECT vector FROM features WHERE model_id = ? AND variant = 0 AND hash = ?')
    .pluck();
  let data = new Float32Array(0);
  let cols = 0;
  hashes.forEach((hash, r) => {
    const blob = read.get(modelId, hash) as Buffer | undefined;
    if (!blob)
      throw new Error(`The features of ${hash} disappeared while the map was being drawn; draw it again.`);
    if (r === 0) {
      cols = blob.length / 4;
      data = new Float32Array(hashes.length * cols);
    }
    if (blob.length !== cols * 4)
      throw new Error(`Feature vectors of different lengths (${cols} and ${blob.length / 4}) for one model.`);
    // The blob may sit at an offset that is not 4-byte aligned; copy its bytes.
    new Uint8Array(data.buffer, r * cols * 4, cols * 4).set(blob);
  });
  return { data, rows: hashes.length, cols };
}
