/** Feature vectors per model and content hash, and the images whose features could not be computed. */
import type { Database } from 'better-sqlite3';
import { floatBlob } from './runs.ts';

/** One distinct image content still missing its plain vector (`base`) or its augmented views. */
export interface FeatureWorkRow {
  hash: string;
  path: string;
  base: boolean;
  augment: boolean;
}

/**
 * Distinct content still to embed for a model: duplicates share one vector. Variant 0 for every
 * readable image; with `augment`, variants 1.. for labeled training images. Content that failed
 * before is left out until its failure is cleared.
 */
export function featureWork(
  db: Database,
  modelId: number,
  opts: { augment: boolean; labeledOnly: boolean },
): FeatureWorkRow[] {
  const rows = db
    .prepare(
      `SELECT i.hash AS hash, min(i.path) AS path,
              (@augment AND max(l.image_id IS NOT NULL AND i.split = 'train')
                AND NOT EXISTS (SELECT 1 FROM features a WHERE a.model_id = @m AND a.variant = 1 AND a.hash = i.hash)) AS augment,
              NOT EXISTS (SELECT 1 FROM features f WHERE f.model_id = @m AND f.variant = 0 AND f.hash = i.hash) AS base
       FROM images i LEFT JOIN labels l ON l.image_id = i.id
       WHERE i.status = 'ok' AND i.hash IS NOT NULL
         AND NOT EXISTS (SELECT 1 FROM feature_failures x WHERE x.model_id = @m AND x.hash = i.hash)
         ${opts.labeledOnly ? 'AND l.image_id IS NOT NULL' : ''}
       GROUP BY i.hash ORDER BY min(i.id)`,
    )
    .all({ m: modelId, augment: opts.augment ? 1 : 0 }) as {
    hash: string;
    path: string;
    base: number;
    augment: number;
  }[];
  return rows
    .filter((r) => r.base || r.augment)
    .map((r) => ({ hash: r.hash, path: r.path, base: r.base === 1, augment: r.augment === 1 }));
}

export interface FeatureVector {
  variant: number;
  hash: string;
  vector: Float32Array;
}

/** Writes one batch of vectors and failures of a model, all or nothing. */
export type FeatureBatchWriter = (
  vectors: readonly FeatureVector[],
  failures: readonly { hash: string; error: string }[],
) => void;

export function featureBatchWriter(db: Database, modelId: number): FeatureBatchWriter {
  const insert = db.prepare(
    'INSERT OR REPLACE INTO features (model_id, variant, hash, vector) VALUES (?, ?, ?, ?)',
  );
  const fail = db.prepare('INSERT OR REPLACE INTO feature_failures (model_id, hash, error) VALUES (?, ?, ?)');
  const write = db.transaction(
    (vectors: readonly FeatureVector[], failures: readonly { hash: string; error: string }[]) => {
      for (const v of vectors) insert.run(modelId, v.variant, v.hash, floatBlob(v.vector));
      for (const f of failures) fail.run(modelId, f.hash, f.error);
    },
  );
  return (vectors, failures) => {
    write(vectors, failures);
  };
}
