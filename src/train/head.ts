/**
 * Trains the final fully connected layer (featureDim → numClasses, softmax) on cached feature
 * vectors.
 *
 * Why it is written by hand instead of with tf.layers / optimizer.minimize: the autodiff path on
 * tfjs-wasm took minutes for 10k×1024×10×50 epochs. Here the two matrix products per mini-batch
 * run in tfjs (XNNPACK under wasm, ~15–18 GMAC/s on one core); softmax and the (P − Y) gradient
 * run in plain JS, which is cheaper than tfjs's per-op overhead for a few thousand numbers; the
 * Adam / momentum update runs in a tiny wasm SIMD kernel (update-kernels.ts).
 *
 * Layout choices, all measured on tfjs-wasm 4.22:
 *  - Weights are kept transposed (Wt, [C, d]). The forward pass is Wt·Xbᵀ and the backward pass
 *    is G·Xb (G = (P − Y)ᵀ, [C, bs]). Both products then have the tiny class dimension as M,
 *    which XNNPACK runs ~1.4× faster than the X·W / Xᵀ·G forms, and both take a per-batch
 *    feature matrix as the "weights" operand, whose packed form XNNPACK caches per tensor.
 *  - That caching only pays if the batch tensors live for the whole run, so mini-batches are
 *    formed once from a seeded shuffle and only their order is reshuffled every epoch.
 *    Re-forming batches each epoch would mean re-uploading and re-packing all of X every epoch,
 *    which costs as much as the training arithmetic itself.
 *  - Above TRAIN_TUNING.dualLayoutMaxValues (64M) training feature values the transposed
 *    copies are skipped to save memory, and the forward pass becomes Xb·W (1.5–2× slower).
 *
 * The objective is: mean over training samples of (sample weight × class weight) × cross-entropy
 * + l2 · Σ W² (kernel only, in raw-feature units). With `standardize`, training runs on
 * z-scored features and the L2 term is rescaled so that the objective (and so its minimum) is
 * exactly the raw-feature one; W and b are mapped back to raw features at the end, so the result
 * is a plain dense layer on the raw features.
 *
 * Early stopping: with a validation set it watches the (class-weighted) validation loss and
 * restores the weights of the epoch where it was lowest. Without one it watches the training
 * objective (running average over the epoch, plus the L2 term) and keeps the final weights. Only
 * an improvement of at least 0.01 % (relative) resets the patience count, so a loss creeping
 * down by rounding-level amounts still stops.
 */
import { ApiError } from '../domain/errors.ts';
import { useBestBackend, type TfBackendName, type tf as TfNamespace } from '../model/tfjs-runtime.ts';
import { Yielder } from './abort.ts';
import { mulberry32, permutation, substream } from './random.ts';
import { AUTO_BALANCE_RATIO, resolveTrainSettings } from './settings.ts';
import { type TrainSettings } from '../domain/train-settings.ts';
import { createUpdateKernels, type UpdateKernels } from './update-kernels.ts';

type Tf = typeof TfNamespace;
type Tensor2D = TfNamespace.Tensor2D;

export interface FeatureRows {
  /** n × featureDim, row-major. */
  x: Float32Array;
  /** Class index per row, 0 ≤ y < numClasses. */
  y: Int32Array;
  /** Optional non-negative weight per row (e.g. 1/k for k augmented variants of one image). */
  weight?: Float32Array | undefined;
}

export interface TrainData {
  featureDim: number;
  numClasses: number;
  train: FeatureRows;
  validation?: { x: Float32Array; y: Int32Array } | undefined;
}

export interface EpochStats {
  /** 1-based. */
  epoch: number;
  epochs: number;
  /** Weighted cross-entropy, averaged over the epoch's mini-batches (before each update). */
  loss: number;
  accuracy: number;
  /** Cross-entropy on the validation set, weighted by the same class weights as training. */
  valLoss?: number;
  valAccuracy?: number;
  elapsedMs: number;
  /** Upper bound: assumes all remaining epochs run. */
  etaMs: number;
}

export interface TrainHooks {
  onEpoch?: ((e: EpochStats) => void) | undefined;
  signal?: AbortSignal | undefined;
}

/** A dense layer on raw features: logits = x·W + b. */
export interface HeadWeights {
  featureDim: number;
  numClasses: number;
  /** featureDim × numClasses, row-major: W[k * numClasses + c]. */
  weights: Float32Array;
  bias: Float32Array;
}

export interface TrainedHead extends HeadWeights {
  epochsRun: number;
  /** Epoch whose weights were returned. */
  bestEpoch: number;
  stoppedEarly: boolean;
  history: EpochStats[];
  settings: TrainSettings;
  /** Weight each class's samples got in the loss (all 1 without class weighting). */
  classWeights: number[];
  backend: TfBackendName;
}

/** Relative improvement that resets early-stopping patience. */
const MIN_REL_IMPROVEMENT = 1e-4;

/** Knobs for tests and benchmarks; not settings. */
export const TRAIN_TUNING = {
  /** Training feature values (n·d) above which the transposed batch copies are not kept. */
  dualLayoutMaxValues: 64 * 1024 * 1024,
};
const VALIDATION_CHUNK = 1024;
const ADAM_BETA1 = 0.9;
const ADAM_BETA2 = 0.999;
const ADAM_EPSILON = 1e-7;

export async function trainHead(
  data: TrainData,
  settings: Partial<TrainSettings> = {},
  hooks: TrainHooks = {},
): Promise<TrainedHead> {
  const s = resolveTrainSettings(settings);
  const { featureDim: d, numClasses: C } = data;
  checkShapes(data);
  const yielder = new Yielder(hooks.signal);
  await yielder.yieldNow();
  const { tf, backend } = await useBestBackend();
  const started = performance.now();

  const n = data.train.y.length;
  const classWeights = computeClassWeights(data.train.y, data.train.weight, C, s.classWeighting);
  const sampleWeight = normalisedSampleWeights(data.train.y, data.train.weight, classWeights);
  const stdz = s.standardize ? standardiser(data.train.x, n, d) : identityStandardiser(d);
  const kernels = createUpdateKernels(C * d);
  // Penalty gradient per weight in training units: d/dW' of l2·Σ(W'·scale)².
  for (let c = 0; c < C; c++) {
    for (let k = 0; k < d; k++) kernels.penalty[c * d + k] = 2 * s.l2 * stdz.scale[k]! * stdz.scale[k]!;
  }

  const layout: Layout = n * d <= TRAIN_TUNING.dualLayoutMaxValues ? 'dual' : 'single';
  const batchRand = substream(s.seed, 1);
  const orderRand = substream(s.seed, 2);
  const batches: Batch[] = [];
  const valChunks: Batch[] = [];
  try {
    for (const rows of partition(permutation(n, batchRand), Math.ceil(n / s.batchSize))) {
      batches.push(makeBatch(tf, data.train, rows, d, stdz, layout, sampleWeight));
      if (yielder.due()) await yielder.yieldNow();
    }
    const val = data.validation && data.validation.y.length > 0 ? data.validation : undefined;
    if (val) {
      const nv = val.y.length;
      const valWeight = new Float64Array(nv);
      let sum = 0;
      // Same class weights as training, except that a class absent from training (weight 0)
      // still counts here.
      for (let i = 0; i < nv; i++) sum += valWeight[i] = classWeights[val.y[i]!] || 1;
      for (let i = 0; i < nv; i++) valWeight[i] = sum > 0 ? (valWeight[i]! * nv) / sum : 1;
      const all = new Int32Array(nv);
      for (let i = 0; i < nv; i++) all[i] = i;
      for (let at = 0; at < nv; at += VALIDATION_CHUNK) {
        const rows = all.subarray(at, Math.min(nv, at + VALIDATION_CHUNK));
        valChunks.push(makeBatch(tf, val, rows, d, stdz, layout, valWeight, false));
      }
    }

    const model = initialModel(kernels.w, d, C, stdz, s.seed);
    const opt = new Optimizer(s, kernels, C);
    const maxBs = [...batches, ...valChunks].reduce((m, b) => Math.max(m, b.size), 0);
    const scratch = new Scratch(C, d, maxBs);
    const history: EpochStats[] = [];
    let best = Infinity; // lowest monitored value: its weights are the ones restored
    let reference = Infinity; // value at the last improvement big enough to reset patience
    let bestEpoch = 0;
    let bestWt: Float32Array | null = null;
    let bestB: Float64Array | null = null;
    let wait = 0;
    let stoppedEarly = false;

    for (let epoch = 1; epoch <= s.epochs; epoch++) {
      const order = permutation(batches.length, orderRand);
      let lossSum = 0;
      let correct = 0;
      for (let bi = 0; bi < order.length; bi++) {
        const batch = batches[order[bi]!]!;
        const z = forward(tf, batch, model, scratch, layout);
        const r = softmaxGradient(z, batch, model.b, scratch, layout === 'dual');
        lossSum += r.loss;
        correct += r.correct;
        backward(tf, batch, scratch, kernels.grad);
        opt.step(model.b, scratch.gradB);
        if (yielder.due()) await yielder.yieldNow();
      }
      const stats: EpochStats = {
        epoch,
        epochs: s.epochs,
        loss: lossSum / n,
        accuracy: correct / n,
        elapsedMs: 0,
        etaMs: 0,
      };
      let monitored = stats.loss + penaltyValue(model.Wt, stdz.scale, s.l2, d);
      if (valChunks.length > 0) {
        let vl = 0;
        let vc = 0;
        let vn = 0;
        for (const chunk of valChunks) {
          const z = forward(tf, chunk, model, scratch, layout);
          const r = softmaxGradient(z, chunk, model.b, scratch, layout === 'dual', false);
          vl += r.loss;
          vc += r.correct;
          vn += chunk.size;
        }
        stats.valLoss = vl / vn;
        stats.valAccuracy = vc / vn;
        monitored = stats.valLoss;
      }
      const elapsedMs = performance.now() - started;
      stats.elapsedMs = elapsedMs;
      stats.etaMs = (elapsedMs / epoch) * (s.epochs - epoch);
      history.push(stats);

      if (monitored < best || epoch === 1) {
        best = monitored;
        bestEpoch = epoch;
        if (valChunks.length > 0) {
          bestWt = model.Wt.slice();
          bestB = model.b.slice();
        }
      }
      if (monitored < reference * (1 - MIN_REL_IMPROVEMENT) || epoch === 1) {
        reference = monitored;
        wait = 0;
      } else {
        wait++;
      }
      hooks.onEpoch?.(stats);
      if (s.earlyStopping && wait >= s.patience && epoch < s.epochs) {
        stoppedEarly = true;
        break;
      }
      await yielder.yieldNow();
    }

    const epochsRun = history.length;
    if (bestWt && bestB) {
      model.Wt.set(bestWt);
      model.b.set(bestB);
    } else {
      bestEpoch = epochsRun;
    }
    const { weights, bias } = foldStandardisation(model, stdz, d, C);
    return {
      featureDim: d,
      numClasses: C,
      weights,
      bias,
      epochsRun,
      bestEpoch,
      stoppedEarly,
      history,
      settings: s,
      classWeights: Array.from(classWeights),
      backend,
    };
  } finally {
    for (const b of batches) b.dispose();
    for (const b of valChunks) b.dispose();
  }
}

// ---------------------------------------------------------------------------------------------
// Data checks and weighting

function checkShapes(data: TrainData): void {
  const { featureDim: d, numClasses: C } = data;
  if (!Number.isInteger(d) || d < 1) throw new RangeError(`featureDim must be a positive integer (got ${d})`);
  if (!Number.isInteger(C) || C < 2) {
    throw new RangeError(`numClasses must be an integer of at least 2 (got ${C}); see checkTrainable()`);
  }
  const check = (
    name: string,
    rows: { x: Float32Array; y: Int32Array; weight?: Float32Array | undefined },
  ) => {
    const n = rows.y.length;
    if (rows.x.length !== n * d) {
      throw new RangeError(`${name}.x has ${rows.x.length} values; expected ${n} rows × ${d} = ${n * d}`);
    }
    for (let i = 0; i < n; i++) {
      const yi = rows.y[i]!;
      if (yi < 0 || yi >= C)
        throw new RangeError(`${name}.y[${i}] = ${yi} is not a class index in 0..${C - 1}`);
    }
    const x = rows.x;
    for (let j = 0; j < x.length; j++) {
      if (!Number.isFinite(x[j]!)) {
        throw new ApiError(
          'precondition',
          `The feature vector of ${name} sample ${Math.floor(j / d)} contains ${x[j]}; recompute that image's features.`,
        );
      }
    }
    if (rows.weight) {
      if (rows.weight.length !== n) {
        throw new RangeError(`${name}.weight has ${rows.weight.length} values; expected ${n}`);
      }
      let sum = 0;
      for (let i = 0; i < n; i++) {
        const w = rows.weight[i]!;
        if (!(w >= 0) || !Number.isFinite(w)) {
          throw new RangeError(`${name}.weight[${i}] = ${w}; weights must be finite and ≥ 0`);
        }
        sum += w;
      }
      if (sum <= 0) throw new RangeError(`${name}.weight is all zero`);
    }
  };
  if (data.train.y.length === 0) {
    throw new ApiError('precondition', 'There are no training images; label some images first.');
  }
  check('train', data.train);
  if (data.validation) check('validation', data.validation);
}

/**
 * 'balanced' gives class c the weight total / (present classes × total_c), where totals are sums
 * of sample weights (so augmented variants do not count as extra images). Classes without
 * training samples get 0 (they have nothing to weight).
 */
export function computeClassWeights(
  y: Int32Array,
  weight: Float32Array | undefined,
  numClasses: number,
  mode: TrainSettings['classWeighting'],
): Float64Array {
  const totals = new Float64Array(numClasses);
  for (let i = 0; i < y.length; i++) totals[y[i]!]! += weight ? weight[i]! : 1;
  let present = 0;
  let sum = 0;
  let max = 0;
  let min = Infinity;
  for (const t of totals) {
    if (t <= 0) continue;
    present++;
    sum += t;
    max = Math.max(max, t);
    min = Math.min(min, t);
  }
  const balance = mode === 'balanced' || (mode === 'auto' && present > 0 && max / min > AUTO_BALANCE_RATIO);
  const out = new Float64Array(numClasses);
  for (let c = 0; c < numClasses; c++) {
    out[c] = !balance ? 1 : totals[c]! > 0 ? sum / (present * totals[c]!) : 0;
  }
  return out;
}

/** Per-sample loss weights, scaled to average 1 so the learning rate means the same thing. */
function normalisedSampleWeights(
  y: Int32Array,
  weight: Float32Array | undefined,
  classWeights: Float64Array,
): Float64Array {
  const n = y.length;
  const out = new Float64Array(n);
  let sum = 0;
  for (let i = 0; i < n; i++) sum += out[i] = (weight ? weight[i]! : 1) * classWeights[y[i]!]!;
  const k = n / sum;
  for (let i = 0; i < n; i++) out[i]! *= k;
  return out;
}

// ---------------------------------------------------------------------------------------------
// Standardisation

interface Standardiser {
  mean: Float64Array;
  /** 1/σ, or 0 for features that are constant on the training set (they get weight 0). */
  scale: Float64Array;
}

function identityStandardiser(d: number): Standardiser {
  return { mean: new Float64Array(d), scale: new Float64Array(d).fill(1) };
}

function standardiser(x: Float32Array, n: number, d: number): Standardiser {
  const mean = new Float64Array(d);
  const m2 = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    const row = i * d;
    for (let k = 0; k < d; k++) mean[k]! += x[row + k]!;
  }
  for (let k = 0; k < d; k++) mean[k]! /= n;
  for (let i = 0; i < n; i++) {
    const row = i * d;
    for (let k = 0; k < d; k++) {
      const dv = x[row + k]! - mean[k]!;
      m2[k]! += dv * dv;
    }
  }
  const sd = new Float64Array(d);
  let sdSum = 0;
  for (let k = 0; k < d; k++) sdSum += sd[k] = Math.sqrt(m2[k]! / n);
  // A σ this far below the typical one is rounding noise on a constant feature.
  const floor = Math.max((sdSum / d) * 1e-6, 1e-30);
  const scale = new Float64Array(d);
  for (let k = 0; k < d; k++) scale[k] = sd[k]! > floor ? 1 / sd[k]! : 0;
  return { mean, scale };
}

function foldStandardisation(model: Model, stdz: Standardiser, d: number, C: number) {
  const weights = new Float32Array(d * C);
  const bias = new Float32Array(C);
  for (let c = 0; c < C; c++) {
    let shift = 0;
    for (let k = 0; k < d; k++) {
      const w = model.Wt[c * d + k]! * stdz.scale[k]!;
      weights[k * C + c] = w;
      shift += stdz.mean[k]! * w;
    }
    bias[c] = model.b[c]! - shift;
  }
  return { weights, bias };
}

function penaltyValue(Wt: Float32Array, scale: Float64Array, l2: number, d: number): number {
  if (l2 === 0) return 0;
  let sum = 0;
  for (let j = 0; j < Wt.length; j++) {
    const w = Wt[j]! * scale[j % d]!;
    sum += w * w;
  }
  return l2 * sum;
}

// ---------------------------------------------------------------------------------------------
// Batches (tensors that live for the whole run)

type Layout = 'dual' | 'single';

interface Batch {
  size: number;
  y: Int32Array;
  /** Loss weight per row (mean 1 over the training set). */
  w: Float64Array;
  /** [size, d] standardised rows; only for training batches or the 'single' layout. */
  X: Tensor2D | null;
  /** [d, size], only in the 'dual' layout. */
  Xt: Tensor2D | null;
  dispose(): void;
}

/** Splits `order` into `parts` runs whose sizes differ by at most one (no tiny last batch). */
function partition(order: Int32Array, parts: number): Int32Array[] {
  const out: Int32Array[] = [];
  const base = Math.floor(order.length / parts);
  const extra = order.length % parts;
  let at = 0;
  for (let p = 0; p < parts; p++) {
    const size = base + (p < extra ? 1 : 0);
    out.push(order.subarray(at, at + size));
    at += size;
  }
  return out;
}

function makeBatch(
  tf: Tf,
  src: { x: Float32Array; y: Int32Array },
  rows: Int32Array,
  d: number,
  stdz: Standardiser,
  layout: Layout,
  weight: Float64Array,
  forBackward = true,
): Batch {
  const bs = rows.length;
  const xb = new Float32Array(bs * d);
  const y = new Int32Array(bs);
  const w = new Float64Array(bs);
  const { mean, scale } = stdz;
  for (let i = 0; i < bs; i++) {
    const r = rows[i]!;
    y[i] = src.y[r]!;
    w[i] = weight[r]!;
    const from = r * d;
    const to = i * d;
    for (let k = 0; k < d; k++) xb[to + k] = (src.x[from + k]! - mean[k]!) * scale[k]!;
  }
  let xt: Float32Array | null = null;
  if (layout === 'dual') {
    xt = new Float32Array(bs * d);
    for (let i = 0; i < bs; i++) {
      const row = i * d;
      for (let k = 0; k < d; k++) xt[k * bs + i] = xb[row + k]!;
    }
  }
  const X = forBackward || !xt ? tf.tensor2d(xb, [bs, d]) : null;
  let Xt: Tensor2D | null = null;
  try {
    Xt = xt ? tf.tensor2d(xt, [d, bs]) : null;
  } catch (err) {
    X?.dispose();
    throw err;
  }
  return {
    size: bs,
    y,
    w,
    X,
    Xt,
    dispose() {
      X?.dispose();
      Xt?.dispose();
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Model, forward / backward

interface Model {
  /** [C, d] in training (standardised) units; a view of the update kernels' memory. */
  Wt: Float32Array;
  b: Float64Array;
}

function initialModel(Wt: Float32Array, d: number, C: number, stdz: Standardiser, seed: number): Model {
  const rand = mulberry32(seed);
  const limit = Math.sqrt(6 / (d + C)); // Glorot uniform
  for (let c = 0; c < C; c++) {
    for (let k = 0; k < d; k++) {
      const u = (rand() * 2 - 1) * limit;
      // Constant features never get a gradient; keeping them at 0 keeps them out of the model.
      Wt[c * d + k] = stdz.scale[k] === 0 ? 0 : u;
    }
  }
  return { Wt, b: new Float64Array(C) };
}

class Scratch {
  readonly W: Float32Array;
  readonly grad: Float32Array;
  readonly gradB: Float64Array;
  readonly p: Float64Array;
  constructor(
    readonly C: number,
    readonly d: number,
    maxBatch: number,
  ) {
    this.W = new Float32Array(C * d);
    this.grad = new Float32Array(C * maxBatch);
    this.gradB = new Float64Array(C);
    this.p = new Float64Array(C);
  }
}

/** Logits without the bias: [C, bs] ('dual') or [bs, C] ('single'). */
function forward(tf: Tf, batch: Batch, model: Model, scratch: Scratch, layout: Layout): Float32Array {
  const { C, d } = scratch;
  let Wt: Tensor2D | null = null;
  let out: Tensor2D | null = null;
  try {
    if (layout === 'dual' && batch.Xt) {
      Wt = tf.tensor2d(model.Wt, [C, d]);
      out = tf.matMul(Wt, batch.Xt);
    } else {
      const W = scratch.W; // [d, C]
      for (let c = 0; c < C; c++) for (let k = 0; k < d; k++) W[k * C + c] = model.Wt[c * d + k]!;
      Wt = tf.tensor2d(W, [d, C]);
      out = tf.matMul(batch.X!, Wt);
    }
    return out.dataSync() as Float32Array;
  } finally {
    Wt?.dispose();
    out?.dispose();
  }
}

/** Writes dL/dWt for the batch, G·Xb ([C, d]), into `into`. */
function backward(tf: Tf, batch: Batch, scratch: Scratch, into: Float32Array): void {
  const { C } = scratch;
  const G = tf.tensor2d(scratch.grad.subarray(0, C * batch.size), [C, batch.size]);
  try {
    const out = tf.matMul(G, batch.X!);
    try {
      into.set(out.dataSync() as Float32Array);
    } finally {
      out.dispose();
    }
  } finally {
    G.dispose();
  }
}

/**
 * Adds the bias, takes the softmax, and returns the batch's summed weighted loss and correct
 * count. With `writeGrad`, fills scratch.grad ([C, bs]) with w_i·(P − Y)/bs and scratch.gradB
 * with its row sums.
 */
function softmaxGradient(
  z: Float32Array,
  batch: Batch,
  b: Float64Array,
  scratch: Scratch,
  classMajor: boolean,
  writeGrad = true,
): { loss: number; correct: number } {
  const { C, grad, gradB, p } = scratch;
  const bs = batch.size;
  const si = classMajor ? 1 : C;
  const sc = classMajor ? bs : 1;
  const { y, w } = batch;
  let loss = 0;
  let correct = 0;
  if (writeGrad) gradB.fill(0);
  for (let i = 0; i < bs; i++) {
    let max = -Infinity;
    let arg = 0;
    for (let c = 0; c < C; c++) {
      const v = z[i * si + c * sc]! + b[c]!;
      p[c] = v;
      if (v > max) {
        max = v;
        arg = c;
      }
    }
    let sum = 0;
    for (let c = 0; c < C; c++) sum += p[c] = Math.exp(p[c]! - max);
    const yi = y[i]!;
    const wi = w[i]!;
    // -log softmax_y = log Σexp − (z_y − max)
    loss += wi * (Math.log(sum) - Math.log(p[yi]!));
    if (arg === yi) correct++;
    if (!writeGrad) continue;
    const k = wi / bs / sum;
    for (let c = 0; c < C; c++) {
      const g = p[c]! * k - (c === yi ? wi / bs : 0);
      grad[c * bs + i] = g;
      gradB[c]! += g;
    }
  }
  return { loss, correct };
}

// ---------------------------------------------------------------------------------------------
// Optimizers

class Optimizer {
  private readonly mb: Float64Array;
  private readonly vb: Float64Array;
  private t = 0;

  constructor(
    private readonly s: TrainSettings,
    private readonly kernels: UpdateKernels,
    C: number,
  ) {
    this.mb = new Float64Array(C);
    this.vb = new Float64Array(C);
  }

  /** Expects the kernel gradient in kernels.grad; the weights are kernels.w. */
  step(b: Float64Array, gradB: Float64Array): void {
    this.t++;
    const { learningRate: lr, momentum } = this.s;
    const { mb, vb } = this;
    if (this.s.optimizer === 'adam') {
      const a = (lr * Math.sqrt(1 - ADAM_BETA2 ** this.t)) / (1 - ADAM_BETA1 ** this.t);
      this.kernels.adam(a, ADAM_BETA1, ADAM_BETA2, ADAM_EPSILON);
      for (let c = 0; c < b.length; c++) {
        const g = gradB[c]!;
        mb[c] = ADAM_BETA1 * mb[c]! + (1 - ADAM_BETA1) * g;
        vb[c] = ADAM_BETA2 * vb[c]! + (1 - ADAM_BETA2) * g * g;
        b[c]! -= (a * mb[c]!) / (Math.sqrt(vb[c]!) + ADAM_EPSILON);
      }
    } else {
      this.kernels.momentum(lr, momentum);
      for (let c = 0; c < b.length; c++) {
        mb[c] = momentum * mb[c]! + gradB[c]!;
        b[c]! -= lr * mb[c]!;
      }
    }
  }
}
