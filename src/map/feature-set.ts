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

export function featureSetKey(modelId: number, hashes: readonly string[]): string {
  const h = createHash('sha256');
  h.update(`model ${modelId}\n`);
  for (const x of hashes) h.update(x + '\n');
  return h.digest('hex');
}
