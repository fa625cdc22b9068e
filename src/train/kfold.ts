/**
 * Out-of-fold (OOF) predictions: each labeled sample is predicted by a model trained without it,
 * which is what "likely mislabeled" (src/domain/mislabeled-rule.ts) judges.
 *
 * Cost choices: each fold trains for a fixed, small number of epochs (default 20) without early
 * stopping or a validation set. The held-out fold's predictions only need to be roughly right
 * and calibrated, not optimal, and a fixed budget keeps k trainings at about
 * k × 20 × (k−1)/k ≈ 80 sample-epochs per sample (5 folds) — comparable to one full training.
 * Small sets get more epochs, up to MIN_FOLD_STEPS optimizer steps per fold: 20 epochs of a few
 * mini-batches leave the model too unsure to call anything mislabeled, and they are cheap.
 *
 * Folds are stratified by class and seeded. With `groups` (e.g. the image id of each augmented
 * variant) all rows of a group share a fold, so a variant never "predicts" its own twin.
 * A sample is only assessable when the other folds hold at least MIN_CLASS_ROWS rows of its class;
 * otherwise the fold model barely knows the class and would call every such sample mislabeled.
 */
import { trainHead, type TrainData, type TrainHooks } from './head.ts';
import { predictHead } from './predict.ts';
import { permutation, substream } from './random.ts';
import { resolveTrainSettings } from './settings.ts';
import { TRAIN_SETTING_FIELDS, type TrainSettings } from '../domain/train-settings.ts';
import { throwIfAborted } from './abort.ts';

export const MIN_CLASS_ROWS = 2;
export const MIN_FOLD_STEPS = 1000;
const MAX_FOLD_EPOCHS = 1000;

export interface LabeledRows {
  featureDim: number;
  numClasses: number;
  x: Float32Array;
  y: Int32Array;
  weight?: Float32Array | undefined;
  /** Rows with the same group always land in the same fold. */
  groups?: Int32Array | undefined;
}

export interface OofOptions {
  k?: number;
  /** Epochs per fold (no early stopping); raised for small sets, see MIN_FOLD_STEPS. */
  epochs?: number;
  seed?: number;
  /** Anything else for the fold trainings (learning rate, l2, class weighting, ...). */
  settings?: Partial<TrainSettings>;
  signal?: AbortSignal | undefined;
  onFold?: ((fold: number, k: number) => void) | undefined;
}

export interface OofResult {
  k: number;
  /** n × C out-of-fold probabilities. */
  probs: Float32Array;
  fold: Int32Array;
  /** 1 where the sample's class had enough rows in the other folds to judge it. */
  assessable: Uint8Array;
}

export const DEFAULT_OOF = { k: 5, epochs: 20 } as const;

export async function outOfFoldPredictions(data: LabeledRows, options: OofOptions = {}): Promise<OofResult> {
  const { featureDim: d, numClasses: C, y } = data;
  const n = y.length;
  const k = options.k ?? DEFAULT_OOF.k;
  if (!Number.isInteger(k) || k < 2) throw new RangeError(`k must be an integer ≥ 2 (got ${k})`);
  if (n < k) throw new RangeError(`k-fold needs at least k = ${k} labeled samples (got ${n})`);
  const base = resolveTrainSettings({
    ...options.settings,
    epochs: options.epochs ?? DEFAULT_OOF.epochs,
    earlyStopping: false,
    ...(options.seed !== undefined ? { seed: options.seed } : {}),
  });
  const fold = stratifiedFolds(y, k, base.seed, data.groups);
  const batchesPerEpoch = Math.ceil((n * (k - 1)) / k / base.batchSize);
  const epochs = Math.min(
    Math.max(base.epochs, Math.ceil(MIN_FOLD_STEPS / batchesPerEpoch)),
    Math.max(base.epochs, MAX_FOLD_EPOCHS),
  );

  const probs = new Float32Array(n * C);
  const assessable = new Uint8Array(n);
  const hooks: TrainHooks = { signal: options.signal };
  for (let f = 0; f < k; f++) {
    throwIfAborted(options.signal, 'Mislabel search');
    const trainRows: number[] = [];
    const testRows: number[] = [];
    for (let i = 0; i < n; i++) (fold[i] === f ? testRows : trainRows).push(i);
    if (testRows.length === 0) continue;
    const train = takeRows(data, trainRows);
    const foldData: TrainData = { featureDim: d, numClasses: C, train };
    // Each fold its own seed, kept within the settings' range (the largest seed wraps to 0).
    const seed = (base.seed + f) % (TRAIN_SETTING_FIELDS.seed.max + 1);
    const head = await trainHead(foldData, { ...base, epochs, seed }, hooks);
    const held = takeRows(data, testRows);
    const pred = await predictHead(head, held.x, testRows.length, { signal: options.signal });
    const classRows = new Int32Array(C);
    for (const i of trainRows) classRows[y[i]!]!++;
    testRows.forEach((i, r) => {
      probs.set(pred.probs.subarray(r * C, (r + 1) * C), i * C);
      assessable[i] = classRows[y[i]!]! >= MIN_CLASS_ROWS ? 1 : 0;
    });
    options.onFold?.(f + 1, k);
  }
  return { k, probs, fold, assessable };
}

/** Round-robin dealing of each class's (shuffled) members, or groups, continuing across classes. */
export function stratifiedFolds(y: Int32Array, k: number, seed: number, groups?: Int32Array): Int32Array {
  const n = y.length;
  // Units are groups (or single rows); a unit's class is its first row's label.
  const unitOf = new Int32Array(n);
  const unitClass: number[] = [];
  if (groups) {
    if (groups.length !== n) throw new RangeError(`groups has ${groups.length} entries; expected ${n}`);
    const ids = new Map<number, number>();
    for (let i = 0; i < n; i++) {
      let u = ids.get(groups[i]!);
      if (u === undefined) {
        u = unitClass.length;
        ids.set(groups[i]!, u);
        unitClass.push(y[i]!);
      }
      unitOf[i] = u;
    }
  } else {
    for (let i = 0; i < n; i++) {
      unitOf[i] = i;
      unitClass.push(y[i]!);
    }
  }
  const byClass = new Map<number, number[]>();
  unitClass.forEach((c, u) => {
    let list = byClass.get(c);
    if (!list) byClass.set(c, (list = []));
    list.push(u);
  });
  const unitFold = new Int32Array(unitClass.length);
  const rand = substream(seed, 1000);
  let next = Math.floor(rand() * k);
  for (const [, units] of [...byClass].sort((a, b) => a[0] - b[0])) {
    const order = permutation(units.length, rand);
    for (let j = 0; j < units.length; j++) {
      unitFold[units[order[j]!]!] = next;
      next = (next + 1) % k;
    }
  }
  const fold = new Int32Array(n);
  for (let i = 0; i < n; i++) fold[i] = unitFold[unitOf[i]!]!;
  return fold;
}

function takeRows(data: LabeledRows, rows: number[]) {
  const d = data.featureDim;
  const x = new Float32Array(rows.length * d);
  const y = new Int32Array(rows.length);
  const weight = data.weight ? new Float32Array(rows.length) : undefined;
  rows.forEach((i, r) => {
    x.set(data.x.subarray(i * d, (i + 1) * d), r * d);
    y[r] = data.y[i]!;
    if (weight) weight[r] = data.weight![i]!;
  });
  return { x, y, weight };
}
