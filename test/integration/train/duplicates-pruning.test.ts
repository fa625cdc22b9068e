// Brute force against the pruned search on 1 200 rows: seconds of arithmetic, not a unit test.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findNearDuplicates } from '../../../src/train/duplicates.ts';
import { mulberry32 } from '../../../src/train/random.ts';
import { gaussian } from '../../unit/train/synthetic.ts';

/** Low-rank, non-negative rows (like CNN features): rank-r structure plus a little noise. */
function lowRank(n: number, d: number, r: number, seed: number): Float32Array {
  const g = gaussian(mulberry32(seed));
  const A = Float64Array.from({ length: d * r }, () => g() / Math.sqrt(r));
  const x = new Float32Array(n * d);
  const z = new Float64Array(r);
  for (let i = 0; i < n; i++) {
    for (let l = 0; l < r; l++) z[l] = g();
    for (let k = 0; k < d; k++) {
      let s = 0;
      for (let l = 0; l < r; l++) s += A[k * r + l]! * z[l]!;
      x[i * d + k] = Math.max(0, s) + 0.1 * Math.abs(g());
    }
  }
  return x;
}

const pairKeys = (r: { pairs: { a: number; b: number }[] }) => r.pairs.map((p) => `${p.a}-${p.b}`).sort();

test('pruning by a projected lower bound finds exactly the brute-force pairs', async () => {
  const n = 1200;
  const d = 256;
  const x = lowRank(n, d, 24, 7);
  const g = gaussian(mulberry32(8));
  const planted: [number, number, number][] = [
    [5, 900, 0.01], // ~0.9999
    [17, 18, 0.1], // ~0.99
    [300, 1199, 0.15], // ~0.98: near the threshold
    [40, 41, 0.3], // well below
  ];
  for (const [a, b, noise] of planted) {
    for (let k = 0; k < d; k++) x[b * d + k] = x[a * d + k]! * (1 + noise * g());
  }
  for (const threshold of [0.98, 0.95]) {
    const brute = await findNearDuplicates(x, n, d, { threshold, blockSize: 256, prune: false });
    const pruned = await findNearDuplicates(x, n, d, { threshold, blockSize: 256 });
    assert.equal(pruned.stats.pruned, true);
    assert.ok(pruned.stats.basisDims > 0);
    assert.deepEqual(pairKeys(pruned), pairKeys(brute));
    assert.ok(pairKeys(brute).includes('5-900') && pairKeys(brute).includes('17-18'));
    // The bound must have pruned almost everything and brute-forced nothing.
    assert.equal(pruned.stats.bruteForceBlocks, 0);
    assert.ok(pruned.stats.candidates < 1000, `${pruned.stats.candidates} candidates`);
  }
});

test('pruning falls back to brute force where candidates are dense, with the same pairs', async () => {
  // 600 jittered copies of 6 images: every block is full of genuine near-duplicates.
  const n = 600;
  const d = 256;
  const base = lowRank(6, d, 24, 11);
  const g = gaussian(mulberry32(12));
  const x = new Float32Array(n * d);
  for (let i = 0; i < n; i++)
    for (let k = 0; k < d; k++) x[i * d + k] = base[(i % 6) * d + k]! * (1 + 0.02 * g());
  const brute = await findNearDuplicates(x, n, d, { blockSize: 128, prune: false });
  const pruned = await findNearDuplicates(x, n, d, { blockSize: 128, prune: true });
  assert.ok(pruned.stats.bruteForceBlocks > 0);
  assert.deepEqual(pairKeys(pruned), pairKeys(brute));
  assert.equal(brute.pairs.length, 6 * ((100 * 99) / 2));
});
