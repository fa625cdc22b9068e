/**
 * Training settings: one table of types, limits and defaults, and a plain validator built from
 * it (no zod, so that the pure training code and the renderer's form have no schema dependency;
 * the API's zod schema is built from the same table). Errors are `ApiError('invalid_args')`
 * because settings arrive from users.
 */
import { ApiError } from '../domain/errors.ts';

import {
  DEFAULT_LEARNING_RATE,
  DEFAULT_TRAIN_SETTINGS,
  TRAIN_SETTING_FIELDS,
  settingProblem,
  type TrainSettingKey,
  type TrainSettings,
} from '../domain/train-settings.ts';

/** Ratio of largest to smallest class (by summed sample weight) above which 'auto' balances. */
export const AUTO_BALANCE_RATIO = 1.5;

const KNOWN = Object.keys(TRAIN_SETTING_FIELDS) as TrainSettingKey[];

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
  const pick = (k: TrainSettingKey): unknown => given[k] ?? DEFAULT_TRAIN_SETTINGS[k];
  const s = Object.fromEntries(KNOWN.map((k) => [k, pick(k)])) as Record<TrainSettingKey, unknown>;
  // The learning rate's default follows the optimizer when the caller does not give one.
  if (given.learningRate === undefined && s.optimizer === 'sgd') s.learningRate = DEFAULT_LEARNING_RATE.sgd;
  for (const k of KNOWN) {
    const problem = settingProblem(k, s[k]);
    if (problem !== null) problems.push(problem);
  }
  if (problems.length > 0) {
    throw new ApiError('invalid_args', `Invalid training settings: ${problems.join('; ')}.`, { problems });
  }
  return s as TrainSettings;
}
