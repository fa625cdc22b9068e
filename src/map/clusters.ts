import { kmeans } from 'ml-kmeans';
import { pcaProject, seededRandom, type Matrix } from './pca.ts';

export interface ClusterResult {
  k: number;
  /** True when k was picked by the silhouette score rather than given. */
  automatic: boolean;
  /** Mean silhouette of the chosen k on a sample (−1 … 1; higher = better separated). */
  silhouette: number | null;
  /** Cluster index of every row. */
  assignments: Int32Array;
  /** Per cluster: row indices from most to least typical (distance to the centre). */
  members: number[][];
}

/** Dimensions clustered: enough to keep groups apart, few enough that k-means stays quick. */
const CLUSTER_DIMS = 32;
const SILHOUETTE_SAMPLE = 600;
export const MAX_AUTO_K = 12;

function rowsOf(data: Float32Array, rows: number, dims: number): number[][] {
  const out: number[][] = [];
  for (let r = 0; r < rows; r++) out.push(Array.from(data.subarray(r * dims, (r + 1) * dims)));
  return out;
}

function squaredDistance(a: readonly number[], b: readonly number[]): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i]! - b[i]!;
    s += d * d;
  }
  return s;
}

/** Mean silhouette of a clustering over a random sample of its rows. */
export function silhouette(points: number[][], assignments: ArrayLike<number>, k: number): number {
  const n = points.length;
  const size = Math.min(n, SILHOUETTE_SAMPLE);
  // A seeded random sample: evenly spaced rows alias with any period in the row order (rows
  // that cycle through the groups would leave some groups out of the sample entirely).
  const order = Array.from({ length: n }, (_, i) => i);
  const random = seededRandom(99);
  for (let i = 0; i < size; i++) {
    const j = i + Math.floor(random() * (n - i));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const sample = order.slice(0, size);
  let total = 0;
  for (const i of sample) {
    const sums = new Float64Array(k);
    const counts = new Float64Array(k);
    for (const j of sample) {
      if (i === j) continue;
      const c = assignments[j]!;
      sums[c]! += Math.sqrt(squaredDistance(points[i]!, points[j]!));
      counts[c]! += 1;
    }
    const own = assignments[i]!;
    if (counts[own] === 0) continue; // a singleton's silhouette is 0 by definition
    const a = sums[own]! / counts[own]!;
    let b = Infinity;
    for (let c = 0; c < k; c++) if (c !== own && counts[c]! > 0) b = Math.min(b, sums[c]! / counts[c]!);
    if (b === Infinity) continue;
    total += (b - a) / Math.max(a, b);
  }
  return total / sample.length;
}

/** Restarts from different seeds: one k-means++ start can merge two groups and split a third. */
const RESTARTS = 3;

function runKmeans(points: number[][], k: number): { clusters: number[]; centroids: number[][] } {
  let best: { clusters: number[]; centroids: number[][]; inertia: number } | null = null;
  for (let seed = 42; seed < 42 + RESTARTS; seed++) {
    const res = kmeans(points, k, { seed, initialization: 'kmeans++', maxIterations: 100 });
    let inertia = 0;
    res.clusters.forEach((c, r) => (inertia += squaredDistance(points[r]!, res.centroids[c]!)));
    if (!best || inertia < best.inertia) best = { clusters: res.clusters, centroids: res.centroids, inertia };
  }
  return best!;
}

/**
 * Groups feature rows with k-means (ml-kmeans) after PCA to 32 dimensions. Without `k`, tries
 * 2…12 groups and keeps the k with the best silhouette.
 */
export function proposeClusters(m: Matrix, k?: number): ClusterResult {
  if (m.rows === 0)
    return {
      k: 0,
      automatic: k === undefined,
      silhouette: null,
      assignments: new Int32Array(0),
      members: [],
    };
  const dims = Math.min(CLUSTER_DIMS, m.cols, Math.max(1, m.rows - 1));
  const points = rowsOf(pcaProject(m, dims, { seed: 11 }), m.rows, dims);
  let best: { k: number; score: number | null; clusters: number[]; centroids: number[][] };
  if (k !== undefined) {
    const kk = Math.max(1, Math.min(k, m.rows));
    const r = runKmeans(points, kk);
    best = { k: kk, score: kk > 1 ? silhouette(points, r.clusters, kk) : null, ...r };
  } else if (m.rows < 3) {
    best = { k: 1, score: null, ...runKmeans(points, 1) };
  } else {
    best = { k: 0, score: -Infinity, clusters: [], centroids: [] };
    for (let kk = 2; kk <= Math.min(MAX_AUTO_K, m.rows - 1); kk++) {
      const r = runKmeans(points, kk);
      const score = silhouette(points, r.clusters, kk);
      if (score > (best.score ?? -Infinity)) best = { k: kk, score, ...r };
    }
  }
  const members: number[][] = Array.from({ length: best.k }, () => []);
  const distance = new Float64Array(m.rows);
  best.clusters.forEach((c, r) => {
    members[c]!.push(r);
    distance[r] = squaredDistance(points[r]!, best.centroids[c]!);
  });
  for (const list of members) list.sort((a, b) => distance[a]! - distance[b]! || a - b);
  // Largest groups first: they are where naming saves the most clicks.
  const order = members.map((_, i) => i).sort((a, b) => members[b]!.length - members[a]!.length || a - b);
  const rank = new Int32Array(best.k);
  order.forEach((c, i) => (rank[c] = i));
  const assignments = Int32Array.from(best.clusters, (c) => rank[c]!);
  return {
    k: best.k,
    automatic: k === undefined,
    silhouette: best.score === -Infinity ? null : best.score,
    assignments,
    members: order.map((c) => members[c]!),
  };
}

/** Rows of a synthetic test or demo: `groups` well-separated blobs (used by tests and the bench). */
export function blobs(
  groups: number,
  perGroup: number,
  dims: number,
  seed = 1,
): { m: Matrix; truth: Int32Array } {
  const random = seededRandom(seed);
  const centres = Array.from({ length: groups }, () =>
    Array.from({ length: dims }, () => (random() - 0.5) * 20),
  );
  const rows = groups * perGroup;
  const data = new Float32Array(rows * dims);
  const truth = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    const g = r % groups;
    truth[r] = g;
    for (let c = 0; c < dims; c++) data[r * dims + c] = centres[g]![c]! + (random() - 0.5) * 2;
  }
  return { m: { data, rows, cols: dims }, truth };
}
