import { UMAP } from 'umap-js';
import { pcaProject, seededRandom, type Matrix } from './pca.ts';

/** Fits coordinates into [-1, 1] (the scatter plot's space) keeping the aspect ratio. */
export function normalizeCoords(xy: Float32Array): Float32Array {
  let minX = Infinity;
  let maxX = -Infinity;
  let minY = Infinity;
  let maxY = -Infinity;
  for (let i = 0; i < xy.length; i += 2) {
    const x = xy[i]!;
    const y = xy[i + 1]!;
    if (x < minX) minX = x;
    if (x > maxX) maxX = x;
    if (y < minY) minY = y;
    if (y > maxY) maxY = y;
  }
  const span = Math.max(maxX - minX, maxY - minY) || 1;
  const cx = (minX + maxX) / 2;
  const cy = (minY + maxY) / 2;
  const out = new Float32Array(xy.length);
  for (let i = 0; i < xy.length; i += 2) {
    out[i] = ((xy[i]! - cx) / span) * 1.9;
    out[i + 1] = ((xy[i + 1]! - cy) / span) * 1.9;
  }
  return out;
}

export function pcaLayout(m: Matrix): Float32Array {
  return normalizeCoords(pcaProject(m, 2));
}

/** Thrown when a layout's signal aborts it; the caller turns it into its own "cancelled" error. */
export class LayoutCancelled extends Error {
  constructor() {
    super('The map layout was cancelled.');
    this.name = 'LayoutCancelled';
  }
}

export interface LayoutHooks {
  signal?: AbortSignal;
  progress?(p: { done: number; total: number; phase: string }): void;
}

/** Dimensions kept before UMAP: neighbour search in 1024 dimensions would dominate the time. */
const UMAP_INPUT_DIMS = 32;

/** UMAP of the features (after PCA to 32 dimensions), seeded so the same set gives the same map. */
export async function umapLayout(m: Matrix, hooks: LayoutHooks = {}): Promise<Float32Array> {
  if (m.rows < 3) return pcaLayout(m);
  const dims = Math.min(UMAP_INPUT_DIMS, m.cols);
  hooks.progress?.({ done: 0, total: 1, phase: 'reducing to 32 dimensions' });
  const reduced = pcaProject(m, dims);
  const rows: number[][] = [];
  for (let r = 0; r < m.rows; r++) rows.push(Array.from(reduced.subarray(r * dims, (r + 1) * dims)));
  const nNeighbors = Math.max(2, Math.min(15, m.rows - 1));
  const nEpochs = m.rows > 5_000 ? 120 : 250;
  const umap = new UMAP({ nComponents: 2, nNeighbors, nEpochs, random: seededRandom(42), minDist: 0.1 });
  hooks.progress?.({ done: 0, total: nEpochs, phase: 'finding neighbours' });
  let cancelled = false;
  const embedding = await umap.fitAsync(rows, (epoch) => {
    hooks.progress?.({ done: epoch, total: nEpochs, phase: `epoch ${epoch} of ${nEpochs}` });
    if (hooks.signal?.aborted) {
      cancelled = true;
      return false;
    }
    return true;
  });
  if (cancelled || hooks.signal?.aborted) throw new LayoutCancelled();
  const xy = new Float32Array(m.rows * 2);
  embedding.forEach((p, i) => {
    xy[i * 2] = p[0] ?? 0;
    xy[i * 2 + 1] = p[1] ?? 0;
  });
  return normalizeCoords(xy);
}
