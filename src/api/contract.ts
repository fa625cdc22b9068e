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
const Path = z.string().trim().min(1, 'a path is required').max(4096);

// ---------------------------------------------------------------------------------------------
// Shared result shapes

export type EngineName = 'tfjs-node-gpu' | 'tfjs-node' | 'onnxruntime' | 'wasm';

export interface EngineStatus {
  name: EngineName;
  label: string;
  available: boolean;
  reason?: string;
}

export interface ProjectInfo {
  path: string;
  name: string;
  schemaVersion: number;
  createdAt: string;
  imageCount: number;
  classCount: number;
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
  color: string;
  order: number;
  key: string | null;
  count: number;
}

export type ImageStatus = 'ok' | 'missing' | 'unreadable';
export type Split = 'train' | 'validation' | 'test';
export type LabelSource = 'human' | 'imported' | 'accepted-suggestion';

export interface ImageRow {
  id: number;
  path: string;
  name: string;
  hash: string;
  width: number | null;
  height: number | null;
  format: string | null;
  bytes: number;
  status: ImageStatus;
  error: string | null;
  split: Split;
  classId: number | null;
  labelSource: LabelSource | null;
  addedAt: string;
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

export type JobKind = 'import' | 'rescan' | 'features' | 'train' | 'export' | 'model-download';
export type JobStatus = 'running' | 'succeeded' | 'failed' | 'cancelled';

export interface JobProgress {
  jobId: string;
  kind: JobKind;
  /** What the job is doing now, in words ("hashing", "epoch 3 of 40"). */
  phase: string;
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

export interface JobStarted {
  jobId: string;
}

// ---------------------------------------------------------------------------------------------
// Argument schemas that several methods share

export const ImageFilter = z
  .object({
    kind: z
      .enum(['all', 'unlabeled', 'labeled', 'class', 'failed', 'missing', 'split', 'ids'])
      .default('all'),
    classId: Id.optional(),
    split: z.enum(['train', 'validation', 'test']).optional(),
    ids: z.array(Id).max(100_000).optional(),
    search: z.string().max(500).optional(),
  })
  .strict()
  .superRefine((f, ctx) => {
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

// ---------------------------------------------------------------------------------------------
// Methods

export const methods = {
  'app.info': method(Empty, returns<AppInfo>(), 'Version, platform, engines and the open project.'),

  'project.create': method(
    z.object({ path: Path }).strict(),
    returns<ProjectInfo>(),
    'Create a new project file (and open it). Refuses an existing file.',
  ),
  'project.open': method(
    z.object({ path: Path }).strict(),
    returns<ProjectInfo>(),
    'Open an existing project.',
  ),
  'project.close': method(Empty, returns<{ closed: boolean }>(), 'Close the open project, if any.'),
  'project.recent': method(Empty, returns<RecentProject[]>(), 'Recently opened projects, newest first.'),
  'project.current': method(Empty, returns<ProjectInfo | null>(), 'The open project, or null.'),

  'jobs.list': method(Empty, returns<JobInfo[]>(), 'Running and recently finished jobs.'),
  'jobs.get': method(z.object({ jobId: z.string().min(1) }).strict(), returns<JobInfo>(), 'One job.'),
  'jobs.cancel': method(
    z.object({ jobId: z.string().min(1) }).strict(),
    returns<{ cancelled: boolean }>(),
    'Ask a running job to stop; it finishes with status "cancelled" and nothing half-written.',
  ),

  // --- dataset: classes, images, labels, import, CSV (issue 3) ---

  // --- end dataset ---

  // --- model, features, training, runs, predictions, export (issues 4-6) ---

  // --- end model ---
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

export interface Events {
  'job.progress': JobProgress;
  'job.finished': JobInfo;
  'dataset.changed': { reason: 'import' | 'labels' | 'classes' | 'rescan' | 'csv'; imageIds?: number[] };
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
