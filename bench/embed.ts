/**
 * Embedding throughput per available engine (GPU engines included, with their adapter): raw
 * inference on ready-made tensors, end to end (JPEG decode + preprocess + inference, pipelined),
 * their ratio, and the process's peak RSS during the end-to-end pass. Each engine runs at its own
 * batch size unless --batch is given.
 *
 *   node --import tsx bench/embed.ts [--images=16] [--batch=4] [--engines=onnxruntime,wasm] [--model=path.onnx]
 *
 * Without --model it uses the generated GoogLeNet fixture: random weights, identical compute.
 * Goals: end to end >= 0.9 of the same engine's raw inference on the CPU; on a real GPU, end to
 * end >= 10x onnxruntime's CPU provider (bounded by decoding). On a software GPU only correctness
 * counts.
 */
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import sharp from 'sharp';
import { embedImages } from '../src/model/embed.ts';
import { createEngine, engineBatchSize, probeEngines } from '../src/model/engines/registry.ts';
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
  /** GPU engines: the adapter, and whether it is a software one. */
  adapter?: string;
  software?: boolean;
  batchSize: number;
  endToEndImagesPerSec: number;
  inferenceImagesPerSec: number;
  /** End-to-end throughput as a share of the same engine's raw inference. */
  ratioToOwnInference: number;
  /** End-to-end throughput as a share of raw onnxruntime (CPU) inference. */
  ratioToOnnxruntimeInference: number | null;
  /** The process's peak resident memory during the end-to-end pass. */
  peakRssMb: number;
  /** Engines passed over when this one was asked for (e.g. a failed correctness gate). */
  fellBackFrom?: string;
}

export interface BenchEmbedResult {
  machine: { cpus: number; cpuModel: string; node: string; platform: string };
  model: string;
  images: number;
  /** The batch size given with --batch, or null when each engine used its own. */
  batchSize: number | null;
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

function batchesOf(rgb: Uint8Array[], batchSize: number): Float32Array[] {
  const batches: Float32Array[] = [];
  for (let s = 0; s < rgb.length; s += batchSize) {
    const chunk = rgb.slice(s, s + batchSize);
    const input = new Float32Array(chunk.length * IMAGE_VALUES);
    chunk.forEach((r, i) => toModelInput(r, input, i * IMAGE_VALUES));
    batches.push(input);
  }
  return batches;
}

/** Samples RSS while `fn` runs; returns the peak in MiB. */
async function peakRss(fn: () => Promise<void>): Promise<{ seconds: number; peakMb: number }> {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  try {
    const seconds = await timeIt(fn);
    peak = Math.max(peak, process.memoryUsage().rss);
    return { seconds, peakMb: peak / 2 ** 20 };
  } finally {
    clearInterval(timer);
  }
}

async function inferenceRate(engine: Engine, batches: Float32Array[], images: number): Promise<number> {
  const seconds = await timeIt(async () => {
    for (const b of batches) await engine.features(b, b.length / IMAGE_VALUES);
  });
  return images / seconds;
}

export async function benchEmbed(opts: BenchEmbedOptions = {}): Promise<BenchEmbedResult> {
  const images = opts.images ?? 16;
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
      const { engine, failures } = await createEngine(modelBytes, { engine: probe.name });
      const batchSize = opts.batchSize ?? engine.batchSize ?? engineBatchSize(probe.name);
      const batches = batchesOf(rgb, batchSize);
      engines.push(engine);
      await engine.features(batches[0]!, batches[0]!.length / IMAGE_VALUES); // warm-up
      const inference = await inferenceRate(engine, batches, images);
      if (engine.name === 'onnxruntime' && probe.name === 'onnxruntime') ortRaw = inference;
      const e2e = await peakRss(async () => {
        for await (const _batch of embedImages(engine, paths, { batchSize })) void _batch;
      });
      results.push({
        name: engine.name,
        label: engine.label,
        ...(probe.adapter !== undefined ? { adapter: probe.adapter } : {}),
        ...(probe.software !== undefined ? { software: probe.software } : {}),
        batchSize,
        endToEndImagesPerSec: images / e2e.seconds,
        inferenceImagesPerSec: inference,
        ratioToOwnInference: images / e2e.seconds / inference,
        ratioToOnnxruntimeInference: null,
        peakRssMb: e2e.peakMb,
        ...(failures.length > 0
          ? { fellBackFrom: failures.map((f) => `${f.name}: ${f.reason}`).join('; ') }
          : {}),
      });
      await engine.dispose();
      engines.pop();
    }
    if (ortRaw === null && probes.some((p) => p.name === 'onnxruntime' && p.available)) {
      // The ratio needs onnxruntime's raw rate even when it is not among the engines benched.
      const batches = batchesOf(rgb, opts.batchSize ?? engineBatchSize('onnxruntime'));
      const { engine } = await createEngine(modelBytes, { engine: 'onnxruntime' });
      engines.push(engine);
      await engine.features(batches[0]!, batches[0]!.length / IMAGE_VALUES);
      ortRaw = await inferenceRate(engine, batches, images);
    }
    const round = (v: number) => Math.round(v * 100) / 100;
    for (const r of results) {
      r.endToEndImagesPerSec = round(r.endToEndImagesPerSec);
      r.inferenceImagesPerSec = round(r.inferenceImagesPerSec);
      r.ratioToOwnInference = round(r.ratioToOwnInference);
      r.peakRssMb = Math.round(r.peakRssMb);
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
      batchSize: opts.batchSize ?? null,
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
  // No top-level await: bench/bundle.ts bundles this file as CommonJS.
  void benchEmbed(parseArgs(process.argv.slice(2))).then((r) => console.log(JSON.stringify(r, null, 2)));
}
