import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseArgs } from '../../../src/api/dispatch.ts';
import { ApiError } from '../../../src/domain/errors.ts';
import { resolveTrainSettings } from '../../../src/train/settings.ts';
import {
  DEFAULT_TRAIN_SETTINGS,
  settingProblem,
  TRAIN_SETTING_FIELDS,
  type TrainSettingKey,
} from '../../../src/domain/train-settings.ts';
import {
  inputLimits,
  NUMERIC_SETTINGS,
  readNumericSettings,
} from '../../../renderer/src/lib/train-settings-form.ts';

const inForm = new Set<string>(NUMERIC_SETTINGS.map((f) => f.key));

/** What each path says about `key = value`: null when it accepts, else its message. */
function verdicts(
  key: TrainSettingKey,
  value: unknown,
): { api: string | null; train: string | null; form?: string | null } {
  const refusal = (fn: () => unknown): string | null => {
    try {
      fn();
      return null;
    } catch (err) {
      assert.ok(err instanceof ApiError && err.code === 'invalid_args', String(err));
      return err.message;
    }
  };
  const out: { api: string | null; train: string | null; form?: string | null } = {
    api: refusal(() => parseArgs('train.start', { settings: { [key]: value } })),
    train: refusal(() => resolveTrainSettings({ [key]: value })),
  };
  if (inForm.has(key) && typeof value === 'number') {
    const read = readNumericSettings({ [key]: String(value) });
    out.form = read.problems[key as keyof typeof read.problems] ?? null;
  }
  return out;
}

function assertAccepted(key: TrainSettingKey, value: unknown): void {
  const v = verdicts(key, value);
  assert.deepEqual(
    v,
    { api: null, train: null, ...(v.form !== undefined ? { form: null } : {}) },
    `${key} = ${String(value)}`,
  );
}

function assertRefused(key: TrainSettingKey, value: unknown): void {
  const expected = settingProblem(key, value);
  assert.ok(expected, `${key} = ${String(value)} is out of range`);
  const v = verdicts(key, value);
  assert.ok(v.api?.includes(`settings.${key}: ${expected}`), `API: ${v.api}`);
  assert.ok(v.train?.includes(expected), `training: ${v.train}`);
  if (v.form !== undefined) assert.equal(v.form, expected, 'form');
}

test('every numeric setting: accepted at each limit by the API, training and the form; refused just beyond with one message', () => {
  let checked = 0;
  for (const [key, f] of Object.entries(TRAIN_SETTING_FIELDS) as [
    TrainSettingKey,
    (typeof TRAIN_SETTING_FIELDS)[TrainSettingKey],
  ][]) {
    if (f.type !== 'int' && f.type !== 'number') continue;
    const step = f.type === 'int' ? 1 : Math.max(1e-9, f.max * 1e-9);
    assertAccepted(key, f.max);
    assertRefused(key, f.max + step);
    if ('minExclusive' in f && f.minExclusive) {
      assertAccepted(key, f.min + step);
      assertRefused(key, f.min);
    } else {
      assertAccepted(key, f.min);
      assertRefused(key, f.min - step);
    }
    if (f.type === 'int') assertRefused(key, f.min + 0.5);
    if (inForm.has(key)) {
      const limits = inputLimits(key as Parameters<typeof inputLimits>[0]);
      assert.deepEqual([limits.min, limits.max], [f.min, f.max], `${key}: the inputs' min and max`);
    }
    checked++;
  }
  assert.equal(checked, 7);
});

test('choices and switches: the same refusal from the API and from training', () => {
  assertAccepted('optimizer', 'sgd');
  assertRefused('optimizer', 'rmsprop');
  assertAccepted('classWeighting', 'none');
  assertRefused('classWeighting', 'yes');
  assertAccepted('standardize', false);
  assertRefused('earlyStopping', 'yes');
});

test('the defaults come from the same table and pass every check', () => {
  for (const [key, f] of Object.entries(TRAIN_SETTING_FIELDS) as [TrainSettingKey, { default: unknown }][]) {
    assert.equal(DEFAULT_TRAIN_SETTINGS[key], f.default, key);
    assert.equal(settingProblem(key, f.default), null, key);
  }
  assert.deepEqual(parseArgs('train.start', {}).settings, {});
  // Empty form fields send nothing: the backend's defaults apply.
  assert.deepEqual(readNumericSettings({ epochs: '', seed: null }), { settings: {}, problems: {} });
});
