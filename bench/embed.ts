/**
 * Embedding throughput: end to end (JPEG decode + preprocess + inference, pipelined) per available
 * engine, against raw onnxruntime inference on ready-made tensors of the same batch size.
 *
 *   node --import tsx bench/embed.ts [--images=16] [--batch=4] [--engines=onnxruntime,wasm] [--model=path.onnx]
 *
 * Without --model it uses the generated GoogLeNet fixture: random weights, identical compute.
 */
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import sharp from 'sharp';
import { embedImages } from '../src/model/embed.ts';
import { createEngine, probeEngines } from '../src/model/engines/registry.ts';
import { IMAGE_VALUES, type Engine, type EngineName } from '../src/model/engines/types.ts';
import { decodeRgb224, toModelInput } from '../src/model/preprocess.ts';
import { encodeGoogLeNet, seededRandom } from '../test/fixtures/googlenet.ts';

export interface BenchEmbedOptions {
  images?: number;
  batchSize?: number;
  width?: number;
  height?: number;
  engines?: EngineName[];
  modelPath?: string;
}

export interface EngineBench {
  name: EngineName;
  label: string;
  endToEndImagesPerSec: number;
  inferenceImagesPerSec: number;
  /** End-to-end throughput as a share of raw onnxruntime inference. */
  ratioToOnnxruntimeInference: number | null;
}

export interface BenchEmbedResult {
  machine: { cpus: number; cpuModel: string; node: string; platform: string };
  model: string;
  images: number;
  batchSize: number;
  imageSize: string;
  decodeOnlyImagesPerSec: number;
  onnxruntimeInferenceImagesPerSec: number | null;
  engines: EngineBench[];
  skipped: { name: EngineName; reason: string }[];
}

async function makeJpegs(dir: string, count: number, width: number, height: number): Promise<string[]> {
  const rng = seededRandom(42);
  const paths: string[] = [];
  for (let i = 0; i < count; i++) {
    const raw = Buffer.alloc(width * height * 3);
    const colours = Array.from({ length: 48 }, () => Math.floor(rng.uniform() * 256));
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const cell = (Math.floor(y / 60) * 4 + Math.floor(x / 80)) % 16;
        for (let c = 0; c < 3; c++) {
          const v = (colours[cell * 3 + c] as number) + ((x + y + i * 7) % 32) - 16;
          raw[(y * width + x) * 3 + c] = Math.max(0, Math.min(255, v));
        }
      }
    }
    const path = join(dir, `img-${i}.jpg`);
    await sharp(raw, { raw: { width, height, channels: 3 } })
      .jpeg({ quality: 90 })
      .toFile(path);
    paths.push(path);
  }
  return paths;
}

async function timeIt(fn: () => Promise<void>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return (performance.now() - t0) / 1000;
}

async function inferenceRate(engine: Engine, batches: Float32Array[], images: number): Promise<number> {
  const seconds = await timeIt(async () => {
    for (const b of batches) await engine.features(b, b.length / IMAGE_VALUES);
  });
  return images / seconds;
}

export async function benchEmbed(opts: BenchEmbedOptions = {}): Promise<BenchEmbedResult> {
  const images = opts.images ?? 16;
  const batchSize = opts.batchSize ?? 4;
  const width = opts.width ?? 640;
  const height = opts.height ?? 480;
  const dir = await mkdtemp(join(tmpdir(), 'incept-bench-'));
  const engines: Engine[] = [];
  try {
    const paths = await makeJpegs(dir, images, width, height);
    const modelBytes = opts.modelPath ? await readFile(opts.modelPath) : encodeGoogLeNet({ seed: 1 });

    let rgb: Uint8Array[] = [];
    const decodeSeconds = await timeIt(async () => {
      rgb = await Promise.all(paths.map((p) => decodeRgb224(p)));
    });
    const batches: Float32Array[] = [];
    for (let s = 0; s < images; s += batchSize) {
      const chunk = rgb.slice(s, s + batchSize);
      const input = new Float32Array(chunk.length * IMAGE_VALUES);
      chunk.forEach((r, i) => toModelInput(r, input, i * IMAGE_VALUES));
      batches.push(input);
    }

    const probes = await probeEngines();
    const skipped: BenchEmbedResult['skipped'] = [];
    const results: EngineBench[] = [];
    let ortRaw: number | null = null;
    for (const probe of probes) {
      if (opts.engines && !opts.engines.includes(probe.name)) continue;
      if (!probe.available) {
        skipped.push({ name: probe.name, reason: probe.reason ?? 'not available' });
        continue;
      }
      const { engine } = await createEngine(modelBytes, { engine: probe.name });
      engines.push(engine);
      await engine.features(batches[0]!, batches[0]!.length / IMAGE_VALUES); // warm-up
      const inference = await inferenceRate(engine, batches, images);
      if (probe.name === 'onnxruntime') ortRaw = inference;
      const e2eSeconds = await timeIt(async () => {
        for await (const _batch of embedImages(engine, paths, { batchSize })) void _batch;
      });
      results.push({
        name: probe.name,
        label: engine.label,
        endToEndImagesPerSec: images / e2eSeconds,
        inferenceImagesPerSec: inference,
        ratioToOnnxruntimeInference: null,
      });
      await engine.dispose();
      engines.pop();
    }
    if (ortRaw === null && probes.some((p) => p.name === 'onnxruntime' && p.available)) {
      // The ratio needs onnxruntime's raw rate even when it is not among the engines benched.
      const { engine } = await createEngine(modelBytes, { engine: 'onnxruntime' });
      engines.push(engine);
      await engine.features(batches[0]!, batches[0]!.length / IMAGE_VALUES);
      ortRaw = await inferenceRate(engine, batches, images);
    }
    const round = (v: number) => Math.round(v * 100) / 100;
    for (const r of results) {
      r.endToEndImagesPerSec = round(r.endToEndImagesPerSec);
      r.inferenceImagesPerSec = round(r.inferenceImagesPerSec);
      r.ratioToOnnxruntimeInference = ortRaw ? round(r.endToEndImagesPerSec / ortRaw) : null;
    }
    return {
      machine: {
        cpus: availableParallelism(),
        cpuModel: cpus()[0]?.model ?? 'unknown',
        node: process.version,
        platform: `${process.platform}-${process.arch}`,
      },
      model: opts.modelPath ?? 'generated GoogLeNet fixture (random weights)',
      images,
      batchSize,
      imageSize: `${width}x${height}`,
      decodeOnlyImagesPerSec: round(images / decodeSeconds),
      onnxruntimeInferenceImagesPerSec: ortRaw === null ? null : round(ortRaw),
      engines: results,
      skipped,
    };
  } finally {
    for (const e of engines) await e.dispose();
    await rm(dir, { recursive: true, force: true });
  }
}

function parseArgs(argv: string[]): BenchEmbedOptions {
  const opts: BenchEmbedOptions = {};
  for (const arg of argv) {
    const [key, value = ''] = arg.replace(/^--/, '').split('=');
    if (key === 'images') opts.images = Number(value);
    else if (key === 'batch') opts.batchSize = Number(value);
    else if (key === 'engines') opts.engines = value.split(',') as EngineName[];
    else if (key === 'model') opts.modelPath = value;
    else if (key === 'width') opts.width = Number(value);
    else if (key === 'height') opts.height = Number(value);
  }
  return opts;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(JSON.stringify(await benchEmbed(parseArgs(process.argv.slice(2))), null, 2));
}
