/**
 * What the map and the cluster proposals read from a project: which images have features,
 * their feature vectors, and each point's label, prediction, split and "likely mislabeled" flag.
 */
import type { Split } from '../domain/splits.ts';
import type { Database } from 'better-sqlite3';
import { mislabeledCondition } from './mislabeled-sql.ts';

/** Row-major rows × cols feature vectors (the shape src/map's PCA and k-means take). */
export interface FeatureMatrix {
  data: Float32Array;
  rows: number;
  cols: number;
}

// Images outer, features probed by primary key: scanning the features table instead reads
// every 4 KB vector off disk (seconds at 10 000 images).
const SET_SQL = `SELECT DISTINCT i.hash FROM images i
  WHERE i.status = 'ok' AND i.hash IS NOT NULL
    AND EXISTS (SELECT 1 FROM features f WHERE f.model_id = ? AND f.variant = 0 AND f.hash = i.hash)
  ORDER BY i.hash`;

/** Every distinct content hash of an ok image that has features for the model, in hash order. */
export function hashesWithFeatures(db: Database, modelId: number): string[] {
  return db.prepare(SET_SQL).pluck().all(modelId) as string[];
}

/**
 * A value that changes whenever anything in the project file changes, through this connection
 * (total_changes) or any other one, such as the compute worker's (data_version). Two cheap
 * pragmas: what lets the map answer again from memory while nothing changed.
 */
export function changeGeneration(db: Database): string {
  const version = db.pragma('data_version', { simple: true }) as number;
  const changes = db.prepare('SELECT total_changes()').pluck().get() as number;
  return `${version}.${changes}`;
}

/**
 * Changes when a model's features may have been deleted. Features are only ever added (or
 * replaced by the same hash), except that all of a model's are deleted when its preprocessing
 * changes (src/store/models.ts), so a hash once seen with features keeps them while this holds.
 */
export function featureDeletionStamp(db: Database, modelId: number): string {
  const row = db.prepare('SELECT preprocessing FROM models WHERE id = ?').pluck().get(modelId);
  return row === undefined ? 'no model' : String(row);
}

/** Which of `hashes` have features for the model: one primary-key probe each. */
export function hashesHavingFeatures(db: Database, modelId: number, hashes: Iterable<string>): string[] {
  const probe = db.prepare('SELECT 1 FROM features WHERE model_id = ? AND variant = 0 AND hash = ?').pluck();
  const out: string[] = [];
  for (const h of hashes) if (probe.get(modelId, h) !== undefined) out.push(h);
  return out;
}

/** The feature vectors of `hashes` (all of one length), as one row-major matrix. */
export function readFeatureMatrix(db: Database, modelId: number, hashes: readonly string[]): FeatureMatrix {
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

export interface MapPointRow {
  id: number;
  hash: string;
  split: Split;
  class_id: number | null;
  pred: number | null;
  probability: number | null;
  mislabeled: number | null;
}

const MISLABELED = mislabeledCondition({ pr: 'pr', r: 'r', l: 'l' });
const POINTS_SQL = `SELECT i.id, i.hash, i.split, l.class_id,
    json_extract(r.classes, '$[' || pr.class_index || '].id') AS pred, pr.probability,
    (${MISLABELED.sql}) AS mislabeled
  FROM images i
  LEFT JOIN labels l ON l.image_id = i.id
  LEFT JOIN runs r ON r.id = (SELECT CAST(value AS INTEGER) FROM project_settings WHERE key = 'current_run_id')
  LEFT JOIN predictions pr ON pr.run_id = r.id AND pr.image_id = i.id
  WHERE i.status = 'ok' AND i.hash IS NOT NULL
  ORDER BY i.id`;

/** Every ok image in id order, with what the map colours it by (the current run's predictions). */
export function mapPointRows(db: Database): Iterable<MapPointRow> {
  return db.prepare(POINTS_SQL).iterate(...MISLABELED.params) as Iterable<MapPointRow>;
}

export interface ClusterCandidate {
  id: number;
  hash: string;
  /** 1 when the image has features for the model. */
  has: number;
}

/** The ok images cluster proposals may group: the unlabeled ones, or all. */
export function clusterCandidates(
  db: Database,
  modelId: number,
  scope: 'unlabeled' | 'all',
): ClusterCandidate[] {
  const scopeSql =
    scope === 'unlabeled' ? 'AND NOT EXISTS (SELECT 1 FROM labels l WHERE l.image_id = i.id)' : '';
  return db
    .prepare(
      `SELECT i.id, i.hash, EXISTS (SELECT 1 FROM features f WHERE f.model_id = ? AND f.variant = 0 AND f.hash = i.hash) AS has
       FROM images i WHERE i.status = 'ok' AND i.hash IS NOT NULL ${scopeSql} ORDER BY i.id`,
    )
    .all(modelId) as ClusterCandidate[];
}
