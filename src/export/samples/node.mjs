#!/usr/bin/env node
/**
 * Classifies images with the exported TensorFlow.js model and prints the top 3 classes of each
 * image as one JSON line: node samples/node.mjs photo1.jpg photo2.png
 *
 * Needs @tensorflow/tfjs and sharp (npm install @tensorflow/tfjs sharp). @tensorflow/tfjs-node or
 * @tensorflow/tfjs-backend-wasm are used when installed, for speed. Images are prepared exactly
 * as Incept prepares them (see metadata.json → resize).
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import util from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const meta = JSON.parse(await readFile(join(root, 'metadata.json'), 'utf8'));

// Packages are looked up next to this file first, then in the current folder (ESM ignores NODE_PATH).
const requires = [
  createRequire(import.meta.url),
  createRequire(pathToFileURL(join(process.cwd(), 'index.js'))),
];

function find(name) {
  for (const req of requires) {
    try {
      return { req, path: req.resolve(name) };
    } catch {
      // not installed here
    }
  }
  return null;
}

function load(name, optional = false) {
  const found = find(name);
  if (!found) {
    if (optional) return null;
    console.error(
      `Cannot find ${name}. Install it next to this export or in the current folder: npm install @tensorflow/tfjs sharp`,
    );
    process.exit(2);
  }
  try {
    return found.req(name);
  } catch (err) {
    if (optional) return null;
    throw err;
  }
}

async function loadTf() {
  // tfjs-node 4.x calls util helpers that Node 23 removed.
  util.isNullOrUndefined ??= (v) => v === null || v === undefined;
  util.isArray ??= Array.isArray;
  const native = load('@tensorflow/tfjs-node-gpu', true) ?? load('@tensorflow/tfjs-node', true);
  if (native) return native;
  const tf = load('@tensorflow/tfjs');
  const wasm = load('@tensorflow/tfjs-backend-wasm', true);
  const wasmPkg = find('@tensorflow/tfjs-backend-wasm/package.json');
  if (wasm && wasmPkg) {
    wasm.setWasmPaths(join(dirname(wasmPkg.path), 'dist') + '/');
    if (await tf.setBackend('wasm').catch(() => false)) return tf;
  }
  await tf.setBackend('cpu');
  return tf;
}

/** Reads model.json and its weight shards from disk for tf.loadGraphModel. */
function fromDisk(tf, dir) {
  return {
    load: async () => {
      const json = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8'));
      return tf.io.getModelArtifactsForJSON(json, async (manifest) => {
        const buffers = [];
        for (const group of manifest) {
          for (const path of group.paths) {
            const b = await readFile(join(dir, path));
            buffers.push(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
          }
        }
        return [tf.io.getWeightSpecs(manifest), buffers];
      });
    },
  };
}

const SIZE = meta.input.size[0];

/** Incept's preprocessing: EXIF rotation, transparency on white, sRGB, resize + crop, RGB bytes. */
async function pixels(sharp, path) {
  const { data } = await sharp(path, { limitInputPixels: 100_000_000 })
    .rotate()
    .flatten({ background: '#ffffff' })
    .toColourspace('srgb')
    .resize(SIZE, SIZE, {
      fit: meta.resize.cropMode === 'squash' ? 'fill' : 'cover',
      position: 'centre',
      kernel: 'lanczos3',
      fastShrinkOnLoad: true,
    })
    .removeAlpha()
    .raw({ depth: 'uchar' })
    .toBuffer({ resolveWithObject: true });
  const x = new Float32Array(SIZE * SIZE * 3);
  if (meta.input.preprocessing.inGraph) {
    for (let i = 0; i < x.length; i++) x[i] = data[i];
  } else {
    // The bare network: per RGB channel pixel · multiply − subtract, then BGR if the model wants it.
    const { multiplyRGB: m, subtractRGB: s, channelOrder } = meta.input.preprocessing;
    const order = channelOrder === 'BGR' ? [2, 1, 0] : [0, 1, 2];
    for (let i = 0; i < x.length; i += 3) {
      for (let c = 0; c < 3; c++) x[i + c] = data[i + order[c]] * m[order[c]] - s[order[c]];
    }
  }
  return x;
}

const images = process.argv.slice(2);
if (images.length === 0) {
  console.error('Usage: node samples/node.mjs IMAGE [IMAGE...]');
  process.exit(2);
}
const sharp = load('sharp');
const tf = await loadTf();
await tf.ready();
const model = await tf.loadGraphModel(fromDisk(tf, join(root, meta.formats.tfjs.path, '..')));
let failed = 0;
for (const image of images) {
  try {
    const x = tf.tensor4d(await pixels(sharp, image), [1, SIZE, SIZE, 3]);
    const y = model.predict(x);
    const probs = await y.data();
    tf.dispose([x, y]);
    const top = Array.from(probs, (p, i) => ({ label: meta.labels[i], probability: p }))
      .sort((a, b) => b.probability - a.probability)
      .slice(0, 3);
    console.log(JSON.stringify({ image, top }));
  } catch (err) {
    failed++;
    console.log(JSON.stringify({ image, error: err instanceof Error ? err.message : String(err) }));
  }
}
process.exitCode = failed > 0 ? 1 : 0;
