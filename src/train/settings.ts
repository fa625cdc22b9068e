/**
 * Training settings: defaults and a plain validator (no zod, so that the pure training code has
 * no schema dependency). Errors are `ApiError('invalid_args')` because settings arrive from users.
 */
import { ApiError } from '../domain/errors.ts';

import type { ClassWeighting, HeadSettings as TrainSettings, OptimizerName } from '../domain/training.ts';

export type { ClassWeighting, OptimizerName, TrainSettings };

export const DEFAULT_LEARNING_RATE: Readonly<Record<OptimizerName, number>> = { adam: 1e-3, sgd: 1e-2 };

export const DEFAULT_TRAIN_SETTINGS: Readonly<TrainSettings> = Object.freeze({
  epochs: 100,
  earlyStopping: true,
  patience: 10,
  learningRate: DEFAULT_LEARNING_RATE.adam,
  batchSize: 64,
  l2: 1e-4,
  optimizer: 'adam',
  momentum: 0.9,
  classWeighting: 'auto',
  standardize: true,
  seed: 1,
});

/** Ratio of largest to smallest class (by summed sample weight) above which 'auto' balances. */
export const AUTO_BALANCE_RATIO = 1.5;

const KNOWN = Object.keys(DEFAULT_TRAIN_SETTINGS) as (keyof TrainSettings)[];

function isInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v);
}
function isNum(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}
const show = (v: unknown): string => (typeof v === 'string' ? JSON.stringify(v) : String(v));

/**
 * Fills in defaults and checks every field. All problems are reported at once. The learning
 * rate default follows the optimizer when the caller does not give one.
 */
export function resolveTrainSettings(partial: Partial<TrainSettings> | undefined = {}): TrainSettings {
  if (partial === null || typeof partial !== 'object' || Array.isArray(partial)) {
    throw new ApiError('invalid_args', 'Training settings must be an object, e.g. { "epochs": 50 }.');
  }
  const given = partial as Record<string, unknown>;
  const problems: string[] = [];
  for (const key of Object.keys(given)) {
    if (!(KNOWN as string[]).includes(key) && given[key] !== undefined) {
      problems.push(`unknown setting "${key}" (known: ${KNOWN.join(', ')})`);
    }
  }
  const pick = <K extends keyof TrainSettings>(k: K): unknown => given[k] ?? DEFAULT_TRAIN_SETTINGS[k];
  const optimizer = pick('optimizer');
  if (optimizer !== 'adam' && optimizer !== 'sgd') {
    problems.push(`optimizer must be "adam" or "sgd" (got ${show(optimizer)})`);
  }
  const classWeighting = pick('classWeighting');
  if (classWeighting !== 'balanced' && classWeighting !== 'none' && classWeighting !== 'auto') {
    problems.push(`classWeighting must be "balanced", "none" or "auto" (got ${show(classWeighting)})`);
  }
  const learningRate =
    given.learningRate ?? (optimizer === 'sgd' ? DEFAULT_LEARNING_RATE.sgd : DEFAULT_LEARNING_RATE.adam);
  const s = {
    epochs: pick('epochs'),
    earlyStopping: pick('earlyStopping'),
    patience: pick('patience'),
    learningRate,
    batchSize: pick('batchSize'),
    l2: pick('l2'),
    optimizer,
    momentum: pick('momentum'),
    classWeighting,
    standardize: pick('standardize'),
    seed: pick('seed'),
  };
  if (!isInt(s.epochs) || s.epochs < 1 || s.epochs > 100_000) {
    problems.push(`epochs must be a whole number from 1 to 100000 (got ${show(s.epochs)})`);
  }
  if (typeof s.earlyStopping !== 'boolean') problems.push(`earlyStopping must be true or false`);
  if (!isInt(s.patience) || s.patience < 1 || s.patience > 100_000) {
    problems.push(`patience must be a whole number of epochs, at least 1 (got ${show(s.patience)})`);
  }
  if (!isNum(s.learningRate) || s.learningRate <= 0 || s.learningRate > 10) {
    problems.push(`learningRate must be a number above 0 and at most 10 (got ${show(s.learningRate)})`);
  }
  if (!isInt(s.batchSize) || s.batchSize < 1 || s.batchSize > 65_536) {
    problems.push(`batchSize must be a whole number from 1 to 65536 (got ${show(s.batchSize)})`);
  }
  if (!isNum(s.l2) || s.l2 < 0 || s.l2 > 100) {
    problems.push(`l2 must be a number from 0 to 100 (got ${show(s.l2)})`);
  }
  if (!isNum(s.momentum) || s.momentum < 0 || s.momentum >= 1) {
    problems.push(`momentum must be a number from 0 up to (not including) 1 (got ${show(s.momentum)})`);
  }
  if (typeof s.standardize !== 'boolean') problems.push(`standardize must be true or false`);
  if (!isInt(s.seed)) problems.push(`seed must be a whole number (got ${show(s.seed)})`);
  if (problems.length > 0) {
    throw new ApiError('invalid_args', `Invalid training settings: ${problems.join('; ')}.`, { problems });
  }
  return s as TrainSettings;
}
