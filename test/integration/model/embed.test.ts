import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import sharp from 'sharp';
import { embedImages, type EmbeddedBatch } from '../../../src/model/embed.ts';
import { createEngine } from '../../../src/model/engines/registry.ts';
import type { Engine } from '../../../src/model/engines/types.ts';
import { preprocessImage } from '../../../src/model/preprocess.ts';
import { relDiff } from '../../fixtures/compare.ts';
import { encodeGoogLeNet } from '../../fixtures/googlenet.ts';

let dir: string;
let engine: Engine;
const paths: string[] = [];

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'incept-embed-'));
  for (let i = 0; i < 5; i++) {
    const path = join(dir, `img-${i}.jpg`);
    await sharp({
      create: {
        width: 320 + i * 40,
        height: 240,
        channels: 3,
        background: { r: 40 * i, g: 200 - 30 * i, b: 90 },
      },
    })
      .composite([
        {
          input: { create: { width: 100, height: 80, channels: 3, background: '#ffffff' } },
          left: 20 * i,
          top: 30,
        },
      ])
      .jpeg()
      .toFile(path);
    paths.push(path);
  }
  const broken = join(dir, 'broken.jpg');
  await writeFile(broken, 'not a jpeg');
  paths.splice(2, 0, broken);
  engine = (await createEngine(encodeGoogLeNet({ seed: 8 }), { engine: 'onnxruntime' })).engine;
});
after(async () => {
  await engine?.dispose();
  await rm(dir, { recursive: true, force: true });
});

test('embeds in pipelined batches, skipping unreadable images', async () => {
  const batches: EmbeddedBatch[] = [];
  for await (const b of embedImages(engine, paths, { batchSize: 4, probabilities: true })) batches.push(b);
  assert.deepEqual(
    batches.map((b) => b.indices),
    [
      [0, 1, 3],
      [4, 5],
    ],
  );
  assert.deepEqual(
    batches.flatMap((b) => b.errors.map((e) => e.index)),
    [2],
  );
  assert.equal(batches[0]!.errors[0]!.error.code, 'image_decode');
  assert.equal(batches[0]!.features.length, 3 * 1024);
  assert.equal(batches[1]!.probabilities!.length, 2 * 1000);
  // Same numbers as preprocessing and embedding one image on its own.
  const alone = await engine.features(await preprocessImage(paths[4]!), 1);
  assert.ok(relDiff(batches[1]!.features.subarray(0, 1024), alone) < 1e-5);
});
