/**
 * Near-duplicate images: pairs whose feature vectors have cosine similarity ≥ a threshold, and
 * which of those pairs straddle splits ("leaks": the same picture in training and in
 * validation/test makes the held-out numbers look better than they are).
 *
 * Brute force is all pairs as blocked matrix products of L2-normalised rows: n²/2 × d
 * multiply-adds (10k × 1024: 51 G; 20k: 205 G), ~15–18 G/s on one core under tfjs-wasm, i.e.
 * ~3 s and ~12 s. Each column block is one [d, b] tensor kept for the whole run (XNNPACK packs
 * it once); each row block is uploaded once. Memory: ~2 copies of the features inside tfjs.
 *
 * Pruning (used for wide features and thresholds ≥ 0.9) gives the same pairs for a fraction of
 * that. For unit vectors, cos(a, b) ≥ t ⇔ ‖a − b‖² ≤ 2(1 − t). For any orthonormal basis Q of
 * m directions, with p = Qᵀa and ρ = ‖a − Qp‖ (the part outside the basis),
 *   ‖a − b‖² = ‖p_a − p_b‖² + ‖r_a − r_b‖² ≥ ‖p_a − p_b‖² + (ρ_a − ρ_b)²,
 * so a pair whose m-dimensional bound already exceeds 2(1 − t) cannot qualify. Q is the top-m
 * principal directions of a sample (CNN features are strongly low-rank, so typical pairs are far
 * apart within Q), the bound is computed with m-dimensional blocked products (n²/2 × m), and
 * only the surviving candidates are checked exactly, in float64. The bound holds for any Q, so a
 * poor basis only makes pruning slower, never wrong; a small slack absorbs float32 rounding. A
 * block pair where too many candidates survive (e.g. a set of near-identical frames) is done by
 * brute force instead.
 *
 * Measured at 10k × 1024 on one core (bench/train.ts): brute force ~2.8 s; pruned ~0.7 s on
 * low-rank synthetic features (about 12× fewer multiply-adds, the rest is JS scanning n²/2
 * bounds); on structureless i.i.d. features nothing prunes and every block falls back, ~12 %
 * slower than brute force.
 */
import { useBestBackend, type tf as TfNamespace } from '../model/tfjs-runtime.ts';
import { Yielder } from './abort.ts';
import { mulberry32 } from './random.ts';
import type { Split } from './split.ts';

type Tf = typeof TfNamespace;
type Tensor2D = TfNamespace.Tensor2D;

export interface DuplicateOptions {
  /**
   * Cosine similarity at or above which two images count as near-duplicates, or 'calibrated':
   * set from this set's own nearest-neighbour distances (see calibratedThreshold).
   */
  threshold?: number | 'calibrated';
  /**
   * Compare standardised features (each dimension minus its mean, over its spread) instead of
   * raw ones. CNN features share one large mean direction, so raw cosines are all close to 1 and
   * say nothing; standardised ones measure how two images differ from the rest.
   */
  standardise?: boolean;
  /** Split per row, to flag leaks. */
  splits?: ArrayLike<Split | null | undefined> | undefined;
  /** Reported instead of row indices. */
  ids?: readonly number[] | undefined;
  blockSize?: number;
  /** Force pruning on or off; by default on when featureDim ≥ 256, threshold ≥ 0.9 and n > blockSize. */
  prune?: boolean | undefined;
  signal?: AbortSignal | undefined;
  /** Fraction of the pair blocks done, 0..1. */
  onProgress?: ((fraction: number) => void) | undefined;
}

export interface DuplicatePair {
  /** Row indices, a < b. */
  a: number;
  b: number;
  idA: number;
  idB: number;
  similarity: number;
  /** Both rows have splits and they differ. */
  leak: boolean;
}

export interface DuplicateReport {
  /** Most similar first. */
  pairs: DuplicatePair[];
  leaks: number;
  /** The threshold applied. */
  threshold: number;
  /** Median distance (1 − cosine) from an image to its nearest other image, when calibrated. */
  medianNearest: number | null;
  stats: {
    n: number;
    dim: number;
    blockSize: number;
    pruned: boolean;
    /** Dimensions of the pruning basis (0 without pruning). */
    basisDims: number;
    blockProducts: number;
    /** Block pairs that fell back to brute force (pruning only). */
    bruteForceBlocks: number;
    /** Pairs checked exactly after pruning. */
    candidates: number;
    /** Multiply-adds actually spent (products, projections and exact checks). */
    multiplyAdds: number;
    /** Rows with an all-zero feature vector, which have no direction and are never paired. */
    zeroRows: number;
    ms: number;
  };
}

export const DEFAULT_DUPLICATE_THRESHOLD = 0.98;
const DEFAULT_BLOCK = 1024;
const PRUNE_DIMS = 64;
const PRUNE_SAMPLE = 2048;
/** Added to the 2(1 − t) bound: float32 rounding in the projections is orders smaller. */
const PRUNE_SLACK = 0.01;
/** A block pair with more surviving candidates than this fraction is brute-forced. */
const DENSE_FRACTION = 1 / 64;

interface Found {
  a: number;
  b: number;
  similarity: number;
}

interface Context {
  tf: Tf;
  unit: Float32Array;
  zero: Uint8Array;
  n: number;
  d: number;
  threshold: number;
  starts: number[];
  size: (b: number) => number;
  yielder: Yielder;
  progress: () => void;
  stats: DuplicateReport['stats'];
}

export async function findNearDuplicates(
  x: Float32Array,
  n: number,
  dim: number,
  options: DuplicateOptions = {},
): Promise<DuplicateReport> {
  const started = performance.now();
  const wanted = options.threshold ?? DEFAULT_DUPLICATE_THRESHOLD;
  if (wanted !== 'calibrated' && !(wanted > -1 && wanted <= 1))
    throw new RangeError(`threshold must be in (-1, 1] (got ${wanted})`);
  if (x.length !== n * dim) throw new RangeError(`x has ${x.length} values; expected ${n} rows × ${dim}`);
  const block = Math.max(1, Math.floor(options.blockSize ?? DEFAULT_BLOCK));
  const { splits, ids } = options;
  if (splits && splits.length !== n)
    throw new RangeError(`splits has ${splits.length} entries; expected ${n}`);
  if (ids && ids.length !== n) throw new RangeError(`ids has ${ids.length} entries; expected ${n}`);

  const { unit, zero } = normaliseRows(options.standardise ? standardiseColumns(x, n, dim) : x, n, dim);
  const yielder = new Yielder(options.signal, 'Duplicate search');
  const { tf } = await useBestBackend();
  let threshold: number;
  let medianNearest: number | null = null;
  if (wanted === 'calibrated') {
    const c = await calibrate(tf, unit, zero, n, dim, yielder);
    threshold = c.threshold;
    medianNearest = c.medianNearest;
  } else {
    threshold = wanted;
  }
  const starts: number[] = [];
  for (let s = 0; s < n; s += block) starts.push(s);
  const total = (starts.length * (starts.length + 1)) / 2;
  let done = 0;
  let zeroRows = 0;
  for (let i = 0; i < n; i++) zeroRows += zero[i]!;
  const stats: DuplicateReport['stats'] = {
    n,
    dim,
    blockSize: block,
    pruned: false,
    basisDims: 0,
    blockProducts: total,
    bruteForceBlocks: 0,
    candidates: 0,
    multiplyAdds: 0,
    zeroRows,
    ms: 0,
  };
  const ctx: Context = {
    tf,
    unit,
    zero,
    n,
    d: dim,
    threshold,
    starts,
    size: (b) => Math.min(block, n - starts[b]!),
    yielder,
    progress: () => options.onProgress?.(++done / total),
    stats,
  };
  const prune = options.prune ?? (dim >= 4 * PRUNE_DIMS && threshold >= 0.9 && n > block);
  const found = prune ? await prunedSearch(ctx) : await bruteForce(ctx);

  const pairs = found.map(({ a, b, similarity }): DuplicatePair => {
    const sa = splits?.[a];
    const sb = splits?.[b];
    return {
      a,
      b,
      idA: ids ? ids[a]! : a,
      idB: ids ? ids[b]! : b,
      similarity: Math.min(1, similarity),
      leak: !!sa && !!sb && sa !== sb,
    };
  });
  pairs.sort((p, q) => q.similarity - p.similarity || p.a - q.a || p.b - q.b);
  stats.ms = performance.now() - started;
  return { pairs, leaks: pairs.filter((p) => p.leak).length, threshold, medianNearest, stats };
}

// ---------------------------------------------------------------------------------------------
// Brute force

/** [d, rows] tensor of the unit rows of block b. */
function columnBlock(ctx: Context, b: number): Tensor2D {
  const { unit, d } = ctx;
  const rows = ctx.size(b);
  const from = ctx.starts[b]! * d;
  const t = new Float32Array(d * rows);
  for (let i = 0; i < rows; i++) for (let k = 0; k < d; k++) t[k * rows + i] = unit[from + i * d + k]!;
  return ctx.tf.tensor2d(t, [d, rows]);
}

function rowBlock(ctx: Context, b: number): Tensor2D {
  const i0 = ctx.starts[b]!;
  return ctx.tf.tensor2d(ctx.unit.subarray(i0 * ctx.d, (i0 + ctx.size(b)) * ctx.d), [ctx.size(b), ctx.d]);
}

/** Exact similarities of block pair (bi, bj) via one product; pairs ≥ threshold go to `out`. */
function exactBlock(ctx: Context, A: Tensor2D, B: Tensor2D, bi: number, bj: number, out: Found[]): void {
  const { tf, zero, threshold } = ctx;
  const ri = ctx.size(bi);
  const rj = ctx.size(bj);
  const i0 = ctx.starts[bi]!;
  const j0 = ctx.starts[bj]!;
  const sim = readProduct(tf, () => tf.matMul(A, B));
  ctx.stats.multiplyAdds += ri * rj * ctx.d;
  for (let i = 0; i < ri; i++) {
    const a = i0 + i;
    if (zero[a]) continue;
    const row = i * rj;
    for (let j = bi === bj ? i + 1 : 0; j < rj; j++) {
      const s = sim[row + j]!;
      if (s < threshold || zero[j0 + j]) continue;
      out.push({ a, b: j0 + j, similarity: s });
    }
  }
}

async function bruteForce(ctx: Context): Promise<Found[]> {
  const found: Found[] = [];
  const columns: Tensor2D[] = [];
  try {
    for (let b = 0; b < ctx.starts.length; b++) {
      columns.push(columnBlock(ctx, b));
      if (ctx.yielder.due()) await ctx.yielder.yieldNow();
    }
    for (let bi = 0; bi < ctx.starts.length; bi++) {
      const A = rowBlock(ctx, bi);
      try {
        for (let bj = bi; bj < ctx.starts.length; bj++) {
          exactBlock(ctx, A, columns[bj]!, bi, bj, found);
          ctx.progress();
          if (ctx.yielder.due()) await ctx.yielder.yieldNow();
        }
      } finally {
        A.dispose();
      }
    }
  } finally {
    for (const c of columns) c.dispose();
  }
  return found;
}

// ---------------------------------------------------------------------------------------------
// Pruned search

async function prunedSearch(ctx: Context): Promise<Found[]> {
  const { tf, unit, zero, n, d, threshold } = ctx;
  const Q = principalBasis(ctx);
  if (!Q) return bruteForce(ctx);
  const m = Q.length / d;
  ctx.stats.pruned = true;
  ctx.stats.basisDims = m;

  // Projections p_i = Qᵀu_i, their squared norms, and the residual norms ρ_i.
  const P = new Float32Array(n * m);
  const q = tf.tensor2d(Q, [d, m]);
  try {
    const chunk = Math.max(1, Math.floor((4 * 1024 * 1024) / d));
    for (let at = 0; at < n; at += chunk) {
      const rows = Math.min(chunk, n - at);
      const part = readProduct(tf, () =>
        tf.matMul(tf.tensor2d(unit.subarray(at * d, (at + rows) * d), [rows, d]), q),
      );
      P.set(part, at * m);
    }
  } finally {
    q.dispose();
  }
  ctx.stats.multiplyAdds += n * d * m;
  const sq = new Float64Array(n);
  const rho = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let u2 = 0;
    for (let k = 0; k < d; k++) u2 += unit[i * d + k]! * unit[i * d + k]!;
    let p2 = 0;
    for (let k = 0; k < m; k++) p2 += P[i * m + k]! * P[i * m + k]!;
    sq[i] = p2;
    rho[i] = Math.sqrt(Math.max(0, u2 - p2));
  }
  const limit = 2 * (1 - threshold) + PRUNE_SLACK;

  const found: Found[] = [];
  const projCols: Tensor2D[] = [];
  // Full-width column blocks, made on first brute-force use and kept (data sets that need one
  // usually need many).
  const fullCols = new Map<number, Tensor2D>();
  try {
    for (let b = 0; b < ctx.starts.length; b++) {
      const rows = ctx.size(b);
      const from = ctx.starts[b]! * m;
      const t = new Float32Array(m * rows);
      for (let i = 0; i < rows; i++) for (let k = 0; k < m; k++) t[k * rows + i] = P[from + i * m + k]!;
      projCols.push(tf.tensor2d(t, [m, rows]));
    }
    let candA: Int32Array = new Int32Array(1024);
    let candB: Int32Array = new Int32Array(1024);
    for (let bi = 0; bi < ctx.starts.length; bi++) {
      const ri = ctx.size(bi);
      const i0 = ctx.starts[bi]!;
      const A = tf.tensor2d(P.subarray(i0 * m, (i0 + ri) * m), [ri, m]);
      let fullA: Tensor2D | null = null;
      try {
        for (let bj = bi; bj < ctx.starts.length; bj++) {
          const rj = ctx.size(bj);
          const j0 = ctx.starts[bj]!;
          const g = readProduct(tf, () => tf.matMul(A, projCols[bj]!));
          ctx.stats.multiplyAdds += ri * rj * m;
          const dense = Math.max(64, Math.floor(ri * rj * DENSE_FRACTION));
          let count = 0;
          scan: for (let i = 0; i < ri; i++) {
            const a = i0 + i;
            if (zero[a]) continue;
            const sa = sq[a]!;
            const pa = rho[a]!;
            const row = i * rj;
            for (let j = bi === bj ? i + 1 : 0; j < rj; j++) {
              const b = j0 + j;
              const dr = pa - rho[b]!;
              if (sa + sq[b]! - 2 * g[row + j]! + dr * dr > limit || zero[b]) continue;
              if (count === dense) {
                count = -1;
                break scan;
              }
              if (count === candA.length) {
                candA = grow(candA);
                candB = grow(candB);
              }
              candA[count] = a;
              candB[count] = b;
              count++;
            }
          }
          if (count < 0) {
            ctx.stats.bruteForceBlocks++;
            fullA ??= rowBlock(ctx, bi);
            let B = fullCols.get(bj);
            if (!B) fullCols.set(bj, (B = columnBlock(ctx, bj)));
            exactBlock(ctx, fullA, B, bi, bj, found);
          } else {
            ctx.stats.candidates += count;
            ctx.stats.multiplyAdds += count * d;
            for (let c = 0; c < count; c++) {
              const a = candA[c]!;
              const b = candB[c]!;
              let dot = 0;
              for (let k = 0; k < d; k++) dot += unit[a * d + k]! * unit[b * d + k]!;
              if (dot >= threshold) found.push({ a, b, similarity: dot });
            }
          }
          ctx.progress();
          if (ctx.yielder.due()) await ctx.yielder.yieldNow();
        }
      } finally {
        A.dispose();
        fullA?.dispose();
      }
    }
  } finally {
    for (const c of projCols) c.dispose();
    for (const c of fullCols.values()) c.dispose();
  }
  return found;
}

/**
 * Runs `build` in a tidy scope and reads its result. (Returning the typed array from tf.tidy
 * itself would make tidy walk every element looking for tensors: seconds per million values.)
 */
function readProduct(tf: Tf, build: () => TfNamespace.Tensor): Float32Array {
  const t = tf.tidy(build);
  try {
    return t.dataSync() as Float32Array;
  } finally {
    t.dispose();
  }
}

function grow(a: Int32Array): Int32Array {
  const b = new Int32Array(a.length * 2);
  b.set(a);
  return b;
}

/**
 * Top principal directions of (up to PRUNE_SAMPLE evenly spaced) unit rows, by two rounds of
 * subspace iteration from a seeded random start: [d, m] row-major, orthonormal columns. Null when
 * there is nothing to project (fewer than two non-zero rows, or no variance).
 */
function principalBasis(ctx: Context): Float32Array | null {
  const { tf, unit, zero, n, d } = ctx;
  const rows: number[] = [];
  for (let i = 0; i < n; i++) if (!zero[i]) rows.push(i);
  const s = Math.min(rows.length, PRUNE_SAMPLE);
  const m = Math.min(PRUNE_DIMS, d, s - 1);
  if (m < 1) return null;
  const mean = new Float64Array(d);
  const picked = Array.from({ length: s }, (_, k) => rows[Math.floor((k * rows.length) / s)]!);
  for (const i of picked) for (let k = 0; k < d; k++) mean[k]! += unit[i * d + k]! / s;
  const Sc = new Float32Array(s * d);
  const ScT = new Float32Array(d * s);
  picked.forEach((i, r) => {
    for (let k = 0; k < d; k++) {
      const v = unit[i * d + k]! - mean[k]!;
      Sc[r * d + k] = v;
      ScT[k * s + r] = v;
    }
  });
  const rand = mulberry32(0x5eed);
  let Y: Float32Array = Float32Array.from({ length: d * m }, () => rand() - 0.5);
  let cols = m;
  const sc = tf.tensor2d(Sc, [s, d]);
  const scT = tf.tensor2d(ScT, [d, s]);
  try {
    for (let round = 0; round < 2; round++) {
      const y = Y;
      const c = cols;
      Y = readProduct(tf, () => tf.matMul(scT, tf.matMul(sc, tf.tensor2d(y, [d, c]))));
      ctx.stats.multiplyAdds += 2 * s * d * c;
      const orth = orthonormalColumns(Y, d, c);
      Y = orth.q;
      cols = orth.cols;
      if (cols === 0) return null;
    }
  } finally {
    sc.dispose();
    scT.dispose();
  }
  return Y;
}

/** Modified Gram–Schmidt in float64; drops columns that are (numerically) dependent. */
function orthonormalColumns(Y: Float32Array, d: number, m: number): { q: Float32Array; cols: number } {
  const basis: Float64Array[] = [];
  let firstNorm = 0;
  for (let c = 0; c < m; c++) {
    const v = new Float64Array(d);
    for (let k = 0; k < d; k++) v[k] = Y[k * m + c]!;
    for (const u of basis) {
      let dot = 0;
      for (let k = 0; k < d; k++) dot += u[k]! * v[k]!;
      for (let k = 0; k < d; k++) v[k]! -= dot * u[k]!;
    }
    let norm = 0;
    for (let k = 0; k < d; k++) norm += v[k]! * v[k]!;
    norm = Math.sqrt(norm);
    if (c === 0) firstNorm = norm;
    if (!(norm > 1e-9 * Math.max(firstNorm, 1e-300))) continue;
    for (let k = 0; k < d; k++) v[k]! /= norm;
    basis.push(v);
  }
  const cols = basis.length;
  const q = new Float32Array(d * cols);
  basis.forEach((u, c) => {
    for (let k = 0; k < d; k++) q[k * cols + c] = u[k]!;
  });
  return { q, cols };
}

/** Each column minus its mean, divided by its standard deviation (a constant column becomes 0). */
export function standardiseColumns(x: Float32Array, n: number, d: number): Float32Array {
  const mean = new Float64Array(d);
  const sq = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < d; k++) {
      const v = x[i * d + k]!;
      if (Number.isFinite(v)) mean[k]! += v;
    }
  }
  for (let k = 0; k < d; k++) mean[k]! /= Math.max(1, n);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < d; k++) {
      const v = x[i * d + k]! - mean[k]!;
      if (Number.isFinite(v)) sq[k]! += v * v;
    }
  }
  const out = new Float32Array(n * d);
  for (let k = 0; k < d; k++) {
    const std = Math.sqrt(sq[k]! / Math.max(1, n));
    const inv = std > 0 ? 1 / std : 0;
    for (let i = 0; i < n; i++) out[i * d + k] = (x[i * d + k]! - mean[k]!) * inv;
  }
  return out;
}

/**
 * A pair counts as the same picture when its distance (1 − cosine) is this fraction of the
 * distance a typical image has to its nearest other image in the same set. Measured on generated
 * scenes through a GoogLeNet, resized / re-encoded / slightly cropped copies sit at 0.01–0.09
 * while distinct images' nearest neighbours sit at 0.27 and beyond (median ~0.45).
 */
export const NEAR_DUPLICATE_FRACTION = 0.25;
const CALIBRATION_SAMPLE = 512;
const CALIBRATION_BLOCK = 2048;

/**
 * The threshold from the set's own nearest-neighbour distances: for a sample of rows, the
 * distance to the nearest other row; its median times NEAR_DUPLICATE_FRACTION.
 */
async function calibrate(
  tf: Tf,
  unit: Float32Array,
  zero: Uint8Array,
  n: number,
  d: number,
  yielder: Yielder,
): Promise<{ threshold: number; medianNearest: number | null }> {
  const rows: number[] = [];
  for (let i = 0; i < n; i++) if (!zero[i]) rows.push(i);
  if (rows.length < 3) return { threshold: DEFAULT_DUPLICATE_THRESHOLD, medianNearest: null };
  let sample = rows;
  if (rows.length > CALIBRATION_SAMPLE) {
    const rand = mulberry32(17);
    const pool = [...rows];
    for (let i = 0; i < CALIBRATION_SAMPLE; i++) {
      const j = i + Math.floor(rand() * (pool.length - i));
      [pool[i], pool[j]] = [pool[j]!, pool[i]!];
    }
    sample = pool.slice(0, CALIBRATION_SAMPLE);
  }
  const m = sample.length;
  const left = new Float32Array(m * d);
  sample.forEach((r, i) => left.set(unit.subarray(r * d, (r + 1) * d), i * d));
  const nearest = new Float64Array(m).fill(-Infinity);
  const S = tf.tensor2d(left, [m, d]);
  try {
    for (let start = 0; start < rows.length; start += CALIBRATION_BLOCK) {
      if (yielder.due()) await yielder.yieldNow();
      const cols = rows.slice(start, start + CALIBRATION_BLOCK);
      const right = new Float32Array(cols.length * d);
      cols.forEach((r, j) => right.set(unit.subarray(r * d, (r + 1) * d), j * d));
      const sims = tf.tidy(() => tf.matMul(S, tf.tensor2d(right, [cols.length, d]), false, true));
      const values = (await sims.data()) as Float32Array;
      sims.dispose();
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < cols.length; j++) {
          if (cols[j] === sample[i]) continue;
          const v = values[i * cols.length + j]!;
          if (v > nearest[i]!) nearest[i] = v;
        }
      }
    }
  } finally {
    S.dispose();
  }
  const distances = Array.from(nearest, (s) => Math.max(0, 1 - s)).sort((a, b) => a - b);
  const medianNearest = distances[distances.length >> 1]!;
  const threshold = Math.min(0.999, Math.max(0.5, 1 - NEAR_DUPLICATE_FRACTION * medianNearest));
  return { threshold, medianNearest };
}

function normaliseRows(x: Float32Array, n: number, d: number): { unit: Float32Array; zero: Uint8Array } {
  const unit = new Float32Array(n * d);
  const zero = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const row = i * d;
    let ss = 0;
    for (let k = 0; k < d; k++) ss += x[row + k]! * x[row + k]!;
    if (!(ss > 0) || !Number.isFinite(ss)) {
      zero[i] = 1;
      continue;
    }
    const inv = 1 / Math.sqrt(ss);
    for (let k = 0; k < d; k++) unit[row + k] = x[row + k]! * inv;
  }
  return { unit, zero };
}
