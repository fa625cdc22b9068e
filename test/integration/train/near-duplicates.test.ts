/**
 * Near-duplicates as a person means them: resized, re-encoded and slightly cropped copies of a
 * picture, among different generated pictures, through a GoogLeNet. The search on standardised
 * features with a threshold calibrated on the set's own nearest-neighbour distances finds every
 * copy and flags nothing else; raw cosines cannot tell them apart.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import sharp from 'sharp';
import { createEngine } from '../../../src/model/engines/registry.ts';
import { decodeRgb224, toModelInput } from '../../../src/model/preprocess.ts';
import { findNearDuplicates } from '../../../src/train/duplicates.ts';
import { encodeGoogLeNet, seededRandom } from '../../fixtures/googlenet.ts';
import { tempDir } from '../../helpers/tmp.ts';

/** A scene of random shapes on a random background, of random size. */
async function scene(rng: ReturnType<typeof seededRandom>): Promise<Buffer> {
  const colour = () => `rgb(${[0, 0, 0].map(() => Math.floor(rng.uniform() * 256)).join(',')})`;
  const w = 200 + Math.floor(rng.uniform() * 200);
  const h = 180 + Math.floor(rng.uniform() * 200);
  let svg = `<svg width="${w}" height="${h}" xmlns="http://www.w3.org/2000/svg"><rect width="100%" height="100%" fill="${colour()}"/>`;
  for (let k = 0; k < 6; k++) {
    const x = rng.uniform() * w;
    const y = rng.uniform() * h;
    const r = 10 + rng.uniform() * 60;
    svg +=
      rng.uniform() < 0.5
        ? `<circle cx="${x}" cy="${y}" r="${r}" fill="${colour()}"/>`
        : `<rect x="${x}" y="${y}" width="${r * 1.5}" height="${r}" fill="${colour()}" transform="rotate(${rng.uniform() * 90} ${x} ${y})"/>`;
  }
  return sharp(Buffer.from(`${svg}</svg>`))
    .jpeg({ quality: 92 })
    .toBuffer();
}

/** The copies people make: smaller, re-encoded harder, a few per cent cropped, or enlarged and trimmed. */
async function copyOf(bytes: Buffer, kind: number): Promise<Buffer> {
  const { width: w = 0, height: h = 0 } = await sharp(bytes).metadata();
  let img = sharp(bytes);
  if (kind === 0) img = img.resize(Math.round(w * 0.7));
  if (kind === 1) {
    img = img.extract({
      left: Math.round(w * 0.04),
      top: Math.round(h * 0.03),
      width: Math.round(w * 0.93),
      height: Math.round(h * 0.94),
    });
  }
  if (kind === 2) {
    const big = Math.round(w * 1.3);
    img = sharp(await img.resize(big).toBuffer()).extract({
      left: 3,
      top: 2,
      width: big - 6,
      height: Math.round(h * 1.3) - 5,
    });
  }
  return img.jpeg({ quality: 60 + 7 * kind }).toBuffer();
}

test('near-duplicates: every resized, re-encoded or cropped copy is found, and nothing else', async (t) => {
  const dir = tempDir(t, 'incept-near-dups-');
  const rng = seededRandom(77);
  const paths: string[] = [];
  for (let i = 0; i < 60; i++) {
    paths.push(join(dir, `scene-${i}.jpg`));
    await writeFile(paths[i]!, await scene(rng));
  }
  const originals = [0, 5, 13, 41, 50, 58];
  for (const [k, src] of originals.entries()) {
    const path = join(dir, `copy-of-${src}.jpg`);
    await writeFile(path, await copyOf(await readFile(paths[src]!), k % 3));
    paths.push(path);
  }
  const expected = originals.map((src, k) => `${src}-${60 + k}`).sort();

  const { engine } = await createEngine(encodeGoogLeNet({ seed: 3 }), { engine: 'onnxruntime' });
  const d = 1024;
  const x = new Float32Array(paths.length * d);
  try {
    for (const [i, p] of paths.entries())
      x.set(await engine.features(toModelInput(await decodeRgb224(p)), 1), i * d);
  } finally {
    await engine.dispose();
  }

  const found = await findNearDuplicates(x, paths.length, d, { standardise: true, threshold: 'calibrated' });
  t.diagnostic(
    `threshold ${found.threshold.toFixed(3)}, median nearest distance ${found.medianNearest?.toFixed(3)}, ` +
      `pairs ${found.pairs.map((p) => `${p.a}-${p.b}:${p.similarity.toFixed(3)}`).join(' ')}`,
  );
  assert.deepEqual(found.pairs.map((p) => `${p.a}-${p.b}`).sort(), expected);

  // What the flag meant before: raw cosines put every pair of these different pictures above 0.98.
  const raw = await findNearDuplicates(x, paths.length, d, { threshold: 0.98 });
  assert.ok(raw.pairs.length > 1000, `raw cosine flags ${raw.pairs.length} pairs`);
});
