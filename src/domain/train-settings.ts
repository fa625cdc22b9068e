/**
 * Training settings, once: each one's type, limits and default, and the words that refuse a bad
 * value. The API's schema (train.start), src/train/settings.ts's resolveTrainSettings and the
 * renderer's settings form are all built from this table.
 */

export type OptimizerName = 'adam' | 'sgd';
export type ClassWeighting = 'balanced' | 'none' | 'auto';

/** A whole or real number within [min, max] (min itself excluded when `minExclusive`). */
interface NumberField {
  type: 'int' | 'number';
  min: number;
  max: number;
  minExclusive?: boolean;
  default: number;
}
interface BooleanField {
  type: 'boolean';
  default: boolean;
}
interface ChoiceField<C extends string> {
  type: 'choice';
  choices: readonly C[];
  default: C;
}
type Field = NumberField | BooleanField | ChoiceField<string>;

/**
 * Every training setting, once: its type, limits and default. The API's schema
 * (`train.start`), `resolveTrainSettings` and the settings form are all built from this table,
 * so they accept and refuse the same values with the same words.
 */
export const TRAIN_SETTING_FIELDS = {
  /** Upper bound on passes over the training set. */
  epochs: { type: 'int', min: 1, max: 10_000, default: 100 },
  /** Stop when the monitored loss has not improved for `patience` epochs (see head.ts). */
  earlyStopping: { type: 'boolean', default: true },
  patience: { type: 'int', min: 1, max: 1000, default: 10 },
  /** Adam default 1e-3, SGD default 1e-2 (see DEFAULT_LEARNING_RATE). */
  learningRate: { type: 'number', min: 0, minExclusive: true, max: 10, default: 1e-3 },
  batchSize: { type: 'int', min: 1, max: 65_536, default: 64 },
  /** Coefficient of `l2 * sum(W^2)` added to the loss (the kernel only; the bias is not decayed). */
  l2: { type: 'number', min: 0, max: 10, default: 1e-4 },
  optimizer: { type: 'choice', choices: ['adam', 'sgd'] as const, default: 'adam' },
  /** SGD only. */
  momentum: { type: 'number', min: 0, max: 0.999, default: 0.9 },
  /** 'auto' means 'balanced' when the largest class outweighs the smallest by more than 1.5×. */
  classWeighting: { type: 'choice', choices: ['auto', 'balanced', 'none'] as const, default: 'auto' },
  /**
   * Train on z-scored features and fold the transform back into W and b at the end (the optimum
   * is unchanged: the L2 term stays in raw-feature units). On by default: Adam moves each weight
   * by about the learning rate whatever its gradient, so a step changes the logits by roughly
   * lr · Σ|x|, which on raw features depends on the model (pool5 values of a few units in the
   * zoo's GoogLeNet, tens in others) — seen here as a loss that oscillated and early stopping
   * that gave up at chance. z-scoring makes one learning rate fit every model. (It generalised
   * slightly worse on synthetic unit-scale data, where the scale problem does not arise.)
   */
  standardize: { type: 'boolean', default: true },
  seed: { type: 'int', min: 0, max: 2 ** 31 - 1, default: 1 },
} as const satisfies Record<string, Field>;

type Fields = typeof TRAIN_SETTING_FIELDS;
export type TrainSettingKey = keyof Fields;
type ValueOf<F> = F extends BooleanField ? boolean : F extends ChoiceField<infer C> ? C : number;

/** See TRAIN_SETTING_FIELDS for what each setting does. */
export type TrainSettings = { -readonly [K in TrainSettingKey]: ValueOf<Fields[K]> };

/** The numeric settings and their limits (what a form's min/max show). */
export type NumericSettingKey = {
  [K in TrainSettingKey]: Fields[K] extends NumberField ? K : never;
}[TrainSettingKey];

export const DEFAULT_LEARNING_RATE: Readonly<Record<OptimizerName, number>> = { adam: 1e-3, sgd: 1e-2 };

export const DEFAULT_TRAIN_SETTINGS: Readonly<TrainSettings> = Object.freeze(
  Object.fromEntries(Object.entries(TRAIN_SETTING_FIELDS).map(([k, f]) => [k, f.default])) as TrainSettings,
);

const show = (v: unknown): string => (typeof v === 'string' ? JSON.stringify(v) : String(v));
const list = (choices: readonly string[]): string =>
  choices
    .map((c) => JSON.stringify(c))
    .join(', ')
    .replace(/, ([^,]*)$/, ' or $1');

/** Why `value` is not a valid `key`, in words a person can act on; null when it is valid. */
export function settingProblem(key: TrainSettingKey, value: unknown): string | null {
  const f: Field = TRAIN_SETTING_FIELDS[key];
  switch (f.type) {
    case 'boolean':
      return typeof value === 'boolean' ? null : `${key} must be true or false (got ${show(value)})`;
    case 'choice':
      return typeof value === 'string' && f.choices.includes(value)
        ? null
        : `${key} must be ${list(f.choices)} (got ${show(value)})`;
    case 'int':
      return typeof value === 'number' && Number.isSafeInteger(value) && value >= f.min && value <= f.max
        ? null
        : `${key} must be a whole number from ${f.min} to ${f.max} (got ${show(value)})`;
    case 'number': {
      const low = f.minExclusive ? `above ${f.min} and at most` : `from ${f.min} to`;
      return typeof value === 'number' &&
        Number.isFinite(value) &&
        (f.minExclusive ? value > f.min : value >= f.min) &&
        value <= f.max
        ? null
        : `${key} must be a number ${low} ${f.max} (got ${show(value)})`;
    }
  }
}
