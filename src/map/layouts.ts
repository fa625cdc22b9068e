import { UMAP } from 'umap-js';
import { pcaBasis, projectRows, seededRandom, type Matrix, type Projection } from './pca.ts';

/** Centre x, centre y and span: what fits a layout's raw coordinates into [-1, 1]. */
export type Frame = [number, number, number];

/** A computed layout: coordinates in [-1, 1] and what is needed to place more points into it. */
export interface LaidOut {
  coords: Float32Array;
  /** PCA: its two components; UMAP: the reduction to 32 dimensions it started from. */
  basis: Projection;
  /** PCA only: how the projection was fitted into [-1, 1]. */
  frame?: Frame;
  /** UMAP only: every row's reduced vector (rows × basis.k). */
  reduced?: Float32Array;
}

export function frameOf(xy: Float32Array): Frame {
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
  return [(minX + maxX) / 2, (minY + maxY) / 2, span];
}

function applyFrame(xy: Float32Array, [cx, cy, span]: Frame): Float32Array {
  const out = new Float32Array(xy.length);
  for (let i = 0; i < xy.length; i += 2) {
    out[i] = ((xy[i]! - cx) / span) * 1.9;
    out[i + 1] = ((xy[i + 1]! - cy) / span) * 1.9;
  }
  return out;
}

/** Fits coordinates into [-1, 1] (the scatter plot's space) keeping the aspect ratio. */
export function normalizeCoords(xy: Float32Array): Float32Array {
  return applyFrame(xy, frameOf(xy));
}

export function pcaLayout(m: Matrix): LaidOut {
  const basis = pcaBasis(m, 2);
  const xy = projectRows(m, basis);
  const frame = frameOf(xy);
  return { coords: applyFrame(xy, frame), basis, frame };
}

/**
 * New rows placed into an existing PCA layout: projected on its basis and fitted with its
 * frame, so every old point keeps its place. A new point beyond the old extremes is held at
 * the plot's edge rather than off it.
 */
export function placeByProjection(m: Matrix, basis: Projection, frame: Frame): Float32Array {
  const out = applyFrame(projectRows(m, basis), frame);
  for (let i = 0; i < out.length; i++) out[i] = Math.max(-1, Math.min(1, out[i]!));
  return out;
}

/** Neighbours a new point is placed among (UMAP's own default neighbourhood). */
const PLACE_NEIGHBOURS = 15;

/**
 * New points placed into an existing UMAP layout at the distance-weighted mean of the map
 * positions of their nearest old points in the reduced space: where umap-js's own transform
 * starts a new point, without its extra epochs (which would move nothing old, and cost seconds).
 */
export function placeByNeighbours(
  fresh: Float32Array,
  old: Float32Array,
  oldCoords: Float32Array,
  dims: number,
): Float32Array {
  const nOld = old.length / dims;
  const nNew = fresh.length / dims;
  const k = Math.min(PLACE_NEIGHBOURS, nOld);
  const out = new Float32Array(nNew * 2);
  const bestD = new Float64Array(k);
  const bestI = new Int32Array(k);
  for (let p = 0; p < nNew; p++) {
    bestD.fill(Infinity);
    bestI.fill(-1);
    const po = p * dims;
    for (let q = 0; q < nOld; q++) {
      const qo = q * dims;
      let d = 0;
      for (let c = 0; c < dims; c++) {
        const diff = fresh[po + c]! - old[qo + c]!;
        d += diff * diff;
      }
      if (d >= bestD[k - 1]!) continue;
      // Insertion into the sorted short list of the k nearest so far.
      let j = k - 1;
      while (j > 0 && bestD[j - 1]! > d) {
        bestD[j] = bestD[j - 1]!;
        bestI[j] = bestI[j - 1]!;
        j--;
      }
      bestD[j] = d;
      bestI[j] = q;
    }
    let wx = 0;
    let wy = 0;
    let wsum = 0;
    for (let j = 0; j < k; j++) {
      const q = bestI[j]!;
      if (q < 0) continue;
      const w = 1 / (Math.sqrt(bestD[j]!) + 1e-6);
      wx += w * oldCoords[q * 2]!;
      wy += w * oldCoords[q * 2 + 1]!;
      wsum += w;
    }
    out[p * 2] = wsum > 0 ? wx / wsum : 0;
    out[p * 2 + 1] = wsum > 0 ? wy / wsum : 0;
  }
  return out;
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
export async function umapLayout(m: Matrix, hooks: LayoutHooks = {}): Promise<LaidOut> {
  if (m.rows < 3) return pcaLayout(m);
  const dims = Math.min(UMAP_INPUT_DIMS, m.cols);
  hooks.progress?.({ done: 0, total: 1, phase: 'reducing to 32 dimensions' });
  const basis = pcaBasis(m, dims);
  const reduced = projectRows(m, basis);
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
  return { coords: normalizeCoords(xy), basis, reduced };
}
