/**
 * The map's use cases: which images a layout covers, the cached or computed layouts, pages of
 * packed points, and cluster proposals. Reading 100 000 feature vectors and laying them out
 * takes seconds, so the API thread asks the compute worker for it (`runLayoutTask`,
 * `runClustersTask`) and only reads the cached result.
 */
import { statSync } from 'node:fs';
import type { Database } from 'better-sqlite3';
import { ApiError } from '../domain/errors.ts';
import type { ClusterProposal, MapCheck, MapLayoutResult, MapPoints } from '../domain/map.ts';
import { proposeClusters } from '../map/clusters.ts';
import { featureSetKey, sortHashes, type FeatureSet } from '../map/feature-set.ts';
import { updateLayout } from '../map/incremental.ts';
import {
  layoutFile,
  readLayout,
  readLayoutFile,
  writeLayout,
  type Layout,
  type LayoutMethod,
} from '../map/layout-cache.ts';
import { LayoutCancelled, pcaLayout, umapLayout, type LaidOut } from '../map/layouts.ts';
import { allMapPoints, packMapPoints, pointsKey, pointsPage, type AllPoints } from '../map/map-data.ts';
import {
  changeGeneration,
  clusterCandidates,
  featureDeletionStamp,
  hashesHavingFeatures,
  hashesWithFeatures,
  mapPointRows,
  readFeatureMatrix,
  type MapPointRow,
} from '../store/map.ts';
import { currentModel } from '../store/models.ts';
import { ProjectStore } from '../store/project.ts';
import { remedyDetails } from '../domain/remedies.ts';

export interface MapModel {
  id: number;
  sha256: string;
}

/** The model whose features the map shows: the project's current one. */
export function mapModel(project: ProjectStore): MapModel {
  const row = currentModel(project);
  if (!row)
    throw new ApiError(
      'precondition',
      'This project has no model yet, so there are no features to map.',
      remedyDetails('get-model'),
    );
  return { id: row.id, sha256: row.description.sha256 };
}

export function mapLayoutFile(
  cacheDir: string,
  project: { path: string },
  model: MapModel,
  method: LayoutMethod,
): string {
  return layoutFile(cacheDir, project.path, model.sha256, method);
}

export function featureSet(db: Database, modelId: number): FeatureSet {
  const hashes = sortHashes(hashesWithFeatures(db, modelId));
  return { modelId, hashes, key: featureSetKey(modelId, hashes) };
}

/** The PCA layout of the current feature set: from the cache, or computed here (about a second per 100 000). */
export function currentPcaLayout(
  cacheDir: string,
  project: ProjectStore,
  model: MapModel,
  set?: FeatureSet,
): Layout {
  const fs = set ?? featureSet(project.db, model.id);
  const file = mapLayoutFile(cacheDir, project, model, 'pca');
  const cached = readLayout(file, fs.key);
  if (cached) return cached;
  const t0 = performance.now();
  const laid = pcaLayout(readFeatureMatrix(project.db, model.id, fs.hashes));
  const layout = fullLayout('pca', fs, laid, (performance.now() - t0) / 1000);
  writeLayout(file, layout);
  return layout;
}

/** One page of the map's points at their place in `layout`. */
export function mapPoints(
  db: Database,
  layout: Layout,
  opts: { offset: number; limit: number; umap: MapPoints['umap'] },
): MapPoints {
  return packMapPoints(Array.from(mapPointRows(db)), layout, opts);
}

function fullLayout(method: LayoutMethod, set: FeatureSet, laid: LaidOut, seconds: number): Layout {
  return {
    method,
    key: set.key,
    hashes: set.hashes,
    coords: laid.coords,
    seconds,
    createdAt: new Date().toISOString(),
    placed: 0,
    basis: laid.basis,
    frame: laid.frame,
    reduced: laid.reduced,
  };
}

export interface LayoutTaskInput {
  projectPath: string;
  modelId: number;
  method: LayoutMethod;
  file: string;
  force: boolean;
  /**
   * Only bring the cached layout up to date by placing the new points; when that is not
   * possible (too many changes, no usable layout), fail with 'precondition' instead of laying
   * everything out (minutes for UMAP: that is the job's, when a person asks).
   */
  placeOnly?: boolean;
}

interface TaskHooks {
  signal: AbortSignal;
  progress(p: { done: number; total: number | null; phase?: string }): void;
}

/**
 * The UMAP (or PCA) layout as a compute-worker task: minutes of CPU for big sets must not hold
 * the API thread. The task reads the features through its own connection and writes the
 * layout to the cache file the API thread reads.
 */
export async function runLayoutTask(input: LayoutTaskInput, hooks: TaskHooks): Promise<MapLayoutResult> {
  const project = ProjectStore.open(input.projectPath);
  try {
    hooks.progress({ done: 0, total: null, phase: 'reading features' });
    const set = featureSet(project.db, input.modelId);
    const previous = input.force ? null : readLayoutFile(input.file);
    if (previous && previous.key === set.key)
      return {
        method: input.method,
        points: previous.hashes.length,
        cached: true,
        placed: previous.placed,
        seconds: 0,
      };
    if (previous) {
      const updated = updateLayout(previous, set, input.method, (hashes) =>
        readFeatureMatrix(project.db, input.modelId, hashes),
      );
      if (updated) {
        writeLayout(input.file, updated);
        return {
          method: input.method,
          points: set.hashes.length,
          cached: false,
          placed: updated.placed,
          seconds: updated.seconds,
        };
      }
    }
    if (input.placeOnly)
      throw new ApiError(
        'precondition',
        `The ${input.method.toUpperCase()} layout changed too much to place the new points; compute it again (map.layout).`,
      );
    const matrix = readFeatureMatrix(project.db, input.modelId, set.hashes);
    const t0 = performance.now();
    let laid: LaidOut;
    try {
      laid =
        input.method === 'pca'
          ? pcaLayout(matrix)
          : await umapLayout(matrix, {
              signal: hooks.signal,
              progress: (p) => hooks.progress(p),
            });
    } catch (err) {
      if (err instanceof LayoutCancelled) throw new ApiError('cancelled', err.message);
      throw err;
    }
    const seconds = (performance.now() - t0) / 1000;
    writeLayout(input.file, fullLayout(input.method, set, laid, seconds));
    return { method: input.method, points: set.hashes.length, cached: false, placed: 0, seconds };
  } finally {
    project.close();
  }
}

/**
 * What the API thread keeps between `map.points` calls on one project connection: the points'
 * rows and feature set as of one change generation of the project file, the layout files read
 * (by their identity on disk), and the packed points of each layout. While nothing changes,
 * a page is a slice of arrays already built.
 */
interface PointsMemo {
  generation: string;
  modelId: number;
  deletionStamp: string;
  /** Hashes seen with features (features are only added, short of a deletion stamp change). */
  withFeatures: Set<string>;
  rows: MapPointRow[];
  set: FeatureSet;
  layouts: Map<string, { stamp: string; layout: Layout | null }>;
  points: Map<string, AllPoints>;
  /** Feature set and UMAP file pairs a placement was tried for (see placedUmap). */
  umapAttempts: Set<string>;
  /** The points of the memo before, when its images were the same: their positions still hold. */
  earlier: Map<string, AllPoints>;
}

const memos = new WeakMap<Database, PointsMemo>();

const PROBE_AT_MOST = 2000;

function sameImages(a: readonly MapPointRow[], b: readonly MapPointRow[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i]!.id !== b[i]!.id || a[i]!.hash !== b[i]!.hash) return false;
  return true;
}

function pointsMemo(db: Database, modelId: number): PointsMemo {
  const generation = changeGeneration(db);
  const memo = memos.get(db);
  if (memo && memo.generation === generation && memo.modelId === modelId) return memo;
  const deletionStamp = featureDeletionStamp(db, modelId);
  const same = memo !== undefined && memo.modelId === modelId && memo.deletionStamp === deletionStamp;
  const withFeatures = same ? memo.withFeatures : new Set<string>();
  const rows = Array.from(mapPointRows(db));
  const unknown = new Set<string>();
  for (const r of rows) if (!withFeatures.has(r.hash)) unknown.add(r.hash);
  // Many unknown hashes (the first call, or features computed for a new import): one query
  // over the set beats a probe per hash called from here.
  const whole = unknown.size > PROBE_AT_MOST ? hashesWithFeatures(db, modelId) : null;
  const found = whole ?? hashesHavingFeatures(db, modelId, unknown);
  let gained = 0;
  for (const h of found)
    if (!withFeatures.has(h)) {
      withFeatures.add(h);
      gained++;
    }
  // A label or prediction change leaves the images and their features as they were: then the
  // set, and the positions of the points, are those of the memo.
  const unchangedImages = same && gained === 0 && sameImages(memo.rows, rows);
  let set: FeatureSet;
  if (unchangedImages) set = memo.set;
  else if (whole) {
    const hashes = sortHashes(whole);
    set = { modelId, hashes, key: featureSetKey(modelId, hashes) };
  } else {
    const distinct = new Set<string>();
    for (const r of rows) if (withFeatures.has(r.hash)) distinct.add(r.hash);
    const hashes = sortHashes([...distinct]);
    set = { modelId, hashes, key: featureSetKey(modelId, hashes) };
  }
  const next: PointsMemo = {
    generation,
    modelId,
    deletionStamp,
    withFeatures,
    rows,
    set,
    layouts: same ? memo.layouts : new Map(),
    points: new Map(),
    umapAttempts: same ? memo.umapAttempts : new Set(),
    earlier: unchangedImages ? memo.points : new Map(),
  };
  memos.set(db, next);
  return next;
}

/** The layout in `file` (any set), read again only when the file changed on disk. */
function memoLayout(memo: PointsMemo, file: string): { exists: boolean; layout: Layout | null } {
  let stamp: string;
  try {
    const st = statSync(file);
    stamp = `${st.mtimeMs} ${st.size} ${st.ino}`;
  } catch {
    memo.layouts.delete(file);
    return { exists: false, layout: null };
  }
  const hit = memo.layouts.get(file);
  if (hit && hit.stamp === stamp) return { exists: true, layout: hit.layout };
  const layout = readLayoutFile(file);
  // The API thread only draws: what places new points is the worker's business.
  if (layout) {
    layout.basis = undefined;
    layout.reduced = undefined;
  }
  memo.layouts.set(file, { stamp, layout });
  return { exists: true, layout };
}

function memoPoints(memo: PointsMemo, layout: Layout): AllPoints {
  const id = `${layout.method} ${layout.key} ${layout.createdAt}`;
  let all = memo.points.get(id);
  if (!all) {
    if (memo.points.size >= 4) memo.points.clear();
    all = allMapPoints(memo.rows, layout, memo.earlier.get(id));
    memo.points.set(id, all);
  }
  return all;
}

export interface PointsRequest {
  cacheDir: string;
  project: ProjectStore;
  model: MapModel;
  layout: 'auto' | 'pca' | 'umap';
  layoutInWorker(input: LayoutTaskInput): Promise<MapLayoutResult>;
}

/**
 * The points `map.points` answers: the UMAP layout when asked for or current, else PCA; a missing
 * or stale PCA layout is computed (or updated) by `layoutInWorker` (the compute worker) while
 * the API answers other calls.
 */
async function currentPoints(opts: PointsRequest): Promise<{ all: AllPoints; umap: MapPoints['umap'] }> {
  const { cacheDir, project, model } = opts;
  let memo = pointsMemo(project.db, model.id);
  const umapFile = mapLayoutFile(cacheDir, project, model, 'umap');
  const umapRead = memoLayout(memo, umapFile);
  let umap = umapRead.layout?.key === memo.set.key ? umapRead.layout : null;
  if (!umap && umapRead.layout && opts.layout !== 'pca') umap = await placedUmap(opts, memo, umapFile);
  const umapState: MapPoints['umap'] = umap ? 'current' : umapRead.exists ? 'stale' : 'none';
  if (opts.layout === 'umap' && !umap) {
    throw new ApiError(
      'precondition',
      umapState === 'stale'
        ? 'The UMAP layout is out of date: images or features changed since it was computed. Compute it again (map.layout).'
        : 'There is no UMAP layout yet. Compute it first (map.layout), or ask for the PCA layout.',
    );
  }
  let chosen = opts.layout === 'pca' || !umap ? null : umap;
  if (!chosen) {
    const pcaFile = mapLayoutFile(cacheDir, project, model, 'pca');
    const current = (): Layout | null => {
      const l = memoLayout(memo, pcaFile).layout;
      return l?.key === memo.set.key ? l : null;
    };
    chosen = current();
    if (!chosen) {
      await opts.layoutInWorker({
        projectPath: project.path,
        modelId: model.id,
        method: 'pca',
        file: pcaFile,
        force: false,
      });
      memo = pointsMemo(project.db, model.id);
      chosen = current();
    }
    if (!chosen)
      throw new ApiError(
        'precondition',
        'Images or their features changed while the map was being laid out. Open the map again.',
      );
  }
  return { all: memoPoints(memo, chosen), umap: umapState };
}

/**
 * A UMAP layout a little out of date is brought up to date in the worker by placing the new
 * points (a fraction of a second), tried once per feature set and file; a bigger change leaves
 * it stale for the person to recompute (the job).
 */
async function placedUmap(opts: PointsRequest, memo: PointsMemo, file: string): Promise<Layout | null> {
  const attempt = `${memo.set.key} ${memo.layouts.get(file)?.stamp ?? ''}`;
  if (memo.umapAttempts.has(attempt)) return null;
  memo.umapAttempts.add(attempt);
  try {
    await opts.layoutInWorker({
      projectPath: opts.project.path,
      modelId: opts.model.id,
      method: 'umap',
      file,
      force: false,
      placeOnly: true,
    });
  } catch (err) {
    if (err instanceof ApiError && err.code === 'precondition') return null;
    throw err;
  }
  const layout = memoLayout(memo, file).layout;
  return layout?.key === memo.set.key ? layout : null;
}

/** A page of `map.points` for the API thread. */
export async function mapPointsPage(
  opts: PointsRequest & { offset: number; limit: number },
): Promise<MapPoints> {
  const { all, umap } = await currentPoints(opts);
  return pointsPage(all, { offset: opts.offset, limit: opts.limit, umap });
}

/** Whether the points answered with `key` are still what `map.points` answers (labels aside). */
export async function mapPointsCheck(opts: PointsRequest & { key: string }): Promise<MapCheck> {
  const { all, umap } = await currentPoints(opts);
  const key = pointsKey(all, umap);
  return { unchanged: key === opts.key, key };
}

export interface ProposeOptions {
  k?: number | undefined;
  scope: 'unlabeled' | 'all';
  /** Cluster only these images (e.g. to split one group in two). */
  imageIds?: number[] | undefined;
  typical: number;
  atypical: number;
}

/** Groups the images (by default the unlabeled ones) by their features for naming one group at a time. */
export function clusterProposal(
  project: ProjectStore,
  modelId: number,
  opts: ProposeOptions,
): ClusterProposal {
  let images = clusterCandidates(project.db, modelId, opts.scope);
  if (opts.imageIds) {
    const wanted = new Set(opts.imageIds);
    images = images.filter((r) => wanted.has(r.id));
  }
  const withFeatures = images.filter((r) => r.has);
  if (withFeatures.length === 0) {
    throw new ApiError(
      'precondition',
      images.length === 0
        ? opts.scope === 'unlabeled'
          ? 'There are no unlabeled images to group. Import a folder, or group all images.'
          : 'There are no images to group. Import a folder first.'
        : `None of the ${images.length} images has features yet. Compute features first (Train → Compute features, or "incept features").`,
    );
  }
  const matrix = readFeatureMatrix(
    project.db,
    modelId,
    withFeatures.map((r) => r.hash),
  );
  const result = proposeClusters(matrix, opts.k);
  const idOf = (row: number): number => withFeatures[row]!.id;
  return {
    k: result.k,
    automatic: result.automatic,
    silhouette: result.silhouette,
    withoutFeatures: images.length - withFeatures.length,
    clusters: result.members.map((rows, index) => {
      const typical = rows.slice(0, opts.typical);
      const rest = rows.slice(opts.typical);
      const atypical = rest.slice(Math.max(0, rest.length - opts.atypical)).reverse();
      return {
        index,
        size: rows.length,
        imageIds: rows.map(idOf),
        typical: typical.map(idOf),
        atypical: atypical.map(idOf),
      };
    }),
  };
}

export interface ClustersTaskInput extends ProposeOptions {
  projectPath: string;
  modelId: number;
}

/** Cluster proposals in the compute worker: k-means over every unlabeled image takes seconds. */
export function runClustersTask(input: ClustersTaskInput): ClusterProposal {
  const { projectPath, modelId, ...opts } = input;
  const project = ProjectStore.open(projectPath);
  try {
    return clusterProposal(project, modelId, opts);
  } finally {
    project.close();
  }
}
