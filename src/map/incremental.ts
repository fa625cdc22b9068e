/**
 * Updating a cached layout for a feature set that changed a little: every old point keeps its
 * coordinates exactly, removed points are dropped, and only the new ones are placed (projected on
 * the stored PCA basis, or at their nearest old neighbours for UMAP), reading only their features.
 */
import type { Layout, LayoutMethod } from './layout-cache.ts';
import { placeByNeighbours, placeByProjection } from './layouts.ts';
import { projectRows, type Matrix } from './pca.ts';

/**
 * The most points of a layout that may have been placed rather than laid out (counting earlier
 * updates): past it the whole layout is computed again. Placing keeps the old map's shape, which
 * is right while the old points are most of it; a fifth new points (a new class imported, say)
 * is where a group of them starts to deserve its own place that only a full layout finds.
 */
export const MAX_PLACED_SHARE = 0.2;

export interface SetToLayOut {
  key: string;
  hashes: readonly string[];
}

export function canUpdate(old: Layout, method: LayoutMethod): boolean {
  if (old.method !== method || !old.basis) return false;
  return method === 'pca' ? old.frame !== undefined : old.reduced !== undefined;
}

/**
 * `old` brought up to `set`, or null when that would place too many points (or `old` cannot be
 * updated): then the caller lays the whole set out again. `readFeatures` is asked only for the
 * hashes that are new.
 */
export function updateLayout(
  old: Layout,
  set: SetToLayOut,
  method: LayoutMethod,
  readFeatures: (hashes: string[]) => Matrix,
): Layout | null {
  if (!canUpdate(old, method)) return null;
  const t0 = performance.now();
  const oldAt = new Map<string, number>();
  old.hashes.forEach((h, i) => oldAt.set(h, i));
  const fresh = set.hashes.filter((h) => !oldAt.has(h));
  const kept = set.hashes.length - fresh.length;
  if (kept === 0) return null;
  const placed = Math.min(old.placed, kept) + fresh.length;
  if (placed > MAX_PLACED_SHARE * set.hashes.length) return null;
  const basis = old.basis!;
  const dims = basis.k;
  const m = fresh.length > 0 ? readFeatures(fresh) : null;
  if (m && m.cols !== basis.mean.length) return null;
  let freshXy: Float32Array = new Float32Array(0);
  let freshReduced: Float32Array = new Float32Array(0);
  if (m && method === 'pca') freshXy = placeByProjection(m, basis, old.frame!);
  if (m && method === 'umap') {
    freshReduced = projectRows(m, basis);
    freshXy = placeByNeighbours(freshReduced, old.reduced!, old.coords, dims);
  }
  const n = set.hashes.length;
  const coords = new Float32Array(n * 2);
  const reduced = method === 'umap' ? new Float32Array(n * dims) : undefined;
  let f = 0;
  set.hashes.forEach((h, i) => {
    const o = oldAt.get(h);
    if (o !== undefined) {
      coords[i * 2] = old.coords[o * 2]!;
      coords[i * 2 + 1] = old.coords[o * 2 + 1]!;
      reduced?.set(old.reduced!.subarray(o * dims, (o + 1) * dims), i * dims);
    } else {
      coords[i * 2] = freshXy[f * 2]!;
      coords[i * 2 + 1] = freshXy[f * 2 + 1]!;
      reduced?.set(freshReduced.subarray(f * dims, (f + 1) * dims), i * dims);
      f++;
    }
  });
  return {
    method,
    key: set.key,
    hashes: [...set.hashes],
    coords,
    seconds: (performance.now() - t0) / 1000,
    createdAt: new Date().toISOString(),
    placed,
    basis,
    frame: old.frame,
    reduced,
  };
}
