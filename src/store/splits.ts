import { createHash } from 'node:crypto';
import type { Split } from '../domain/splits.ts';

/** Percent of images in train and validation; the rest is test. */
export const SPLIT_PERCENT = { train: 80, validation: 10 } as const;

/**
 * The split of an image, from its content hash and the project seed: the same bytes always
 * land in the same split within a project, and adding images never moves existing ones.
 * Hashing (seed, hash) again, rather than reading the content hash's digits, lets a project
 * re-deal its splits by changing the seed.
 */
export function splitFor(seed: string, key: string): Split {
  const bucket = createHash('sha256').update(`${seed}:${key}`).digest().readUInt32BE(0) % 100;
  if (bucket < SPLIT_PERCENT.train) return 'train';
  if (bucket < SPLIT_PERCENT.train + SPLIT_PERCENT.validation) return 'validation';
  return 'test';
}
