/**
 * Principal components of many long feature vectors, without forming the dim × dim covariance
 * (1024² × 100 000 multiply-adds would take a minute in JavaScript): block power iteration on a
 * sample finds the components, one pass over every row projects them.
 */

export interface Matrix {
  /** Row-major, rows × cols. */
  data: Float32Array;
  rows: number;
  cols: number;
}

export interface PcaOptions {
  /** Rows used to find the components; every row is projected. */
  sampleRows?: number;
  iterations?: number;
  seed?: number;
}

/** A small deterministic generator, so the same features always give the same layout. */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}

export function columnMeans(m: Matrix): Float64Array {
  const mean = new Float64Array(m.cols);
  for (let r = 0; r < m.rows; r++) {
    const o = r * m.cols;
    for (let c = 0; c < m.cols; c++) mean[c]! += m.data[o + c]!;
  }
  if (m.rows > 0) for (let c = 0; c < m.cols; c++) mean[c]! /= m.rows;
  return mean;
}

/** Evenly spaced rows, so the sample covers the whole set whatever its order. */
function sampleIndices(rows: number, wanted: number): Int32Array {
  const n = Math.min(rows, wanted);
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.floor((i * rows) / n);
  return out;
}

function sampleMatrix(m: Matrix, rows: Int32Array): Matrix {
  const data = new Float32Array(rows.length * m.cols);
  rows.forEach((r, i) => data.set(m.data.subarray(r * m.cols, (r + 1) * m.cols), i * m.cols));
  return { data, rows: rows.length, cols: m.cols };
}

/** Gram-Schmidt on k column vectors stored as k rows of length d. */
function orthonormalize(v: Float64Array[], random: () => number): void {
  for (let i = 0; i < v.length; i++) {
    const vi = v[i]!;
    for (let j = 0; j < i; j++) {
      const vj = v[j]!;
      let dot = 0;
      for (let c = 0; c < vi.length; c++) dot += vi[c]! * vj[c]!;
      for (let c = 0; c < vi.length; c++) vi[c]! -= dot * vj[c]!;
    }
    let norm = 0;
    for (let c = 0; c < vi.length; c++) norm += vi[c]! * vi[c]!;
    norm = Math.sqrt(norm);
    if (norm < 1e-12) {
      // A collapsed direction (fewer real dimensions than asked for): restart it at random.
      for (let c = 0; c < vi.length; c++) vi[c] = random() - 0.5;
      i--;
      continue;
    }
    for (let c = 0; c < vi.length; c++) vi[c]! /= norm;
  }
}

/** The top `k` principal directions (k rows of length cols) and the column means. */
export function principalComponents(
  m: Matrix,
  k: number,
  opts: PcaOptions = {},
): { components: Float64Array[]; mean: Float64Array } {
  const { cols } = m;
  const random = seededRandom(opts.seed ?? 7);
  const rows = sampleIndices(m.rows, opts.sampleRows ?? 1500);
  // The sample's mean centres as well as the full one for a picture, at a fraction of the cost.
  const mean = columnMeans(sampleMatrix(m, rows));
  // Two extra directions make the block converge faster on the ones we keep.
  const block = Math.min(cols, k + 2);
  const v: Float64Array[] = [];
  for (let i = 0; i < block; i++) {
    const a = new Float64Array(cols);
    for (let c = 0; c < cols; c++) a[c] = random() - 0.5;
    v.push(a);
  }
  orthonormalize(v, random);
  const centered = new Float64Array(cols);
  const iterations = opts.iterations ?? 6;
  for (let it = 0; it < iterations; it++) {
    const next = v.map(() => new Float64Array(cols));
    for (const r of rows) {
      const o = r * cols;
      for (let c = 0; c < cols; c++) centered[c] = m.data[o + c]! - mean[c]!;
      for (let b = 0; b < block; b++) {
        const vb = v[b]!;
        let dot = 0;
        for (let c = 0; c < cols; c++) dot += centered[c]! * vb[c]!;
        const nb = next[b]!;
        for (let c = 0; c < cols; c++) nb[c]! += dot * centered[c]!;
      }
    }
    orthonormalize(next, random);
    v.splice(0, v.length, ...next);
  }
  const components = v.slice(0, k);
  // Power iteration leaves the sign arbitrary; fix it so a layout does not flip between runs.
  for (const comp of components) {
    let big = 0;
    for (let c = 0; c < cols; c++) if (Math.abs(comp[c]!) > Math.abs(big)) big = comp[c]!;
    if (big < 0) for (let c = 0; c < cols; c++) comp[c] = -comp[c]!;
  }
  return { components, mean };
}

/** A linear projection: centre on `mean`, then dot with each of the `k` component rows. */
export interface Projection {
  mean: Float32Array;
  /** k rows of length mean.length, row-major. */
  components: Float32Array;
  k: number;
}

/** The top `k` principal components as a projection that can be applied to any rows later. */
export function pcaBasis(m: Matrix, k: number, opts: PcaOptions = {}): Projection {
  const { components, mean } = principalComponents(m, k, opts);
  const flat = new Float32Array(k * m.cols);
  components.forEach((comp, b) => flat.set(comp, b * m.cols));
  return { mean: Float32Array.from(mean), components: flat, k };
}

/** Every row of `m` projected with `p`: rows × p.k, row-major. */
export function projectRows(m: Matrix, p: Projection): Float32Array {
  const { cols } = m;
  const { k } = p;
  const out = new Float32Array(m.rows * k);
  // Subtracting the mean once per component (mean·component) keeps the inner loop to one multiply-add.
  const offsets = new Float64Array(k);
  for (let b = 0; b < k; b++) {
    let s = 0;
    for (let c = 0; c < cols; c++) s += p.mean[c]! * p.components[b * cols + c]!;
    offsets[b] = s;
  }
  for (let r = 0; r < m.rows; r++) {
    const o = r * cols;
    for (let b = 0; b < k; b++) {
      const co = b * cols;
      let dot = 0;
      for (let c = 0; c < cols; c++) dot += m.data[o + c]! * p.components[co + c]!;
      out[r * k + b] = dot - offsets[b]!;
    }
  }
  return out;
}

/** Every row projected on the top `k` components: rows × k, row-major. */
export function pcaProject(m: Matrix, k: number, opts: PcaOptions = {}): Float32Array {
  return projectRows(m, pcaBasis(m, k, opts));
}
