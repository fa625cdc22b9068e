/**
 * The base model: where it comes from, how images become its input, and its answers.
 */
import type { Preprocessing } from './preprocessing.ts';

/** How a model reached this machine: downloaded from a source, or imported from a local file. */
export const MODEL_SOURCES = ['download', 'file'] as const;
export type ModelSourceKind = (typeof MODEL_SOURCES)[number];

/** How images become 224×224: 'center' (shorter side to 224, centre crop) or 'squash' (stretched). */
export const CROP_MODES = ['center', 'squash'] as const;
export type CropMode = (typeof CROP_MODES)[number];

/** Where a model is downloaded from, and what the file must be. */
export interface ModelSource {
  url: string;
  /** Expected SHA-256 (hex); null: the file is not hash-checked (a custom source given without one). */
  sha256: string | null;
  /** Expected size in bytes, or null when unknown. */
  bytes: number | null;
}

export interface ModelDescription {
  sha256: string;
  name: string;
  source: ModelSourceKind;
  bytes: number;
  opset: number;
  featureDim: number;
  numClasses: number;
  inputName: string;
  featureTensor: string;
  classifierNode: string;
  /** How Incept turns pixels into this model's input; null only before one is chosen. */
  preprocessing: Preprocessing | null;
  /** Where the preprocessing came from ("chosen at import", "detected from …"), or null. */
  preprocessingFrom: string | null;
}

export interface ModelStatus {
  /** True when the project has a verified model file it can run. */
  ready: boolean;
  model: ModelDescription | null;
  /** Why the model is not ready, with both ways out (download or import a file). */
  problem: string | null;
  defaultSource: ModelSource;
  engine: string | null;
  features: { images: number; done: number; missing: number; failed: number };
  /** Models already on this machine (imported or downloaded once, for any project), newest first. */
  library: { sha256: string; name: string; source: ModelSourceKind; bytes: number; addedAt: string }[];
}

export interface ImagePrediction {
  input: string;
  error: string | null;
  top: { label: string; classId: number | null; probability: number }[];
}
