/**
 * What training and export read from a project: labeled images with their cached feature
 * vectors. Read-only; the run they produce is written by `insertRun` in runs.ts.
 */
import type { Database } from 'better-sqlite3';
import type { Split } from '../domain/splits.ts';
import { readFloats } from './runs.ts';
import { stmt } from './statements.ts';

export interface LabeledImage {
  imageId: number;
  hash: string;
  split: Split;
  classId: number;
}

/** Readable, hashed images that have a label, in id order. */
export function labeledImages(db: Database): LabeledImage[] {
  return stmt<[], LabeledImage>(
    db,
    `SELECT i.id AS imageId, i.hash AS hash, i.split AS split, l.class_id AS classId
     FROM images i JOIN labels l ON l.image_id = i.id
     WHERE i.status = 'ok' AND i.hash IS NOT NULL ORDER BY i.id`,
  ).all();
}

/** Cached feature vectors by content hash; variant 0 is the plain image, 1.. augmented views. */
export type FeatureReader = (hash: string, variant?: number) => Float32Array | null;

export function featureReader(db: Database, modelId: number): FeatureReader {
  const vectorOf = stmt<[number, number, string], Buffer>(
    db,
    'SELECT vector FROM features WHERE model_id = ? AND variant = ? AND hash = ?',
  ).pluck();
  return (hash, variant = 0) => {
    const blob = vectorOf.get(modelId, variant, hash);
    return blob ? readFloats(blob) : null;
  };
}

export interface ImageFeatures {
  imageId: number;
  split: Split;
  vector: Float32Array;
}

/** Every readable image that has plain features for the model, in id order. */
export function imagesWithFeatures(db: Database, modelId: number): ImageFeatures[] {
  return stmt<[number], { imageId: number; split: Split; vector: Buffer }>(
    db,
    `SELECT i.id AS imageId, i.split AS split, f.vector AS vector
     FROM images i JOIN features f ON f.model_id = ? AND f.variant = 0 AND f.hash = i.hash
     WHERE i.status = 'ok' ORDER BY i.id`,
  )
    .all(modelId)
    .map((r) => ({ imageId: r.imageId, split: r.split, vector: readFloats(r.vector) }));
}

/**
 * Up to `max` of the given images (in the order given) that are still readable and have plain
 * features for the model, with their files' paths.
 */
export function imageFilesWithFeatures(
  db: Database,
  modelId: number,
  imageIds: readonly number[],
  max: number,
): { path: string; features: Float32Array }[] {
  const lookup = stmt<[number, number], { path: string; vector: Buffer }>(
    db,
    `SELECT i.path, f.vector FROM images i JOIN features f ON f.model_id = ? AND f.variant = 0 AND f.hash = i.hash
     WHERE i.id = ? AND i.status = 'ok'`,
  );
  const found: { path: string; features: Float32Array }[] = [];
  for (const imageId of imageIds) {
    if (found.length >= max) break;
    const r = lookup.get(modelId, imageId);
    if (r) found.push({ path: r.path, features: readFloats(r.vector) });
  }
  return found;
}
