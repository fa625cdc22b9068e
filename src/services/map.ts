/**
 * The map's use cases: which images a layout covers, the cached or computed layouts, pages of
 * packed points, and cluster proposals. Reading 100 000 feature vectors and laying them out
 * takes seconds, so the API thread asks the compute worker for it (`runLayoutTask`,
 * `runClustersTask`) and only reads the cached result.
 */
import { existsSync } from 'node:fs';
import type { Database } from 'better-sqlite3';
import { ApiError } from '../domain/errors.ts';
import type { ClusterProposal, MapLayoutResult, MapPoints } from '../domain/map.ts';
import { proposeClusters } from '../map/clusters.ts';
import { featureSetKey, type FeatureSet } from '../map/feature-set.ts';
import { layoutFile, readLayout, writeLayout, type Layout, type LayoutMethod } from '../map/layout-cache.ts';
import { LayoutCancelled, pcaLayout, umapLayout } from '../map/layouts.ts';
import { packMapPoints } from '../map/map-data.ts';
import { clusterCandidates, hashesWithFeatures, mapPointRows, readFeatureMatrix } from '../store/map.ts';
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
  const hashes = hashesWithFeatures(db, modelId);
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
  const coords = pcaLayout(readFeatureMatrix(project.db, model.id, fs.hashes));
  const layout: Layout = {
    method: 'pca',
    key: fs.key,
    hashes: fs.hashes,
    coords,
    seconds: (performance.now() - t0) / 1000,
    createdAt: new Date().toISOString(),
  };
  writeLayout(file, layout);
  return layout;
}

/** One page of the map's points at their place in `layout`. */
export function mapPoints(
  db: Database,
  layout: Layout,
  opts: { offset: number; limit: number; umap: MapPoints['umap'] },
): MapPoints {
  return packMapPoints(mapPointRows(db), layout, opts);
}

export interface LayoutTaskInput {
  projectPath: string;
  modelId: number;
  method: LayoutMethod;
  file: string;
  force: boolean;
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
    const cached = input.force ? null : readLayout(input.file, set.key);
    if (cached) return { method: input.method, points: cached.hashes.length, cached: true, seconds: 0 };
    const matrix = readFeatureMatrix(project.db, input.modelId, set.hashes);
    const t0 = performance.now();
    let coords: Float32Array;
    try {
      coords =
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
    writeLayout(input.file, {
      method: input.method,
      key: set.key,
      hashes: set.hashes,
      coords,
      seconds,
      createdAt: new Date().toISOString(),
    });
    return { method: input.method, points: set.hashes.length, cached: false, seconds };
  } finally {
    project.close();
  }
}

/**
 * A page of `map.points` for the API thread: the layouts come from the cache; a missing or
 * stale PCA layout is computed by `layoutInWorker` (the compute worker) while the API answers
 * other calls.
 */
export async function mapPointsPage(opts: {
  cacheDir: string;
  project: ProjectStore;
  model: MapModel;
  layout: 'auto' | 'pca' | 'umap';
  offset: number;
  limit: number;
  layoutInWorker(input: LayoutTaskInput): Promise<MapLayoutResult>;
}): Promise<MapPoints> {
  const { cacheDir, project, model } = opts;
  const set = featureSet(project.db, model.id);
  const umapFile = mapLayoutFile(cacheDir, project, model, 'umap');
  const umap = readLayout(umapFile, set.key);
  const umapState: MapPoints['umap'] = umap ? 'current' : existsSync(umapFile) ? 'stale' : 'none';
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
    chosen = readLayout(pcaFile, set.key);
    if (!chosen) {
      await opts.layoutInWorker({
        projectPath: project.path,
        modelId: model.id,
        method: 'pca',
        file: pcaFile,
        force: false,
      });
      chosen = readLayout(pcaFile, set.key);
    }
    if (!chosen)
      throw new ApiError(
        'precondition',
        'Images or their features changed while the map was being laid out. Open the map again.',
      );
  }
  return mapPoints(project.db, chosen, { offset: opts.offset, limit: opts.limit, umap: umapState });
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
