// Training runs of the classification head (tfjs): seconds of CPU, so not unit tests.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../../../src/model/tfjs-runtime.ts';
import { TRAIN_TUNING, trainHead, type TrainData } from '../../../src/train/head.ts';
import { predictHead } from '../../../src/train/predict.ts';
import { blobs, noise, objective, randomCenters } from '../../unit/train/synthetic.ts';
import { referenceFit } from '../../unit/train/reference.ts';

async function accuracy(head: Parameters<typeof predictHead>[0], rows: { x: Float32Array; y: Int32Array }) {
  const p = await predictHead(head, rows.x, rows.y.length);
  let ok = 0;
  for (let i = 0; i < rows.y.length; i++) if (p.top[i] === rows.y[i]) ok++;
  return ok / rows.y.length;
}

test('linearly separable features: validation accuracy 1.0', async () => {
  const d = 32;
  const C = 5;
  // Centers ~ N(0, 3²) per axis are ≥ ~15 apart; noise σ = 0.5 per axis keeps classes far apart.
  const centers = randomCenters(C, d, 3, 1);
  const data: TrainData = {
    featureDim: d,
    numClasses: C,
    train: blobs(centers, 500, 0.5, 2),
    validation: blobs(centers, 500, 0.5, 3),
  };
  const head = await trainHead(data, { seed: 7 });
  assert.equal(head.history.at(-1)!.accuracy, 1);
  assert.equal(head.history[head.bestEpoch - 1]!.valAccuracy, 1);
  assert.equal(await accuracy(head, data.validation!), 1);
  assert.equal(head.weights.length, d * C);
  assert.equal(head.bias.length, C);
});

test('pure noise features: validation accuracy near chance', async () => {
  const d = 64;
  const C = 4;
  const nVal = 2000;
  const data: TrainData = {
    featureDim: d,
    numClasses: C,
    train: noise(800, d, C, 10),
    validation: noise(nVal, d, C, 11),
  };
  const head = await trainHead(data, { seed: 3 });
  const acc = await accuracy(head, data.validation!);
  // Labels are independent of the features, so each validation prediction is right with
  // probability 1/C whatever was learned: accuracy ~ Binomial(2000, 1/4)/2000, σ ≈ 0.0097.
  // ± 0.045 is > 4.5σ.
  const sigma = Math.sqrt(((1 / C) * (1 - 1 / C)) / nVal);
  assert.ok(Math.abs(acc - 1 / C) < 0.045, `accuracy ${acc} vs chance ${1 / C} (σ ${sigma.toFixed(4)})`);
  // And the training accuracy shows it did fit something (d = 64 on 800 rows overfits).
  assert.ok(head.history[0]!.accuracy < 0.5);
});

for (const standardize of [false, true]) {
  test(`training objective within 2% of a float64 full-batch reference (standardize: ${standardize})`, async () => {
    const d = 10;
    const C = 3;
    const l2 = 1e-3;
    // Overlapping classes, so the optimum is well inside the data (loss ~0.5, not ~0).
    const centers = randomCenters(C, d, 0.6, 21);
    const rows = blobs(centers, 300, 1, 22);
    for (let i = 0; i < rows.x.length; i++) rows.x[i]! += 0.5; // not centred, like real features
    const ref = referenceFit(rows, d, C, l2);
    assert.ok(ref.gradNorm < 1e-8, `reference did not converge (|g| = ${ref.gradNorm})`);
    const best = objective(ref.weights, ref.bias, rows, d, C, l2);

    const head = await trainHead(
      { featureDim: d, numClasses: C, train: rows },
      // Default Adam rate; 1000 epochs × 10 batches is well past convergence for 33 weights.
      { l2, classWeighting: 'none', epochs: 1000, earlyStopping: false, batchSize: 32, standardize, seed: 5 },
    );
    const ours = objective(head.weights, head.bias, rows, d, C, l2);
    assert.ok(ours >= best - 1e-9, `reference ${best} is not the minimum: ours ${ours}`);
    assert.ok((ours - best) / best < 0.02, `objective ${ours} vs reference ${best}`);
  });
}

test('same seed → bit-identical weights; different seed → different weights', async () => {
  const d = 48;
  const C = 4;
  const centers = randomCenters(C, d, 1, 31);
  const data: TrainData = {
    featureDim: d,
    numClasses: C,
    train: blobs(centers, 400, 1, 32),
    validation: blobs(centers, 100, 1, 33),
  };
  const settings = { seed: 1234, epochs: 15 };
  const a = await trainHead(data, settings);
  const b = await trainHead(data, settings);
  const c = await trainHead(data, { ...settings, seed: 1235 });
  const bytes = (f: Float32Array) => Buffer.from(f.buffer, f.byteOffset, f.byteLength);
  assert.ok(bytes(a.weights).equals(bytes(b.weights)));
  assert.ok(bytes(a.bias).equals(bytes(b.bias)));
  assert.deepEqual(
    a.history.map((h) => h.valLoss),
    b.history.map((h) => h.valLoss),
  );
  assert.ok(!bytes(a.weights).equals(bytes(c.weights)));
});

test('the memory-saving layout for very large sets trains the same model', async () => {
  const centers = randomCenters(4, 40, 1, 35);
  const data: TrainData = {
    featureDim: 40,
    numClasses: 4,
    train: blobs(centers, 500, 1, 36),
    validation: blobs(centers, 200, 1, 37),
  };
  const dual = await trainHead(data, { epochs: 10, seed: 2 });
  const saved = TRAIN_TUNING.dualLayoutMaxValues;
  TRAIN_TUNING.dualLayoutMaxValues = 0;
  try {
    const single = await trainHead(data, { epochs: 10, seed: 2 });
    // Same batches and updates; only the summation order inside the products differs.
    let worst = 0;
    for (let j = 0; j < dual.weights.length; j++) {
      worst = Math.max(worst, Math.abs(dual.weights[j]! - single.weights[j]!));
    }
    assert.ok(worst < 1e-3, `weights differ by up to ${worst}`);
    assert.ok(Math.abs(dual.history.at(-1)!.valLoss! - single.history.at(-1)!.valLoss!) < 1e-3);
  } finally {
    TRAIN_TUNING.dualLayoutMaxValues = saved;
  }
});

test('cancelling through an AbortSignal rejects with AbortError', async () => {
  const centers = randomCenters(3, 16, 1, 41);
  const data: TrainData = { featureDim: 16, numClasses: 3, train: blobs(centers, 3000, 1, 42) };
  const before = tf.memory().numTensors;

  // Aborted from a hook, mid-run.
  const ctl = new AbortController();
  const epochs: number[] = [];
  await assert.rejects(
    trainHead(
      data,
      { epochs: 50, earlyStopping: false },
      {
        signal: ctl.signal,
        onEpoch: (e) => {
          epochs.push(e.epoch);
          if (e.epoch === 3) ctl.abort();
        },
      },
    ),
    (err: Error) => err.name === 'AbortError',
  );
  assert.deepEqual(epochs, [1, 2, 3]);

  // Aborted from another task while training runs: the loop must yield to see it.
  const ctl2 = new AbortController();
  const seen: number[] = [];
  const run = trainHead(
    data,
    { epochs: 10_000, earlyStopping: false },
    { signal: ctl2.signal, onEpoch: (e) => void seen.push(e.epoch) },
  );
  setTimeout(() => ctl2.abort(new Error('user pressed stop')), 200);
  await assert.rejects(
    run,
    (err: Error) => err.name === 'AbortError' && (err.cause as Error).message === 'user pressed stop',
  );
  assert.ok(seen.length > 0 && seen.length < 10_000);

  // Already aborted: rejects before doing anything.
  await assert.rejects(trainHead(data, {}, { signal: AbortSignal.abort() }), { name: 'AbortError' });
  assert.equal(tf.memory().numTensors, before, 'tensors leaked by cancelled runs');
});

test('no tensors leak across training and prediction', async () => {
  const centers = randomCenters(4, 24, 1, 51);
  const data: TrainData = {
    featureDim: 24,
    numClasses: 4,
    train: blobs(centers, 300, 1, 52),
    validation: blobs(centers, 2500, 1, 53), // several validation chunks
  };
  await trainHead(data, { epochs: 2 }); // warm-up: backend init may create tensors once
  const before = tf.memory().numTensors;
  for (let i = 0; i < 3; i++) {
    const head = await trainHead(data, { epochs: 5, seed: i });
    await predictHead(head, data.validation!.x, data.validation!.y.length, { rowsPerChunk: 700 });
  }
  assert.equal(tf.memory().numTensors, before);
});

test('early stopping restores the best validation epoch', async () => {
  // Few rows, many dimensions and a quarter of the training labels wrong (evenly across classes,
  // so no class weighting kicks in): validation loss levels off and wobbles, so patience runs
  // out and the best epoch is not the last.
  const d = 100;
  const C = 3;
  const centers = randomCenters(C, d, 0.3, 61);
  const train = blobs(centers, 60, 1, 62);
  for (let i = 0; i < 60; i += 4) train.y[i] = (train.y[i]! + 1) % C;
  const data: TrainData = { featureDim: d, numClasses: C, train, validation: blobs(centers, 300, 1, 63) };
  const head = await trainHead(data, { patience: 5, l2: 0, epochs: 500, batchSize: 8 });
  assert.deepEqual(head.classWeights, [1, 1, 1]);
  assert.ok(head.stoppedEarly);
  assert.ok(head.epochsRun >= head.bestEpoch && head.epochsRun <= head.bestEpoch + 5 && head.epochsRun < 500);
  const vl = head.history.map((h) => h.valLoss!);
  assert.equal(Math.min(...vl), vl[head.bestEpoch - 1]);
  assert.ok(head.bestEpoch < head.epochsRun, 'validation loss should have turned up before the end');
  // The returned weights are the best epoch's: their validation loss matches that epoch's.
  const p = await predictHead(head, data.validation!.x, 300);
  let loss = 0;
  for (let i = 0; i < 300; i++) loss -= Math.log(p.probs[i * C + data.validation!.y[i]!]!);
  assert.ok(
    Math.abs(loss / 300 - vl[head.bestEpoch - 1]!) < 1e-4,
    `${loss / 300} vs ${vl[head.bestEpoch - 1]}`,
  );
});

test('epoch hook reports progress', async () => {
  const centers = randomCenters(3, 8, 2, 71);
  const data: TrainData = {
    featureDim: 8,
    numClasses: 3,
    train: blobs(centers, 90, 1, 72),
    validation: blobs(centers, 30, 1, 73),
  };
  const seen: number[] = [];
  const head = await trainHead(
    data,
    { epochs: 4, earlyStopping: false },
    { onEpoch: (e) => void seen.push(e.epoch) },
  );
  assert.deepEqual(seen, [1, 2, 3, 4]);
  for (const e of head.history) {
    assert.equal(e.epochs, 4);
    assert.ok(e.loss > 0 && e.accuracy >= 0 && e.accuracy <= 1);
    assert.ok(e.valLoss! > 0 && e.valAccuracy! >= 0);
    assert.ok(e.elapsedMs >= 0 && e.etaMs >= 0);
  }
  assert.equal(head.history.at(-1)!.etaMs, 0);
});

test('sgd with momentum also trains', async () => {
  const centers = randomCenters(3, 16, 3, 81);
  const data: TrainData = {
    featureDim: 16,
    numClasses: 3,
    train: blobs(centers, 300, 0.5, 82),
    validation: blobs(centers, 300, 0.5, 83),
  };
  for (const standardize of [false, true]) {
    const head = await trainHead(data, { optimizer: 'sgd', standardize, epochs: 30 });
    assert.equal(head.settings.learningRate, 1e-2);
    assert.equal(await accuracy(head, data.validation!), 1);
  }
});
