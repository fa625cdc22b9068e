import { createHash } from 'node:crypto';

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

/**
 * Sorts in place, in one order whoever builds the set (SQL on the worker, a filter of cached rows
 * on the API thread), so both arrive at the same key. Nearly free on input sorted already.
 */
export function sortHashes(hashes: string[]): string[] {
  return hashes.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

export function featureSetKey(modelId: number, hashes: readonly string[]): string {
  const h = createHash('sha256');
  h.update(`model ${modelId}\n`);
  for (const x of hashes) h.update(x + '\n');
  return h.digest('hex');
}
