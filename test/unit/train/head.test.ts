import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeClassWeights, trainHead } from '../../../src/train/head.ts';
import { resolveTrainSettings } from '../../../src/train/settings.ts';
import { DEFAULT_TRAIN_SETTINGS } from '../../../src/domain/train-settings.ts';

test('class weights: balanced, none, and auto above a 1.5× imbalance', () => {
  const y = Int32Array.from([0, 0, 0, 0, 1, 1, 2, 2]);
  assert.deepEqual(Array.from(computeClassWeights(y, undefined, 3, 'balanced')), [8 / 12, 8 / 6, 8 / 6]);
  assert.deepEqual(Array.from(computeClassWeights(y, undefined, 3, 'none')), [1, 1, 1]);
  assert.deepEqual(Array.from(computeClassWeights(y, undefined, 3, 'auto')), [8 / 12, 8 / 6, 8 / 6]);
  const even = Int32Array.from([0, 0, 0, 1, 1, 2, 2]); // 1.5× exactly: not above
  assert.deepEqual(Array.from(computeClassWeights(even, undefined, 3, 'auto')), [1, 1, 1]);
  // Sample weights count, not rows: 4 variants at ¼ each are one image. A class with none gets 0.
  const w = Float32Array.from([0.25, 0.25, 0.25, 0.25, 1, 1]);
  const y2 = Int32Array.from([0, 0, 0, 0, 1, 1]);
  assert.deepEqual(Array.from(computeClassWeights(y2, w, 3, 'balanced')), [1.5, 0.75, 0]);
});

test('settings: defaults, optimizer-dependent learning rate, and clear refusals', () => {
  assert.deepEqual(resolveTrainSettings({}), DEFAULT_TRAIN_SETTINGS);
  assert.equal(resolveTrainSettings({ optimizer: 'sgd' }).learningRate, 1e-2);
  assert.equal(resolveTrainSettings({ optimizer: 'sgd', learningRate: 0.5 }).learningRate, 0.5);
  assert.throws(
    () =>
      resolveTrainSettings({
        epochs: 0,
        learningRate: -1,
        batchSize: 2.5,
        optimizer: 'rmsprop' as 'adam',
        lr: 1,
      } as never),
    (err: Error & { code?: string }) => {
      assert.equal(err.code, 'invalid_args');
      for (const part of ['epochs', 'learningRate', 'batchSize', 'optimizer', 'unknown setting "lr"']) {
        assert.match(err.message, new RegExp(part));
      }
      return true;
    },
  );
  assert.throws(() => resolveTrainSettings({ classWeighting: 'yes' as 'auto' }), /classWeighting/);
  assert.throws(() => resolveTrainSettings({ seed: 0.5 }), /seed/);
  assert.throws(() => resolveTrainSettings({ l2: Number.NaN }), /l2/);
});

test('bad data is refused with a message saying what is wrong', async () => {
  const base = { featureDim: 2, numClasses: 2 };
  await assert.rejects(
    trainHead({ ...base, train: { x: new Float32Array(3), y: new Int32Array(2) } }),
    /expected 2 rows × 2/,
  );
  await assert.rejects(
    trainHead({ ...base, train: { x: new Float32Array(4), y: Int32Array.from([0, 2]) } }),
    /not a class index/,
  );
  await assert.rejects(
    trainHead({
      ...base,
      train: { x: Float32Array.from([0, 1, Number.NaN, 0]), y: Int32Array.from([0, 1]) },
    }),
    /sample 1 contains NaN/,
  );
  await assert.rejects(
    trainHead({ ...base, train: { x: new Float32Array(0), y: new Int32Array(0) } }),
    /no training/,
  );
});
