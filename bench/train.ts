/**
 * Head-training benchmark: 10 000 × 1024 features, 10 classes, 50 epochs without early stopping;
 * prediction on 100 000 rows; plus the k-fold mislabel search and the duplicate search at 10 000.
 * Prints JSON when run directly: node --import tsx bench/train.ts
 */
import { cpus, loadavg } from 'node:os';
import { pathToFileURL } from 'node:url';
import { useBestBackend } from '../src/model/tfjs-runtime.ts';
import { findNearDuplicates } from '../src/train/duplicates.ts';
import { trainHead } from '../src/train/head.ts';
import { outOfFoldPredictions } from '../src/train/kfold.ts';
import { predictHead } from '../src/train/predict.ts';
import { mulberry32 } from '../src/train/random.ts';

const N = 10_000;
const D = 1024;
const C = 10;
const EPOCHS = 50;
const PREDICT_N = 100_000;

/**
 * Low-rank non-negative rows (rank 64 plus noise), closer to CNN features' structure than
 * `features`, which matters for the duplicate search's pruning.
 */
function lowRankFeatures(n: number, seed: number): Float32Array {
  const r = mulberry32(seed);
  const g = () => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
  const R = 64;
  const A = Float64Array.from({ length: D * R }, () => g() / Math.sqrt(R));
  const x = new Float32Array(n * D);
  const z = new Float64Array(R);
  for (let i = 0; i < n; i++) {
    for (let l = 0; l < R; l++) z[l] = g();
    for (let k = 0; k < D; k++) {
      let s = 0;
      for (let l = 0; l < R; l++) s += A[k * R + l]! * z[l]!;
      x[i * D + k] = Math.max(0, s) + 0.1 * Math.abs(g());
    }
  }
  return x;
}

/** Non-negative rows with i.i.d. values and a weak class signal (no low-rank structure). */
function features(n: number, seed: number): { x: Float32Array; y: Int32Array } {
  const r = mulberry32(seed);
  const x = new Float32Array(n * D);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % C;
    y[i] = c;
    for (let k = 0; k < D; k++) x[i * D + k] = r() * r() * 2 + (k % C === c ? 0.15 : 0);
  }
  return { x, y };
}

const seconds = (since: number) => Number(((performance.now() - since) / 1000).toFixed(3));

export async function benchTrain() {
  const { backend } = await useBestBackend();
  const train = features(N, 1);
  const data = { featureDim: D, numClasses: C, train };

  const runs = [];
  for (const batchSize of [64, 256]) {
    const t0 = performance.now();
    const head = await trainHead(data, { epochs: EPOCHS, earlyStopping: false, batchSize });
    const s = seconds(t0);
    runs.push({
      batchSize,
      seconds: s,
      sampleEpochsPerSecond: Math.round((N * EPOCHS) / s),
      finalLoss: Number(head.history.at(-1)!.loss.toFixed(4)),
    });
  }
  const head = await trainHead(data, { epochs: 1, earlyStopping: false });

  const big = features(PREDICT_N, 2);
  let t0 = performance.now();
  await predictHead(head, big.x, PREDICT_N);
  const predictSeconds = seconds(t0);

  t0 = performance.now();
  await outOfFoldPredictions({ featureDim: D, numClasses: C, x: train.x, y: train.y });
  const kfoldSeconds = seconds(t0);

  const duplicates: Record<string, unknown> = {};
  const lowRank = lowRankFeatures(N, 3);
  for (const [name, x, prune] of [
    ['bruteForce', train.x, false],
    ['prunedIidFeatures', train.x, true],
    ['prunedLowRankFeatures', lowRank, true],
  ] as const) {
    t0 = performance.now();
    const dup = await findNearDuplicates(x, N, D, { prune });
    const s = seconds(t0);
    duplicates[name] = {
      seconds: s,
      multiplyAdds: dup.stats.multiplyAdds,
      bruteForceBlocks: dup.stats.bruteForceBlocks,
      candidates: dup.stats.candidates,
    };
  }

  return {
    backend,
    // Timings are single-threaded; other work on the machine shows up here and in the numbers.
    machine: { cpus: cpus().length, loadAverage1m: Number(loadavg()[0]!.toFixed(2)) },
    shape: { n: N, featureDim: D, numClasses: C, epochs: EPOCHS },
    train: runs,
    predict: { n: PREDICT_N, seconds: predictSeconds, rowsPerSecond: Math.round(PREDICT_N / predictSeconds) },
    kfold: { k: 5, seconds: kfoldSeconds },
    duplicates: { n: N, threshold: 0.98, ...duplicates },
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(JSON.stringify(await benchTrain(), null, 2));
}
