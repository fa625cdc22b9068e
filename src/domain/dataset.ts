/**
 * Classes, images, labels, undo history, imports and dataset exports.
 */
import type { Split } from './splits.ts';

export interface ClassInfo {
  id: number;
  name: string;
  /** `#rrggbb` */
  color: string;
  /** Position in the class list, 0-based. */
  order: number;
  /** Keyboard key that assigns the class in the labeling view, or null. */
  key: string | null;
  /** Images labeled with this class. */
  count: number;
}

export type ImageStatus = 'ok' | 'missing' | 'unreadable';
export type LabelSource = 'human' | 'imported' | 'accepted-suggestion';

export interface ImageRow {
  id: number;
  /** Absolute path where the file was found. */
  path: string;
  /** The file name (last path segment). */
  name: string;
  /** SHA-256 of the bytes (hex); null only when the bytes could not be read. */
  hash: string | null;
  /** After EXIF orientation (what a person sees). */
  width: number | null;
  height: number | null;
  /** jpeg, png, webp, gif, tiff, avif, heif ... */
  format: string | null;
  bytes: number;
  status: ImageStatus;
  /** Why the image is unreadable or missing. */
  error: string | null;
  split: Split;
  classId: number | null;
  labelSource: LabelSource | null;
  addedAt: string;
  /** The current run's top class for the image, when there is a current run. */
  prediction: { classId: number; probability: number } | null;
  /**
   * For a labeled image: the class a model trained without it gives it, and how sure (what
   * "likely mislabeled" judges); null when the current run made no such prediction.
   */
  outOfFold: { classId: number; probability: number } | null;
}

export interface ImagePage {
  total: number;
  offset: number;
  items: ImageRow[];
}

export interface DatasetCounts {
  total: number;
  ok: number;
  missing: number;
  unreadable: number;
  labeled: number;
  unlabeled: number;
  perClass: {
    classId: number;
    name: string;
    count: number;
    train: number;
    validation: number;
    test: number;
  }[];
  perSplit: Record<Split, number>;
}

/** Where undo/redo stand; the labels are what the step did, in words. */
export interface HistoryState {
  canUndo: boolean;
  canRedo: boolean;
  undoLabel: string | null;
  redoLabel: string | null;
}

/** Result of anything that changes labels (set, merge, delete class, CSV, undo, redo). */
export interface LabelChange {
  /** The history step recorded (or undone/redone); null when nothing changed. */
  step: number | null;
  /** Images whose label changed. */
  changed: number;
  history: HistoryState;
}

export interface ImportRoot {
  id: number;
  path: string;
  labelsFromFolders: boolean;
  addedAt: string;
  scannedAt: string | null;
}

/**
 * Counters of an import or rescan job (also its progress counters). `seen` counts image-named
 * files; `skipped` non-image files, hidden files, loops and unreadable folders; `failed` images
 * stored with status 'unreadable'; `duplicates` files whose content is already in the project.
 */
export interface ImportCounters {
  seen: number;
  imported: number;
  skipped: number;
  failed: number;
  duplicates: number;
  unchanged: number;
  changed: number;
  restored: number;
  moved: number;
  missing: number;
}

/** The result of an import/rescan job. Lists keep their first 500 entries; counters are exact. */
export interface ImportResult {
  roots: string[];
  counters: ImportCounters;
  failures: { path: string; reason: string }[];
  skippedFiles: { path: string; reason: string }[];
  duplicateFiles: { path: string; duplicateOf: string }[];
  /** True when a list above was cut at 500 entries. */
  truncated: boolean;
  /** Why no image was added (no image files, none readable, all known already); null when some were. */
  noImagesReason: string | null;
}

export interface CsvImportResult {
  rows: number;
  /** Labels that changed (one undo step). */
  changed: number;
  unchanged: number;
  createdClasses: string[];
  /** Rows that could not be applied, by line number in the file (1-based); the first 1000. */
  problems: { line: number; path: string; reason: string }[];
  problemCount: number;
  step: number | null;
  history: HistoryState;
}

export interface DatasetExportResult {
  format: 'csv' | 'folders';
  out: string;
  written: number;
  skipped: { path: string; reason: string }[];
}
