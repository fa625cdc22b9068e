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
import { SPLITS } from '../domain/splits.ts';
import type {
  AcceptSuggestionsRequest,
  ExportRequest,
  PredictRequest,
  TrainRequestSettings,
} from '../domain/requests.ts';
import { ClassName } from '../domain/class-name.ts';
import { ImageFilter, ImageQueryArgs } from '../domain/image-query.ts';
import { ENGINE_NAMES } from '../domain/engines.ts';
import { CHANNEL_ORDERS, NAMED_PRESETS } from '../domain/preprocessing.ts';
import type {
  ClassInfo,
  ImageStatus,
  LabelSource,
  ImageRow,
  ImagePage,
  DatasetCounts,
  HistoryState,
  LabelChange,
  ImportRoot,
  ImportCounters,
  ImportResult,
  CsvImportResult,
  DatasetExportResult,
} from '../domain/dataset.ts';
import type { EngineName, EngineStatus } from '../domain/engines.ts';
import type { Events, EventName } from '../domain/events.ts';
import type { FolderEntry, FolderListing, FolderPreview, Places } from '../domain/files.ts';
import type { JobKind, JobStatus, JobProgress, JobInfo, JobStarted } from '../domain/jobs.ts';
import type { MapPoints, MapLayoutResult, MapCheck, ClusterProposal } from '../domain/map.ts';
import type { ModelSource, ModelDescription, ModelStatus, ImagePrediction } from '../domain/model.ts';
import type { ProjectInfo, RecentProject, AppInfo } from '../domain/project.ts';
import type { Split } from '../domain/splits.ts';
import type {
  TrainSettings,
  ClassMetrics,
  SplitMetrics,
  EpochStats,
  RunSummary,
  RunDetail,
  RunComparison,
  PredictionRow,
  PredictionPage,
  ExportReport,
} from '../domain/training.ts';
import {
  settingProblem,
  TRAIN_SETTING_FIELDS,
  type TrainSettingKey,
  type TrainSettings as HeadSettings,
} from '../domain/train-settings.ts';

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
  z.enum(NAMED_PRESETS),
  z
    .object({
      channelOrder: z.enum(CHANNEL_ORDERS),
      scale: z.number().positive(),
      mean: z.array(z.number()).length(3),
      std: z.array(z.number().positive()).length(3),
    })
    .strict(),
]);

const Path = z.string().trim().min(1, 'a path is required').max(4096);

// ---------------------------------------------------------------------------------------------
// Shared result shapes and events: declared in src/domain (below the API and the store), re-exported
// here so that every client programs against this one file.

export type {
  ClassInfo,
  ImageStatus,
  LabelSource,
  ImageRow,
  ImagePage,
  DatasetCounts,
  HistoryState,
  LabelChange,
  ImportRoot,
  ImportCounters,
  ImportResult,
  CsvImportResult,
  DatasetExportResult,
};
export type { EngineName, EngineStatus };
export type { Events, EventName };
export type { FolderEntry, FolderListing, FolderPreview, Places };
export type { JobKind, JobStatus, JobProgress, JobInfo, JobStarted };
export type { MapPoints, MapLayoutResult, MapCheck, ClusterProposal };
export type { ModelSource, ModelDescription, ModelStatus, ImagePrediction };
export type { ProjectInfo, RecentProject, AppInfo };
export type { Split };
export type {
  TrainSettings,
  ClassMetrics,
  SplitMetrics,
  EpochStats,
  RunSummary,
  RunDetail,
  RunComparison,
  PredictionRow,
  PredictionPage,
  ExportReport,
};
export { eventNames, MAX_IDS_IN_EVENT } from '../domain/events.ts';
export { SPLITS };

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

export { ImageFilter };

export const Color = z.string().regex(/^#[0-9a-fA-F]{6}$/, 'colour must look like #12ab9f');
export const HotKey = z.string().regex(/^[0-9a-z]$/, 'a hotkey is one digit or lowercase letter');
export { ClassName };

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
    ImageQueryArgs,
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
    z.object({ imageIds: z.array(Id).min(1).max(100_000), split: z.enum(SPLITS) }).strict(),
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
        engine: z.enum(['auto', ...ENGINE_NAMES]).default('auto'),
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
  'map.check': method(
    z
      .object({
        layout: z.enum(['auto', 'pca', 'umap']).default('auto'),
        key: z.string().min(1).max(200),
      })
      .strict(),
    returns<MapCheck>(),
    'Whether map points answered with this key are still current (labels aside), without the points.',
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

/** The services' request types (src/domain/requests.ts) must accept what the schemas parse. */
type Accepts<Service, Parsed extends Service> = Parsed;
export type ServiceRequestsMatchSchemas = [
  Accepts<ExportRequest, ParsedArgs<'export.start'>>,
  Accepts<PredictRequest, ParsedArgs<'predict.images'>>,
  Accepts<AcceptSuggestionsRequest, ParsedArgs<'suggestions.accept'>>,
  Accepts<TrainRequestSettings, ParsedArgs<'train.start'>['settings']>,
];

export const methodNames = Object.keys(methods) as MethodName[];

export function isMethodName(name: unknown): name is MethodName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(methods, name);
}

/** What the renderer and every client program against. */
export interface Api {
  call<M extends MethodName>(method: M, args: MethodArgs<M>): Promise<MethodResult<M>>;
  on<E extends EventName>(event: E, listener: (payload: Events[E]) => void): () => void;
}

/** Electron IPC channel for a method: `domain:verb` (GitHub Desktop's naming). */
export function channelFor(name: MethodName): string {
  return `api:${name.replace('.', ':')}`;
}
