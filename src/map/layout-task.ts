/**
 * The UMAP (or PCA) layout as a compute-worker task: minutes of CPU for big sets must not hold
 * the API thread. The task reads the features through its own connection and writes the
 * layout to the cache file the API thread reads.
 */
import type { MapLayoutResult } from '../domain/map.ts';
import { ProjectStore } from '../store/project.ts';
import { featureSet, loadFeatureMatrix } from './feature-set.ts';
import { readLayout, writeLayout, type LayoutMethod } from './layout-cache.ts';
import { pcaLayout, umapLayout } from './layouts.ts';

export interface LayoutTaskInput {
  projectPath: string;
  modelId: number;
  method: LayoutMethod;
  file: string;
  force: boolean;
}

interface Hooks {
  signal: AbortSignal;
  progress(p: { done: number; total: number | null; phase?: string }): void;
}

export async function runLayoutTask(input: LayoutTaskInput, hooks: Hooks): Promise<MapLayoutResult> {
  const project = ProjectStore.open(input.projectPath);
  try {
    hooks.progress({ done: 0, total: null, phase: 'reading features' });
    const set = featureSet(project.db, input.modelId);
    const cached = input.force ? null : readLayout(input.file, set.key);
    if (cached) return { method: input.method, points: cached.hashes.length, cached: true, seconds: 0 };
    const matrix = loadFeatureMatrix(project.db, input.modelId, set.hashes);
    const t0 = performance.now();
    const coords =
      input.method === 'pca'
        ? pcaLayout(matrix)
        : await umapLayout(matrix, {
            signal: hooks.signal,
            progress: (p) => hooks.progress(p),
          });
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
