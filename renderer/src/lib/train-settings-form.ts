/**
 * The training settings form's numeric fields, read with the same table and words as the API
 * (src/train/settings.ts): what the form refuses, `train.start` refuses with the same message.
 */
import {
  settingProblem,
  TRAIN_SETTING_FIELDS,
  type NumericSettingKey,
  type TrainSettings,
} from '../../../src/domain/train-settings.ts';

export const NUMERIC_SETTINGS: readonly { key: NumericSettingKey; label: string }[] = [
  { key: 'epochs', label: 'Epochs' },
  { key: 'patience', label: 'Patience' },
  { key: 'learningRate', label: 'Learning rate' },
  { key: 'batchSize', label: 'Batch size' },
  { key: 'l2', label: 'L2' },
  { key: 'seed', label: 'Seed' },
];

/** The input's min, max and step attributes. */
export function inputLimits(key: NumericSettingKey): { min: number; max: number; step: number | 'any' } {
  const f = TRAIN_SETTING_FIELDS[key];
  return { min: f.min, max: f.max, step: f.type === 'int' ? 1 : 'any' };
}

/**
 * The settings a person typed (empty fields keep the backend's default) and, per field, why a
 * value would be refused.
 */
export function readNumericSettings(text: Partial<Record<NumericSettingKey, string | number | null>>): {
  settings: Partial<TrainSettings>;
  problems: Partial<Record<NumericSettingKey, string>>;
} {
  const settings: Partial<TrainSettings> = {};
  const problems: Partial<Record<NumericSettingKey, string>> = {};
  for (const { key } of NUMERIC_SETTINGS) {
    // A number input's binding gives a number, or null (or '') when empty.
    const raw = String(text[key] ?? '').trim();
    if (raw === '') continue;
    const value = Number(raw);
    settings[key] = value;
    const problem = settingProblem(key, value);
    if (problem !== null) problems[key] = problem;
  }
  return { settings, problems };
}
