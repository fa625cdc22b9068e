/**
 * Import and rescan: walk folders, read each image file's facts, and write them in batches.
 *
 * Durability: every batch (BATCH_SIZE files) is one transaction. Cancelling stops at the next
 * batch boundary: batches already committed stay (each of those images is complete, with its
 * label), the batch in progress is dropped, and nothing is marked missing. Importing or
 * rescanning the folder again picks up what was left, because files already known with the
 * same size and modification time are passed over without being read.
 */
import { existsSync, statSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import type { Core } from '../core.ts';
import { ClassName } from '../domain/class-name.ts';
import { ApiError } from '../domain/errors.ts';
import type { ImportCounters, ImportResult, ImportRoot } from '../domain/dataset.ts';
import type { JobContext } from '../domain/jobs.ts';
import { findOrCreateClass } from '../store/classes.ts';
import {
  findImageByHash,
  findImageByPath,
  findRoot,
  insertImage,
  listRoots,
  labelIfUnlabeled,
  markMissing,
  markRootScanned,
  markSeen,
  nextScanId,
  updateImage,
  upsertRoot,
  type ImageFileRow,
  type KnownImage,
} from '../store/image-writes.ts';
import { isRemovedPath } from '../store/image-removal.ts';
import type { ProjectStore } from '../store/project.ts';
import { splitFor } from '../store/splits.ts';
import { noImagesReason } from '../images/import-summary.ts';
import { describeFsError, inspectFile, type ImageFacts } from '../images/inspect.ts';
import { walkImages, type WalkEntry } from '../images/walk.ts';

export const BATCH_SIZE = 200;
/** Lists in the result keep this many entries; the counters stay exact. */
const REPORT_LIMIT = 500;
/** dataset.changed at most this often while importing. */
const CHANGED_EVERY_MS = 500;

export interface ScanRoot {
  path: string;
  labelsFromFolders: boolean;
}

export interface ScanOptions {
  roots: ScanRoot[];
  /**
   * Files in flight at once. Each is stat, read and header-parsed on libuv's pool (4 threads)
   * while this thread hashes the previous one and writes batches, so twice the cores keeps
   * both cores busy without piling up buffers. No pixels are decoded at import.
   */
  parallel?: number;
  batchSize?: number;
  /** Folders never to enter (the project's cache). */
  exclude?: ReadonlySet<string>;
  /** Told after each committed batch (for dataset.changed). */
  onCommit?: () => void;
  /** Test hook: runs after a file is listed and before it is read. */
  beforeRead?: (path: string) => void | Promise<void>;
}

type Outcome =
  | { kind: 'unchanged'; entry: WalkEntry; known: KnownImage }
  | { kind: 'read'; entry: WalkEntry; known: KnownImage | undefined; row: ImageFileRow };

export function emptyCounters(): ImportCounters {
  return {
    seen: 0,
    imported: 0,
    skipped: 0,
    failed: 0,
    duplicates: 0,
    unchanged: 0,
    changed: 0,
    restored: 0,
    moved: 0,
    missing: 0,
  };
}

export async function scanFolders(
  project: ProjectStore,
  opts: ScanOptions,
  ctx: JobContext,
): Promise<ImportResult> {
  const db = project.db;
  const parallel = opts.parallel ?? Math.max(4, availableParallelism() * 2);
  const batchSize = opts.batchSize ?? BATCH_SIZE;
  const seed = project.setting('split_seed') ?? '0';
  const counters = emptyCounters();
  const exclude = opts.exclude ?? new Set([project.cacheDir]);
  const result: ImportResult = {
    roots: opts.roots.map((r) => r.path),
    counters,
    failures: [],
    skippedFiles: [],
    duplicateFiles: [],
    truncated: false,
    noImagesReason: null,
  };
  const note = <T>(list: T[], item: T): void => {
    if (list.length < REPORT_LIMIT) list.push(item);
    else result.truncated = true;
  };
  const classIds = new Map<string, number | null>();
  let lastChanged = 0;
  let total = 0;

  let counting = true;
  const progress = (phase: string): void =>
    ctx.progress({ done: counters.seen, total: counting ? null : total, phase, counters: { ...counters } });

  // A first pass counts the files so that progress has a total and an ETA; listing folders
  // costs little next to reading every file.
  for (const root of opts.roots) {
    ctx.throwIfCancelled();
    progress(`counting files in ${root.path}`);
    try {
      for await (const _ of walkImages(
        root.path,
        { skipped: () => {}, folderFailed: () => {} },
        ctx.signal,
        exclude,
      )) {
        total++;
        if (total % 1000 === 0) progress(`counting files in ${root.path}`);
      }
    } catch {
      // The root itself is unreadable: the scan below reports it.
    }
  }
  ctx.throwIfCancelled();
  counting = false;

  const classFor = (root: ScanRoot, entry: WalkEntry): number | null => {
    if (!root.labelsFromFolders || entry.topFolder === null) return null;
    let id = classIds.get(entry.topFolder);
    if (id === undefined) {
      const name = ClassName.safeParse(entry.topFolder);
      if (name.success) {
        id = findOrCreateClass(db, name.data).id;
      } else {
        id = null;
        note(result.skippedFiles, {
          path: join(root.path, entry.topFolder),
          reason: `the folder name cannot be a class name (${name.error.issues[0]?.message}); its images stay unlabeled`,
        });
      }
      classIds.set(entry.topFolder, id);
    }
    return id;
  };

  const commit = (root: ScanRoot, scanId: number, outcomes: Outcome[]): void => {
    project.writeTransaction(() => {
      for (const o of outcomes) apply(root, scanId, o);
    });
    const now = Date.now();
    if (now - lastChanged >= CHANGED_EVERY_MS) {
      lastChanged = now;
      opts.onCommit?.();
    }
  };

  const apply = (root: ScanRoot, scanId: number, o: Outcome): void => {
    if (o.kind === 'unchanged') {
      markSeen(db, o.known.id, scanId);
      counters.unchanged++;
      // An unreadable file gets its folder's label (and makes the class) once it can be read.
      if (o.known.status === 'unreadable') return;
      const cls = classFor(root, o.entry);
      if (cls !== null) labelIfUnlabeled(db, o.known.id, cls);
      return;
    }
    const { row, known, entry } = o;
    const failed = (): void => {
      counters.failed++;
      note(result.failures, { path: row.path, reason: row.error ?? 'unreadable' });
    };
    let id: number;
    if (known) {
      updateImage(db, known.id, row, scanId);
      id = known.id;
      if (row.status === 'unreadable') failed();
      else if (known.status === 'missing') counters.restored++;
      else if (known.hash !== row.hash) counters.changed++;
      else counters.unchanged++;
    } else {
      if (isRemovedPath(db, row.path)) {
        counters.skipped++;
        note(result.skippedFiles, { path: row.path, reason: 'it was removed from the project' });
        return;
      }
      const twin = row.status === 'ok' && row.hash ? findImageByHash(db, row.hash) : undefined;
      if (twin && (twin.status === 'missing' || !existsSync(twin.path))) {
        // The same bytes under a new path, and the old path is gone: the file was moved.
        // Keep the row (and its label), at its new place.
        updateImage(db, twin.id, row, scanId);
        counters.moved++;
        return;
      }
      if (twin) {
        counters.duplicates++;
        note(result.duplicateFiles, { path: row.path, duplicateOf: twin.path });
        return;
      }
      id = insertImage(db, row, scanId);
      if (row.status === 'ok') counters.imported++;
      else failed();
    }
    if (row.status !== 'ok') return;
    const cls = classFor(root, entry);
    if (cls !== null) labelIfUnlabeled(db, id, cls);
  };

  const read = async (entry: WalkEntry, known: KnownImage | undefined): Promise<Outcome> => {
    await opts.beforeRead?.(entry.path);
    let size = 0;
    let mtimeMs = 0;
    let facts: ImageFacts;
    try {
      const s = await stat(entry.path);
      size = s.size;
      mtimeMs = s.mtimeMs;
      if (known && known.status !== 'missing' && known.bytes === size && known.mtime_ms === mtimeMs) {
        return { kind: 'unchanged', entry, known };
      }
      facts = await inspectFile(entry.path, size);
    } catch (err) {
      facts = {
        status: 'unreadable',
        hash: null,
        width: null,
        height: null,
        format: null,
        error: describeFsError(err),
      };
    }
    return {
      kind: 'read',
      entry,
      known,
      row: {
        path: entry.path,
        name: entry.name,
        hash: facts.hash,
        bytes: size,
        mtimeMs,
        width: facts.width,
        height: facts.height,
        format: facts.format,
        status: facts.status,
        error: facts.error,
        split: splitFor(seed, facts.hash ?? `path:${entry.path}`),
      },
    };
  };

  const scanRoot = async (root: ScanRoot): Promise<void> => {
    const scanId = nextScanId(db);
    const unlisted: string[] = [];
    let rootGone = false;
    const reporter = {
      skipped: (path: string, reason: string) => {
        counters.skipped++;
        note(result.skippedFiles, { path, reason });
      },
      folderFailed: (path: string, reason: string) => {
        counters.skipped++;
        unlisted.push(path);
        note(result.skippedFiles, { path, reason });
      },
    };
    const inFlight = new Set<Promise<unknown>>();
    // Outcomes in walk order (not in the order reads finish): ids follow the walk, so the same
    // folder always gets the same ids.
    let batch: Promise<Outcome | null>[] = [];
    let failure: unknown = null;
    const phase = `reading ${root.path}`;
    const commitBatch = async (): Promise<void> => {
      const outcomes = await Promise.all(batch);
      batch = [];
      if (failure || ctx.signal.aborted) return;
      commit(
        root,
        scanId,
        outcomes.filter((o): o is Outcome => o !== null),
      );
      progress(phase);
    };
    progress(phase);
    try {
      for await (const entry of walkImages(root.path, reporter, ctx.signal, exclude)) {
        if (ctx.signal.aborted || failure) break;
        counters.seen++;
        progress(phase);
        const known = findImageByPath(db, entry.path);
        const task = read(entry, known).catch((err: unknown) => {
          failure ??= err;
          return null;
        });
        batch.push(task);
        inFlight.add(task);
        void task.finally(() => inFlight.delete(task));
        if (inFlight.size >= parallel) await Promise.race(inFlight);
        if (batch.length >= batchSize && !ctx.signal.aborted) await commitBatch();
      }
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') rootGone = true;
      else failure ??= err;
    }
    await Promise.all(inFlight);
    if (failure) throw failure;
    // A cancelled scan drops the batch in progress and marks nothing missing (see above).
    ctx.throwIfCancelled();
    if (batch.length) await commitBatch();
    project.transaction(() => {
      counters.missing += markMissing(db, root.path, scanId, unlisted);
      markRootScanned(db, root.path);
    });
    if (rootGone) {
      note(result.skippedFiles, { path: root.path, reason: 'the folder does not exist any more' });
    }
    progress(phase);
  };

  try {
    for (const root of opts.roots) await scanRoot(root);
  } finally {
    // Also after a cancel or failure: the batches committed so far are in the project.
    opts.onCommit?.();
  }
  result.noImagesReason = noImagesReason(result);
  return result;
}

/** An absolute, normalised folder path for import roots (so rescans find the same rows). */
export function normalizeFolder(path: string): string {
  return resolve(path);
}

function assertFolder(path: string): void {
  let isDir: boolean;
  try {
    isDir = statSync(path).isDirectory();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ApiError(
      code === 'ENOENT' ? 'not_found' : 'precondition',
      code === 'ENOENT'
        ? `No folder at ${path}. Check the path.`
        : `Cannot open ${path}: ${(err as Error).message}`,
    );
  }
  if (!isDir) throw new ApiError('invalid_args', `${path} is a file; import needs a folder.`);
}

/** Import and rescan write the same rows: one at a time. */
function assertNoScanRunning(core: Core): void {
  const running = core.jobs
    .list()
    .find((j) => j.status === 'running' && (j.kind === 'import' || j.kind === 'rescan'));
  if (running) {
    throw new ApiError(
      'conflict',
      `An ${running.kind} is already running (job ${running.id}); wait for it or cancel it first.`,
      { jobId: running.id },
    );
  }
}

/** What to do once a scan added or changed images (predict them with the current run). */
export type NewImagesHook = (core: Core, project: ProjectStore) => void;

function startScan(
  core: Core,
  kind: 'import' | 'rescan',
  roots: ScanRoot[],
  onNewImages: NewImagesHook,
): { jobId: string } {
  const project = core.requireProject();
  project.assertWritable();
  const job = core.jobs.start(kind, async (ctx) => {
    const result = await scanFolders(
      project,
      { roots, onCommit: () => core.events.emit('dataset.changed', { reason: kind }) },
      ctx,
    );
    const c = result.counters;
    if (c.imported + c.changed + c.restored + c.moved > 0) onNewImages(core, project);
    return result;
  });
  return { jobId: job.id };
}

/** Imports a folder (remembered as an import root) as a job. */
export function startImport(
  core: Core,
  folder: string,
  labelsFromFolders: boolean,
  onNewImages: NewImagesHook,
): { jobId: string } {
  const project = core.requireProject();
  project.assertWritable();
  const path = normalizeFolder(folder);
  assertFolder(path);
  assertNoScanRunning(core);
  upsertRoot(project.db, path, labelsFromFolders);
  return startScan(core, 'import', [{ path, labelsFromFolders }], onNewImages);
}

/** Walks one imported folder again, or all of them, as a job. */
export function startRescan(
  core: Core,
  folder: string | undefined,
  onNewImages: NewImagesHook,
): { jobId: string } {
  const project = core.requireProject();
  project.assertWritable();
  assertNoScanRunning(core);
  let roots: ScanRoot[];
  if (folder !== undefined) {
    const root = findRoot(project.db, normalizeFolder(folder));
    if (!root)
      throw new ApiError(
        'not_found',
        `${normalizeFolder(folder)} was never imported into this project; import it first.`,
      );
    roots = [{ path: root.path, labelsFromFolders: root.labelsFromFolders }];
  } else {
    roots = listRoots(project.db).map((r) => ({ path: r.path, labelsFromFolders: r.labelsFromFolders }));
    if (roots.length === 0)
      throw new ApiError(
        'precondition',
        'Nothing has been imported into this project yet; import a folder first.',
      );
  }
  return startScan(core, 'rescan', roots, onNewImages);
}

export function importRoots(core: Core): ImportRoot[] {
  return listRoots(core.requireProject().db);
}
