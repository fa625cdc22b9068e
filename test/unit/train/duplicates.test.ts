import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findNearDuplicates } from '../../../src/train/duplicates.ts';
import { mulberry32 } from '../../../src/train/random.ts';
import type { Split } from '../../../src/train/split.ts';
import { gaussian } from './synthetic.ts';

test('finds planted near-copies and flags the cross-split ones', async () => {
  const n = 300;
  const d = 64;
  const g = gaussian(mulberry32(5));
  // Non-negative, like pooled ReLU features: unrelated rows still have cosine ~0.6–0.7.
  const x = Float32Array.from({ length: n * d }, () => Math.abs(g()));
  const plant = (from: number, to: number, scale: number, jitter: number) => {
    for (let k = 0; k < d; k++) x[to * d + k] = x[from * d + k]! * scale + jitter * Math.abs(g());
  };
  plant(0, 150, 1.3, 0.01); // a rescaled copy: cosine ~1
  plant(10, 11, 1, 0.05); // slightly noisy copy
  plant(20, 299, 1, 0.05); // crosses block boundaries below
  plant(30, 31, 1, 2); // too noisy to count
  const splits: Split[] = Array.from({ length: n }, (_, i) => (i % 5 === 0 ? 'validation' : 'train'));
  const ids = Array.from({ length: n }, (_, i) => i * 10);
  const report = await findNearDuplicates(x, n, d, { threshold: 0.98, splits, ids, blockSize: 64 });
  assert.deepEqual(
    report.pairs.map((p) => [p.a, p.b, p.leak]).sort((p, q) => (p[0] as number) - (q[0] as number)),
    [
      [0, 150, false], // both validation
      [10, 11, true], // validation / train
      [20, 299, true], // validation / train
    ],
  );
  assert.equal(report.leaks, 2);
  assert.equal(report.pairs[0]!.a, 0); // most similar first
  assert.ok(report.pairs[0]!.similarity > 0.9999);
  const p = report.pairs.find((q) => q.a === 10)!;
  assert.equal(p.idA, 100);
  assert.equal(p.idB, 110);
  assert.equal(report.stats.blockProducts, 15); // 5 blocks of 64 → 5·6/2
  assert.equal(report.stats.pruned, false); // d = 64 is too narrow to prune
  // 4 blocks of 64 rows and one of 44, all block pairs including full diagonal blocks.
  const sizes = [64, 64, 64, 64, 44];
  let macs = 0;
  for (let i = 0; i < 5; i++) for (let j = i; j < 5; j++) macs += sizes[i]! * sizes[j]! * d;
  assert.equal(report.stats.multiplyAdds, macs);
});

test('the same pairs whatever the block size; zero vectors never pair', async () => {
  const n = 50;
  const d = 8;
  const r = mulberry32(2);
  const x = Float32Array.from({ length: n * d }, () => r());
  for (let k = 0; k < d; k++) x[7 * d + k] = x[3 * d + k]!;
  x.fill(0, 40 * d, 42 * d); // rows 40 and 41: all zero, "identical" but directionless
  const sig = async (blockSize: number) =>
    (await findNearDuplicates(x, n, d, { threshold: 0.95, blockSize })).pairs
      .map((p) => `${p.a}-${p.b}`)
      .sort();
  const whole = await sig(1000);
  assert.ok(whole.includes('3-7'));
  assert.ok(!whole.some((s) => s.split('-').some((v) => v === '40' || v === '41')));
  assert.deepEqual(await sig(7), whole);
  assert.equal((await findNearDuplicates(x, n, d)).stats.zeroRows, 2);
});
