/**
 * The whole API in one file: every method the UI or CLI can call (name, argument schema,
 * result type) and every event the backend pushes. Every transport (Electron IPC,
 * HTTP/WebSocket, CLI) validates arguments against these schemas at its boundary.
 *
 * Result types are TypeScript-only (`returns<T>()`): results are produced by our own handlers,
 * arguments come from outside and are never trusted.
 *
 * The renderer imports this file for its types and the method list, so it must stay free of
 * Node imports.
 */
import { z } from 'zod';
import type { ApiErrorShape } from './errors.ts';
import {
  settingProblem,
  TRAIN_SETTING_FIELDS,
  type TrainSettingKey,
  type TrainSettings as HeadSettings,
} from '../train/settings.ts';
import type { Preprocessing } from '../model/pixel-presets.ts';
import type { EngineName } from '../model/engines/types.ts';

/** Phantom marker carrying a result type; never read at run time. */
function returns<T>(): T {
  return undefined as T;
}

function method<A extends z.ZodType, R>(
  args: A,
  result: R,
  doc: string,
): { args: A; result: R; doc: string } {
  return { args, result, doc };
}

const Empty = z.object({}).strict();
const Id = z.number().int().positive();
/** A preprocessing preset by name, or a custom one's parts (value = (pixel·scale − mean) / std). */
const PreprocessingChoice = z.union([
  z.enum(['caffe', 'torchvision', 'tf']),
  z
    .object({
      channelOrder: z.enum(['RGB', 'BGR']),
      scale: z.number().positive(),
      mean: z.array(z.number()).length(3),
      std: z.array(z.number().positive()).length(3),
    })
    .strict(),
]);

const Path = z.string().trim().min(1, 'a path is required').max(4096);

// ---------------------------------------------------------------------------------------------
// Shared result shapes

/** Declared once, beside the engines (ENGINE_NAMES there lists them for schemas). */
export type { EngineName };

export interface EngineStatus {
  name: EngineName;
  label: string;
  available: boolean;
  reason?: string;
  /** GPU engines: the adapter (GPU and driver) the provider runs on, where it can be told. */
  adapter?: string;
  /** A software rasteriser (lavapipe, SwiftShader, WARP): used only when chosen explicitly. */
  software?: boolean;
}

export interface ProjectInfo {
  path: string;
  name: string;
  schemaVersion: number;
  createdAt: string;
  imageCount: number;
  classCount: number;
  /** Why the project opened read-only (browse and export work, changes are refused); null if writable. */
  readOnly: string | null;
}

export interface RecentProject {
  path: string;
  name: string;
  openedAt: string;
  exists: boolean;
}

export interface AppInfo {
  name: 'Incept';
  version: string;
  platform: string;
  arch: string;
  node: string;
  dataDir: string;
  engines: EngineStatus[];
  engineInUse: string | null;
  project: ProjectInfo | null;
}

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
export type Split = 'train' | 'validation' | 'test';
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

export type JobKind =
  'import' | 'rescan' | 'dataset-export' | 'features' | 'train' | 'export' | 'model-download' | 'map-layout';
export type JobStatus = 'running' | 'succeeded' | 'failed' | 'cancelled';

export interface JobProgress {
  jobId: string;
  kind: JobKind;
  /** What the job is doing now, in words ("hashing", "epoch 3 of 40"). */
  phase: string;
  /** What `done` and `total` count in this phase ("files", "images", "epochs", "bytes"); null: nothing to count. */
  unit: string | null;
  done: number;
  total: number | null;
  /** Items per second over the recent window. */
  rate: number;
  etaSeconds: number | null;
  /** Kind-specific counters (seen, imported, skipped, failed, loss, ...). */
  counters: Record<string, number>;
}

export interface JobInfo {
  id: string;
  kind: JobKind;
  status: JobStatus;
  startedAt: string;
  finishedAt: string | null;
  progress: JobProgress;
  error: ApiErrorShape | null;
  result: unknown;
}

// ---------------------------------------------------------------------------------------------
// The map of the dataset and cluster-first labeling

/**
 * One page of map points. Each array field is base64 of a little-endian typed array with one
 * entry per point (xy: two): ids Int32, xy Float32 in [-1, 1], label and predicted Int32 class
 * ids (0 = none), confidence Float32 (NaN = no prediction), split Uint8 (0 train, 1 validation,
 * 2 test), mislabeled Uint8 (1 = likely mislabeled); hashes is 32 bytes per point, each
 * image's SHA-256 content hash (for its `/img/<id>/<sha256>/<variant>` address).
 */
export interface MapPoints {
  method: 'pca' | 'umap';
  /** Points in the whole map (ok images with features); `count` of them are on this page. */
  total: number;
  offset: number;
  count: number;
  /** Ok images left off the map because their features are not computed yet. */
  withoutFeatures: number;
  /** The UMAP layout: current for this feature set, out of date, or never computed. */
  umap: 'current' | 'stale' | 'none';
  ids: string;
  xy: string;
  label: string;
  predicted: string;
  confidence: string;
  split: string;
  mislabeled: string;
  hashes: string;
}

export interface MapLayoutResult {
  method: 'pca' | 'umap';
  points: number;
  /** True when the cached layout was still current and nothing was computed. */
  cached: boolean;
  seconds: number;
}

export interface ClusterProposal {
  k: number;
  /** True when Incept picked k (best silhouette of 2…12). */
  automatic: boolean;
  silhouette: number | null;
  withoutFeatures: number;
  /** Largest group first; members from most to least typical. */
  clusters: { index: number; size: number; imageIds: number[]; typical: number[]; atypical: number[] }[];
}

export interface JobStarted {
  jobId: string;
}

// ---------------------------------------------------------------------------------------------
// Model, features, training, predictions and export

export interface ModelSource {
  url: string;
  /** Null: the file is not hash-checked (a custom source given without one). */
  sha256: string | null;
  bytes: number | null;
}

export interface ModelDescription {
  sha256: string;
  name: string;
  source: 'download' | 'file';
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
  library: { sha256: string; name: string; source: 'download' | 'file'; bytes: number; addedAt: string }[];
}

/** The head's settings (src/train/settings.ts documents each), plus augmentation. */
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

export interface ImagePrediction {
  input: string;
  error: string | null;
  top: { label: string; classId: number | null; probability: number }[];
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

// ---------------------------------------------------------------------------------------------
// The server-side file browser (browser mode has no native dialogs)

export interface FolderEntry {
  name: string;
  path: string;
  kind: 'folder' | 'file';
  /** Folders: image files directly inside; null when not counted (or unreadable). */
  images: number | null;
  /** Folders: subfolders directly inside; null when not counted (or unreadable). */
  folders: number | null;
  /** Files: size in bytes. */
  bytes: number | null;
  /** Why the entry cannot be opened, in words ("permission denied"). */
  problem: string | null;
}

export interface FolderListing {
  path: string;
  /** Null at a root. */
  parent: string | null;
  root: string;
  home: string;
  /** Image files directly in this folder. */
  images: number;
  /** Folders first, then images and accepted files, in natural order. */
  entries: FolderEntry[];
  /** Entries past the listing's limit. */
  leftOut: number;
}

export interface FolderPreview {
  name: string;
  path: string;
  /** A small WebP thumbnail, or null with the reason in `problem`. */
  dataUrl: string | null;
  problem: string | null;
}

export interface Places {
  home: string;
  /** "/" or the drives that exist. */
  roots: string[];
  /** Folders used lately (picked in the browser, imported into the open project), newest first. */
  recent: string[];
  bookmarks: { path: string; exists: boolean }[];
}

// ---------------------------------------------------------------------------------------------
// Argument schemas that several methods share

/**
 * The head's settings, checked by the same table and words as `resolveTrainSettings` (limits,
 * defaults and messages live in src/train/settings.ts).
 */
type HeadSettingSchemas = { [K in TrainSettingKey]: z.ZodType<HeadSettings[K], HeadSettings[K]> };
function headSettingSchemas(): HeadSettingSchemas {
  const keys = Object.keys(TRAIN_SETTING_FIELDS) as TrainSettingKey[];
  return Object.fromEntries(
    keys.map((key) => [
      key,
      z.custom((v) => settingProblem(key, v) === null, {
        error: (issue) => settingProblem(key, issue.input) ?? `${key} is not valid`,
      }),
    ]),
  ) as unknown as HeadSettingSchemas;
}

export const ImageFilter = z
  .object({
    kind: z
      .enum([
        'all',
        'unlabeled',
        'labeled',
        'class',
        'failed',
        'missing',
        'split',
        'ids',
        // The current run's predictions (an empty page while there is no run): unlabeled images
        // with a suggestion, labeled images whose out-of-fold prediction confidently disagrees,
        // and images in near-duplicate pairs. These keep their own order; `sort` does not apply.
        'suggestions',
        'mislabeled',
        'duplicates',
      ])
      .default('all'),
    classId: Id.optional(),
    split: z.enum(['train', 'validation', 'test']).optional(),
    ids: z.array(Id).max(100_000).optional(),
    search: z.string().max(500).optional(),
    /** Suggestions only: smallest margin first (default) or most probable first. */
    order: z.enum(['uncertain', 'confident']).optional(),
    /**
     * The probability each listed image shows is at least this: the suggestion's for
     * suggestions, the out-of-fold prediction's for mislabeled (a higher bar than the rule's own
     * only narrows the list). The same meaning as in predictions.query.
     */
    minProbability: z.number().min(0).max(1).optional(),
  })
  .strict()
  .superRefine((f, ctx) => {
    if (f.order !== undefined && f.kind !== 'suggestions')
      ctx.addIssue({ code: 'custom', path: ['order'], message: 'order applies to kind "suggestions" only' });
    if (f.minProbability !== undefined && f.kind !== 'suggestions' && f.kind !== 'mislabeled')
      ctx.addIssue({
        code: 'custom',
        path: ['minProbability'],
        message: 'minProbability applies to kinds "suggestions" and "mislabeled" only',
      });
    if (f.kind === 'class' && f.classId === undefined)
      ctx.addIssue({ code: 'custom', message: 'filter kind "class" needs classId' });
    if (f.kind === 'split' && f.split === undefined)
      ctx.addIssue({ code: 'custom', message: 'filter kind "split" needs split' });
    if (f.kind === 'ids' && f.ids === undefined)
      ctx.addIssue({ code: 'custom', message: 'filter kind "ids" needs ids' });
  });
export type ImageFilter = z.input<typeof ImageFilter>;

export const Color = z.string().regex(/^#[0-9a-fA-F]{6}$/, 'colour must look like #12ab9f');
export const HotKey = z.string().regex(/^[0-9a-z]$/, 'a hotkey is one digit or lowercase letter');
export const ClassName = z
  .string()
  .trim()
  .min(1, 'a class name is required')
  .max(100, 'a class name has at most 100 characters')
  // eslint-disable-next-line no-control-regex
  .regex(/^[^\u0000-\u001f\u007f]+$/, 'a class name cannot contain control characters');

// ---------------------------------------------------------------------------------------------
// Methods

export const methods = {
  'app.info': method(Empty, returns<AppInfo>(), 'Version, platform, engines and the open project.'),

  'project.create': method(
    z.object({ path: Path, force: z.boolean().default(false) }).strict(),
    returns<ProjectInfo>(),
    'Create a new project file (and open it). Refuses an existing file. Like project.close, refuses ' +
      'to stop running jobs without force: true.',
  ),
  'project.open': method(
    z.object({ path: Path, force: z.boolean().default(false) }).strict(),
    returns<ProjectInfo>(),
    'Open an existing project. Like project.close, refuses to stop running jobs without force: true.',
  ),
  'project.close': method(
    z.object({ force: z.boolean().default(false) }).strict(),
    returns<{ closed: boolean }>(),
    'Close the open project, if any. While jobs run (whoever started them) it refuses with a ' +
      '"conflict" naming them, unless force: true, which cancels them.',
  ),
  'project.recent': method(Empty, returns<RecentProject[]>(), 'Recently opened projects, newest first.'),
  'project.current': method(Empty, returns<ProjectInfo | null>(), 'The open project, or null.'),

  'jobs.list': method(Empty, returns<JobInfo[]>(), 'Running and recently finished jobs.'),
  'jobs.get': method(z.object({ jobId: z.string().min(1) }).strict(), returns<JobInfo>(), 'One job.'),
  'jobs.cancel': method(
    z.object({ jobId: z.string().min(1) }).strict(),
    returns<{ cancelled: boolean }>(),
    'Ask a running job to stop; it finishes with status "cancelled" and nothing half-written.',
  ),

  // --- dataset: classes, images, labels, import, CSV ---

  'classes.list': method(Empty, returns<ClassInfo[]>(), 'Classes in display order, with image counts.'),
  'classes.create': method(
    z.object({ name: ClassName, color: Color.optional(), key: HotKey.nullable().optional() }).strict(),
    returns<ClassInfo>(),
    'Add a class. Names are unique ignoring case. Without a colour or key, the next free ones are ' +
      'picked (key null: no key).',
  ),
  'classes.update': method(
    z
      .object({
        id: Id,
        name: ClassName.optional(),
        color: Color.optional(),
        key: HotKey.nullable().optional(),
      })
      .strict(),
    returns<ClassInfo>(),
    'Rename, recolour or rebind a class (key null removes its key).',
  ),
  'classes.reorder': method(
    z.object({ ids: z.array(Id).max(10_000) }).strict(),
    returns<ClassInfo[]>(),
    'Put the classes in this order; ids must list every class once.',
  ),
  'classes.merge': method(
    z.object({ sourceIds: z.array(Id).min(1).max(1000), targetId: Id }).strict(),
    returns<LabelChange>(),
    'Move every image of the source classes to the target and delete the sources (one undo step).',
  ),
  'classes.delete': method(
    z.object({ id: Id, confirm: z.boolean().default(false) }).strict(),
    returns<LabelChange>(),
    'Delete a class. With images labeled, needs confirm: true and unlabels them (one undo step).',
  ),

  'images.query': method(
    z
      .object({
        filter: ImageFilter.default({ kind: 'all' }),
        sort: z.enum(['added', 'path', 'name']).default('added'),
        order: z.enum(['asc', 'desc']).default('asc'),
        offset: z.number().int().min(0).default(0),
        limit: z.number().int().min(1).max(1000).default(100),
      })
      .strict(),
    returns<ImagePage>(),
    'One page of images matching a filter (filter.search narrows any kind to paths containing it). ' +
      'The prediction kinds (suggestions, mislabeled, duplicates) keep their own order and ignore sort.',
  ),
  'images.add': method(
    z
      .object({
        name: z.string().trim().min(1).max(200),
        base64: z.string().min(1).max(40_000_000),
        classId: Id.nullable().default(null),
      })
      .strict(),
    returns<ImageRow>(),
    'Add one uploaded image (e.g. from "Try it") to the project, optionally labeled. It is kept in a ' +
      '"<project>-uploads" folder beside the project file.',
  ),
  'images.get': method(z.object({ id: Id }).strict(), returns<ImageRow>(), 'One image.'),
  'images.remove': method(
    z.object({ imageIds: z.array(Id).min(1).max(100_000) }).strict(),
    returns<{ removed: number }>(),
    'Take images out of the project (their files stay where they are); a rescan leaves them out.',
  ),
  'images.setSplit': method(
    z
      .object({ imageIds: z.array(Id).min(1).max(100_000), split: z.enum(['train', 'validation', 'test']) })
      .strict(),
    returns<{ changed: number }>(),
    'Put images in one split (e.g. both images of a near-duplicate pair, so validation stays honest).',
  ),
  'images.counts': method(Empty, returns<DatasetCounts>(), 'Counts by status, label, class and split.'),

  'labels.set': method(
    z
      .object({
        imageIds: z.array(Id).min(1).max(100_000),
        classId: Id.nullable(),
        source: z.enum(['human', 'accepted-suggestion']).default('human'),
      })
      .strict(),
    returns<LabelChange>(),
    'Label images with a class (classId null clears their labels), in one transaction and one undo step.',
  ),
  'labels.undo': method(
    Empty,
    returns<LabelChange>(),
    'Undo the last label change (step null: nothing to undo).',
  ),
  'labels.redo': method(
    Empty,
    returns<LabelChange>(),
    'Redo the last undone change (step null: nothing to redo).',
  ),
  'labels.history': method(
    Empty,
    returns<HistoryState>(),
    'Whether undo and redo are possible, and of what.',
  ),

  'import.start': method(
    z.object({ folder: Path, labelsFromFolders: z.boolean().default(false) }).strict(),
    returns<JobStarted>(),
    'Import a folder and its subfolders as a job (result: ImportResult). labelsFromFolders: ' +
      'folder/<class>/<image> labels the image. Files are written in batches of 200, one transaction ' +
      'each; cancelling keeps the batches committed so far (whole images only) and importing again ' +
      'carries on from there.',
  ),
  'import.rescan': method(
    z.object({ folder: Path.optional() }).strict(),
    returns<JobStarted>(),
    'Walk imported folders again (all of them, or one): picks up new, changed and missing files.',
  ),
  'import.roots': method(Empty, returns<ImportRoot[]>(), 'The folders imported into this project.'),

  'dataset.importCsv': method(
    z.object({ file: Path, createClasses: z.boolean().default(true) }).strict(),
    returns<CsvImportResult>(),
    'Apply labels from a CSV of path,label (header optional; paths absolute or relative to the CSV; ' +
      'an empty label clears it). One undo step.',
  ),
  'dataset.export': method(
    z
      .object({
        format: z.enum(['csv', 'folders']),
        out: Path,
        mode: z.enum(['copy', 'hardlink', 'symlink']).optional(),
      })
      .strict()
      .superRefine((a, ctx) => {
        if (a.format === 'csv' && a.mode !== undefined)
          ctx.addIssue({
            code: 'custom',
            path: ['mode'],
            message: 'mode applies to the folders format only',
          });
      }),
    returns<JobStarted>(),
    'Export labels as a CSV (out: a .csv file, or a folder that gets labels.csv) or as out/<class>/<image> ' +
      '(copies, hard links or symbolic links), as a job; its result is a DatasetExportResult.',
  ),

  // --- end dataset ---

  // --- model, features, training, runs, predictions, export ---
  'model.status': method(
    Empty,
    returns<ModelStatus>(),
    'Whether the project has a usable model, and its features.',
  ),
  'model.download': method(
    z
      .object({
        url: z.url().optional(),
        sha256: z
          .string()
          .regex(/^[0-9a-f]{64}$/, 'sha256 must be 64 lowercase hex digits')
          .optional(),
        bytes: z.number().int().positive().optional(),
      })
      .strict(),
    returns<JobStarted>(),
    'Download the pretrained model (resumable, verified) and use it for the project.',
  ),
  'model.import': method(
    z.object({ path: Path, preprocessing: PreprocessingChoice.optional() }).strict(),
    returns<ModelStatus>(),
    'Use a local .onnx file (for offline machines); it is checked and copied into the data folder. ' +
      'preprocessing: how the model wants its pixels (caffe, torchvision, tf, or custom parts); needed ' +
      'when the file does not say.',
  ),
  'model.preprocessing': method(
    z.object({ preprocessing: PreprocessingChoice }).strict(),
    returns<ModelStatus>(),
    "Change the current model's preprocessing; its cached features are dropped and computed again.",
  ),
  'model.use': method(
    z
      .object({ sha256: z.string().regex(/^[0-9a-f]{64}$/, 'sha256 must be 64 lowercase hex digits') })
      .strict(),
    returns<ModelStatus>(),
    'Use a model already on this machine (from ModelStatus.library): nothing is downloaded or copied.',
  ),
  'features.start': method(
    z
      .object({
        engine: z
          .enum([
            'auto',
            'onnxruntime-webgpu',
            'onnxruntime-dml',
            'onnxruntime-coreml',
            'onnxruntime-cuda',
            'tfjs-node-gpu',
            'tfjs-node',
            'onnxruntime',
            'wasm',
          ])
          .default('auto'),
        batchSize: z.number().int().min(1).max(256).optional(),
        augment: z.boolean().default(false),
      })
      .strict(),
    returns<JobStarted>(),
    'Compute the feature vector of every image that lacks one for the current model.',
  ),
  'features.cancel': method(Empty, returns<{ cancelled: boolean }>(), 'Stop feature extraction (resumable).'),
  'predict.images': method(
    z
      .object({
        paths: z.array(Path).min(1).max(1000).optional(),
        images: z
          .array(z.object({ name: z.string().max(500), base64: z.string().max(30_000_000) }).strict())
          .min(1)
          .max(16)
          .optional(),
        imagenet: z.boolean().default(false),
        topK: z.number().int().min(1).max(20).default(5),
      })
      .strict()
      .refine((a) => (a.paths ? 1 : 0) + (a.images ? 1 : 0) === 1, 'give exactly one of paths or images'),
    returns<ImagePrediction[]>(),
    'Top-k predictions for images on disk or uploaded: ImageNet classes, or the current run.',
  ),
  'train.start': method(
    z
      .object({
        settings: z
          .object({ ...headSettingSchemas(), augment: z.boolean() })
          .partial()
          .strict()
          .default({}),
      })
      .strict(),
    returns<JobStarted>(),
    'Train a new final layer on the labeled images (one click: every setting has a default).',
  ),
  'train.cancel': method(Empty, returns<{ cancelled: boolean }>(), 'Stop training; no run is stored.'),
  'runs.list': method(Empty, returns<RunSummary[]>(), 'Every training run, newest first.'),
  'runs.get': method(z.object({ id: Id }).strict(), returns<RunDetail>(), 'One run with all its metrics.'),
  'runs.compare': method(
    z.object({ a: Id, b: Id }).strict(),
    returns<RunComparison>(),
    'Two runs side by side, and the images whose label changed between them.',
  ),
  'runs.setCurrent': method(
    z.object({ id: Id }).strict(),
    returns<RunSummary>(),
    'Make a run the current model.',
  ),
  'predictions.query': method(
    z
      .object({
        kind: z.enum(['all', 'suggestions', 'mislabeled', 'duplicates']).default('all'),
        order: z.enum(['uncertain', 'confident']).default('uncertain'),
        /**
         * Each item's `probability` is at least this (for mislabeled, the out-of-fold one), as
         * images.query's filter of the same kind; duplicates ignore it.
         */
        minProbability: z.number().min(0).max(1).default(0),
        offset: z.number().int().min(0).default(0),
        limit: z.number().int().min(1).max(1000).default(100),
      })
      .strict(),
    returns<PredictionPage>(),
    "The current run's predictions: suggestions for unlabeled images, likely mislabeled, duplicates.",
  ),
  'predictions.get': method(
    z.object({ imageId: Id, topK: z.number().int().min(1).max(100).default(5) }).strict(),
    returns<{ runId: number; top: { classId: number; label: string; probability: number }[] } | null>(),
    "The current run's stored top-k classes for one image (null when it has none).",
  ),
  'suggestions.accept': method(
    z
      .object({
        minProbability: z.number().min(0).max(1).optional(),
        imageIds: z.array(Id).min(1).max(100_000).optional(),
        dryRun: z.boolean().default(false),
      })
      .strict()
      .refine(
        (a) => a.minProbability !== undefined || a.imageIds !== undefined,
        'give minProbability or imageIds',
      ),
    returns<{ accepted: number }>(),
    'Label unlabeled images with their suggestion (source: accepted-suggestion), as one undoable step.',
  ),
  'map.layout': method(
    z.object({ method: z.enum(['umap', 'pca']).default('umap'), force: z.boolean().default(false) }).strict(),
    returns<JobStarted>(),
    'Compute the map layout of every image with features (a job; cached per model and feature set).',
  ),
  'map.points': method(
    z
      .object({
        layout: z.enum(['auto', 'pca', 'umap']).default('auto'),
        offset: z.number().int().min(0).default(0),
        limit: z.number().int().min(1).max(200_000).default(100_000),
      })
      .strict(),
    returns<MapPoints>(),
    'Map points, packed: auto = the UMAP layout when it is current, else PCA (computed on the spot).',
  ),
  'clusters.propose': method(
    z
      .object({
        k: z.number().int().min(1).max(50).optional(),
        scope: z.enum(['unlabeled', 'all']).default('unlabeled'),
        imageIds: z.array(Id).min(1).max(200_000).optional(),
        typical: z.number().int().min(0).max(50).default(8),
        atypical: z.number().int().min(0).max(50).default(4),
      })
      .strict(),
    returns<ClusterProposal>(),
    'Group images by their features (k-means; k picked by silhouette when not given).',
  ),
  'export.start': method(
    z
      .object({
        format: z.enum(['tfjs', 'onnx', 'both']).default('both'),
        out: Path,
        runId: Id.optional(),
        quantize: z.enum(['none', 'float16', 'uint8']).default('none'),
        preprocessing: z.boolean().default(true),
        force: z.boolean().default(false),
      })
      .strict(),
    returns<JobStarted>(),
    'Export the run as TensorFlow.js and/or ONNX, then self-check the files with the stock loaders.',
  ),

  // --- end model ---

  // --- file browser: lists folders on the machine running Incept (never reads files but images) ---
  'files.list': method(
    z
      .object({
        path: Path.optional(),
        accept: z
          .array(z.string().regex(/^\.[A-Za-z0-9]{1,12}$/, 'a file ending such as ".onnx"'))
          .max(20)
          .default([]),
        showHidden: z.boolean().default(false),
      })
      .strict(),
    returns<FolderListing>(),
    'The folders, images and accepted files in a folder (home when no path), with image counts per subfolder.',
  ),
  'files.previews': method(
    z.object({ path: Path, count: z.number().int().min(1).max(12).default(6) }).strict(),
    returns<FolderPreview[]>(),
    "Small thumbnails of a folder's first images.",
  ),
  'files.places': method(Empty, returns<Places>(), 'Home, drives, recent folders and bookmarks.'),
  'files.remember': method(
    z.object({ path: Path }).strict(),
    returns<Places>(),
    'Add a folder to the recent folders.',
  ),
  'files.bookmark': method(
    z.object({ path: Path, bookmarked: z.boolean() }).strict(),
    returns<Places>(),
    'Add or remove a bookmark.',
  ),
} as const;

export type Methods = typeof methods;
export type MethodName = keyof Methods;
export type MethodArgs<M extends MethodName> = z.input<Methods[M]['args']>;
export type ParsedArgs<M extends MethodName> = z.output<Methods[M]['args']>;
export type MethodResult<M extends MethodName> = Methods[M]['result'];

export const methodNames = Object.keys(methods) as MethodName[];

export function isMethodName(name: unknown): name is MethodName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(methods, name);
}

// ---------------------------------------------------------------------------------------------
// Events pushed by the backend

/** A `dataset.changed` names its images only up to this many; a bigger change comes without ids. */
export const MAX_IDS_IN_EVENT = 1000;

export interface Events {
  'job.progress': JobProgress;
  'job.finished': JobInfo;
  'dataset.changed': {
    reason: 'import' | 'labels' | 'classes' | 'rescan' | 'csv' | 'removed' | 'splits';
    imageIds?: number[];
  };
  'project.changed': { project: ProjectInfo | null };
}
export type EventName = keyof Events;
export const eventNames: readonly EventName[] = [
  'job.progress',
  'job.finished',
  'dataset.changed',
  'project.changed',
];

/** What the renderer and every client program against. */
export interface Api {
  call<M extends MethodName>(method: M, args: MethodArgs<M>): Promise<MethodResult<M>>;
  on<E extends EventName>(event: E, listener: (payload: Events[E]) => void): () => void;
}

/** Electron IPC channel for a method: `domain:verb` (GitHub Desktop's naming). */
export function channelFor(name: MethodName): string {
  return `api:${name.replace('.', ':')}`;
}
