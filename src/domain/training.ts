/**
 * Training runs, their settings and metrics, predictions and exports.
 */
import type { Split } from './splits.ts';

import type { TrainSettings as HeadSettings } from './train-settings.ts';

/** The head's settings (see train-settings.ts), plus augmentation. */
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

/** A prediction as training computes it and the store keeps it (one per image per run). */
export interface StoredPrediction {
  imageId: number;
  classIndex: number;
  probability: number;
  margin: number;
  probs: Float32Array;
  oofClassIndex: number | null;
  oofProbability: number | null;
  /** The out-of-fold probability of the image's own label (null for unlabeled images). */
  oofLabelProbability: number | null;
}
