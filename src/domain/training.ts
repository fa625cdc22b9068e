/**
 * Training runs, their settings and metrics, predictions and exports.
 */
import type { Split } from './splits.ts';

export type OptimizerName = 'adam' | 'sgd';
export type ClassWeighting = 'balanced' | 'none' | 'auto';

/** The final layer's settings (src/train/settings.ts holds the defaults and the validator). */
export interface HeadSettings {
  /** Upper bound on passes over the training set. */
  epochs: number;
  /** Stop when the monitored loss has not improved for `patience` epochs (see head.ts). */
  earlyStopping: boolean;
  patience: number;
  /** Adam default 1e-3, SGD default 1e-2. */
  learningRate: number;
  batchSize: number;
  /** Coefficient of `l2 * sum(W^2)` added to the loss (the kernel only; the bias is not decayed). */
  l2: number;
  optimizer: OptimizerName;
  /** SGD only. */
  momentum: number;
  /** 'auto' means 'balanced' when the largest class outweighs the smallest by more than 1.5×. */
  classWeighting: ClassWeighting;
  /**
   * Train on z-scored features and fold the transform back into W and b at the end (the optimum
   * is unchanged: the L2 term stays in raw-feature units). On by default: Adam moves each weight
   * by about the learning rate whatever its gradient, so a step changes the logits by roughly
   * lr · Σ|x|, which on raw features depends on the model (pool5 values of a few units in the
   * zoo's GoogLeNet, tens in others) — seen here as a loss that oscillated and early stopping
   * that gave up at chance. z-scoring makes one learning rate fit every model. (It generalised
   * slightly worse on synthetic unit-scale data, where the scale problem does not arise.)
   */
  standardize: boolean;
  seed: number;
}

/** The head's settings (documented above), plus augmentation. */
export type TrainSettings = HeadSettings & {
  /** Add mirrored and cropped variants of the training images (computed once, cached). */
  augment: boolean;
};

export interface ClassMetrics {
  classId: number;
  name: string;
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

export interface SplitMetrics {
  accuracy: number;
  loss: number;
  macroF1: number;
  perClass: ClassMetrics[];
  /** confusion[true][predicted], in the run's class order. */
  confusion: number[][];
  /** Image ids in each confusion cell, same indexing. */
  cells: number[][][];
  count: number;
}

export interface EpochStats {
  epoch: number;
  loss: number;
  accuracy: number;
  valLoss?: number;
  valAccuracy?: number;
}

export interface RunSummary {
  id: number;
  createdAt: string;
  durationMs: number;
  classes: { id: number; name: string }[];
  trainCount: number;
  validationCount: number;
  trainAccuracy: number;
  validationAccuracy: number | null;
  current: boolean;
  /** Labels or classes changed since this run was trained. */
  stale: boolean;
  modelSha256: string;
}

export interface RunDetail extends RunSummary {
  settings: TrainSettings;
  labelsHash: string;
  history: EpochStats[];
  bestEpoch: number;
  train: SplitMetrics;
  validation: SplitMetrics | null;
  /** The test split: never trained on nor used to pick the epoch (null when it has no images). */
  test: SplitMetrics | null;
  /** Classes with too few images to hold one out for validation: trained on, flagged. */
  flags: string[];
}

export interface RunComparison {
  a: RunDetail;
  b: RunDetail;
  /** Images whose label differs between the two runs' label snapshots. */
  changedLabels: { imageId: number; a: number | null; b: number | null }[];
}

export interface PredictionRow {
  imageId: number;
  path: string;
  /** The image's content hash (part of its picture's address). */
  hash: string | null;
  classId: number | null;
  predictedClassId: number;
  probability: number;
  margin: number;
  split: Split;
  /** For kind "duplicates": the other image of the pair, how alike they are, and whether the pair crosses splits. */
  duplicateOf?: number;
  similarity?: number;
  leak?: boolean;
}

export interface PredictionPage {
  total: number;
  items: PredictionRow[];
}

export interface ExportReport {
  out: string;
  formats: ('tfjs' | 'onnx')[];
  runId: number;
  quantize: 'none' | 'float16' | 'uint8';
  checks: { format: 'tfjs' | 'onnx'; images: number; agreement: number; maxDiff: number; passed: boolean }[];
  files: string[];
  bytes: number;
  /** E.g. the run is stale (labels changed since it was trained). */
  warnings: string[];
}
