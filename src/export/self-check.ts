/**
 * The self-check every export ends with: load what was written with the stock loaders
 * (tfjs-converter's `loadGraphModel` through an IO handler that reads the files on disk, and an
 * onnxruntime-node `InferenceSession`), run them on the check images decoded the app's way, and
 * compare with the probabilities the app itself computed.
 */
import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import ort from 'onnxruntime-node';
import { ModelError } from '../model/errors.ts';
import { decodeRgb224, toModelInput, INPUT_SIZE, type CropMode } from '../model/preprocess.ts';
import type { tf as TfNamespace } from '../model/tfjs-runtime.ts';
import type { Quantize } from './tfjs-weights.ts';
import type { Preprocessing } from '../domain/preprocessing.ts';
import {
  TFJS_CHECK_WORKER_BUNDLE,
  type FromTfjsCheckWorker,
  type ToTfjsCheckWorker,
} from './tfjs-check-protocol.ts';

type Tf = typeof TfNamespace;

/** Float32 exports must reproduce the app's probabilities to this absolute difference. */
export const FLOAT32_TOLERANCE = 1e-4;

export interface Tolerance {
  /** Least share of check images whose top-1 class must match the app's. */
  agreement: number;
  /** Largest allowed |exported − app| probability; null where it is only reported. */
  maxDiff: number | null;
}

/**
 * What each weight format must achieve. Quantized weights move probabilities by design, so they
 * are held to the top-1 class; float32 must reproduce the app's numbers.
 */
export const TOLERANCES: Readonly<Record<Quantize, Tolerance>> = Object.freeze({
  none: { agreement: 1, maxDiff: FLOAT32_TOLERANCE },
  float16: { agreement: 0.99, maxDiff: null },
  uint8: { agreement: 0.97, maxDiff: null },
});

export type ExportFormat = 'tfjs' | 'onnx';

export interface CheckImage {
  rgb: Uint8Array;
  expected: Float32Array;
  /**
   * The largest |exported − app| probability that float32 rounding of this image's features can
   * cause (see float32Allowance); a float32 check allows max(FLOAT32_TOLERANCE, this).
   */
  allowance?: number | undefined;
}

export interface FormatCheck {
  format: ExportFormat;
  images: number;
  /** Share of images whose top-1 class matches the app's. */
  agreement: number;
  /** Largest |exported − app| over all probabilities of all images. */
  maxDiff: number;
  passed: boolean;
  /** How the weights of this file are stored. */
  quantize: Quantize;
  /** What the check demanded. */
  required: Tolerance;
  /**
   * Where an image's own float32 rounding floor was above required.maxDiff (an ill-conditioned
   * head amplifies the last bits of its features), the largest such floor; null otherwise.
   */
  roundingFloor: number | null;
  /** What ran the model: the tfjs backend or onnxruntime's provider. */
  runtime: string;
  ms: number;
}

export interface CheckHooks {
  signal?: AbortSignal | undefined;
  /** Images per model call: 1 for a model written with a fixed batch of one. Default BATCH. */
  batch?: number | undefined;
  /** Called once per image done. */
  progress?: (() => void) | undefined;
}

/** Images per model call: larger batches run a little faster per image in tfjs-wasm. */
const BATCH = 16;
const PIXELS = INPUT_SIZE * INPUT_SIZE;

/**
 * Decodes check images with the app's own preprocessing, two at a time. An image that cannot be
 * read (deleted or damaged since training) is skipped and listed: it says nothing about the model.
 */
export async function decodeCheckImages(
  items: { path: string; expected: Float32Array; allowance?: number | undefined }[],
  crop: CropMode,
  hooks: CheckHooks = {},
): Promise<{ images: CheckImage[]; skipped: { path: string; reason: string }[] }> {
  const decoded: (CheckImage | null)[] = new Array(items.length).fill(null);
  const skipped: { path: string; reason: string }[] = [];
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      hooks.signal?.throwIfAborted();
      const i = next++;
      const item = items[i] as (typeof items)[number];
      try {
        decoded[i] = {
          rgb: await decodeRgb224(item.path, { crop }),
          expected: item.expected,
          allowance: item.allowance,
        };
      } catch (err) {
        if (!(err instanceof ModelError && err.code === 'image_decode')) throw err;
        skipped.push({ path: item.path, reason: err.message });
      }
      hooks.progress?.();
    }
  };
  await Promise.all([worker(), worker()]);
  return { images: decoded.filter((d): d is CheckImage => d !== null), skipped };
}

export type InputLayout = 'rgb-nhwc' | 'model-nhwc' | 'model-nchw';

/** A batch in the layout the exported graph takes: RGB 0..255, or the network's own input. */
export function batchInput(images: Uint8Array[], layout: InputLayout, pixels: Preprocessing): Float32Array {
  const size = PIXELS * 3;
  const out = new Float32Array(images.length * size);
  images.forEach((rgb, b) => {
    if (layout === 'rgb-nhwc') {
      for (let i = 0; i < size; i++) out[b * size + i] = rgb[i] as number;
      return;
    }
    const nhwc = toModelInput(rgb, undefined, 0, pixels);
    if (layout === 'model-nhwc') {
      out.set(nhwc, b * size);
      return;
    }
    for (let p = 0; p < PIXELS; p++) {
      for (let c = 0; c < 3; c++) out[b * size + c * PIXELS + p] = nhwc[p * 3 + c] as number;
    }
  });
  return out;
}

function argmax(v: ArrayLike<number>, from = 0, to = v.length): number {
  let best = from;
  for (let i = from + 1; i < to; i++) if ((v[i] as number) > (v[best] as number)) best = i;
  return best - from;
}

class Comparison {
  private agree = 0;
  private seen = 0;
  maxDiff = 0;
  finite = true;
  /** Largest difference / allowed difference over all images (float32 checks). */
  private worstRatio = 0;
  private floor: number | null = null;

  constructor(private readonly quantize: Quantize) {}

  add(probs: ArrayLike<number>, images: CheckImage[]): void {
    const c = probs.length / Math.max(1, images.length);
    const bound = TOLERANCES[this.quantize].maxDiff;
    images.forEach((img, b) => {
      let imageMax = 0;
      for (let j = 0; j < c; j++) {
        const p = probs[b * c + j] as number;
        if (!Number.isFinite(p)) this.finite = false;
        const d = Math.abs(p - (img.expected[j] as number));
        if (!(d <= imageMax)) imageMax = Number.isNaN(d) ? Infinity : d;
      }
      if (!(imageMax <= this.maxDiff)) this.maxDiff = imageMax;
      if (bound !== null) {
        const allowed = Math.max(bound, img.allowance ?? 0);
        if (allowed > bound) this.floor = Math.max(this.floor ?? 0, allowed);
        const ratio = imageMax / allowed;
        if (!(ratio <= this.worstRatio)) this.worstRatio = Number.isNaN(ratio) ? Infinity : ratio;
      }
      if (argmax(probs, b * c, (b + 1) * c) === argmax(img.expected)) this.agree++;
      this.seen++;
    });
  }

  result(format: ExportFormat, runtime: string, ms: number): FormatCheck {
    const quantize = this.quantize;
    const agreement = this.seen === 0 ? 0 : this.agree / this.seen;
    const required = TOLERANCES[quantize];
    // No images prove nothing, so they fail: a model that merely loads can still be broken.
    const passed =
      this.seen > 0 &&
      this.finite &&
      agreement >= required.agreement &&
      (required.maxDiff === null || this.worstRatio <= 1);
    return {
      format,
      images: this.seen,
      agreement,
      maxDiff: this.maxDiff,
      passed,
      quantize,
      required,
      roundingFloor: this.floor,
      runtime,
      ms: Math.round(ms),
    };
  }
}

/** An IO handler for `tf.loadGraphModel` that reads an exported model.json and its shards. */
export function graphModelFromDir(tf: Tf, dir: string): TfNamespace.io.IOHandler {
  return {
    load: async () => {
      const json = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8')) as TfNamespace.io.ModelJSON;
      return tf.io.getModelArtifactsForJSON(json, async (manifest) => {
        const buffers: ArrayBuffer[] = [];
        for (const group of manifest) {
          for (const path of group.paths) {
            const bytes = await readFile(join(dir, path));
            buffers.push(
              bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer,
            );
          }
        }
        return [tf.io.getWeightSpecs(manifest), buffers];
      });
    },
  };
}

/**
 * How the tfjs check threads are started: from the bundle beside this one when running as the
 * Electron bundle (CommonJS, where tsx cannot run TypeScript from app.asar), else the TypeScript
 * source through the same tsx entry as the compute worker.
 */
function tfjsWorkerStart(): { script: string | URL; entry?: string } {
  if (typeof __filename === 'string' && __filename.endsWith('.cjs')) {
    return { script: join(dirname(__filename), TFJS_CHECK_WORKER_BUNDLE) };
  }
  return {
    script: new URL('../jobs/compute-worker-entry.mjs', import.meta.url),
    entry: new URL('./tfjs-check-worker.ts', import.meta.url).href,
  };
}

/** tfjs-wasm threads for the check: one per core, at most two (each holds the whole model). */
export function tfjsCheckThreads(): number {
  return Math.max(1, Math.min(2, availableParallelism()));
}

/** A tfjs-check worker thread: the stock loader with the exported model loaded, run per batch. */
class TfjsThread {
  readonly ready: Promise<string>;
  private readonly worker: Worker;
  private readonly pending = new Map<number, { resolve(p: Float32Array): void; reject(e: Error): void }>();
  private nextId = 1;
  private failure: Error | null = null;

  constructor(dir: string) {
    const start = tfjsWorkerStart();
    this.worker = new Worker(start.script, { workerData: { entry: start.entry, dir } });
    let onReady: (backend: string) => void = () => {};
    let onFail: (e: Error) => void = () => {};
    this.ready = new Promise<string>((resolve, reject) => {
      onReady = resolve;
      onFail = reject;
    });
    // A thread closed before it was ready (another one failed first) is no error of its own.
    this.ready.catch(() => {});
    this.worker.on('message', (msg: FromTfjsCheckWorker) => {
      if (msg.type === 'ready') onReady(msg.backend);
      else if (msg.type === 'result') this.settle(msg.id, (p) => p.resolve(msg.probs));
      else if (msg.id === null)
        this.fail(new Error(`TensorFlow.js could not load the export: ${msg.message}`), onFail);
      else
        this.settle(msg.id, (p) => p.reject(new Error(`TensorFlow.js failed on the export: ${msg.message}`)));
    });
    this.worker.on('error', (err) => this.fail(err, onFail));
    this.worker.on('exit', (code) =>
      this.fail(new Error(`The TensorFlow.js check thread stopped (exit code ${code}).`), onFail),
    );
  }

  private settle(id: number, f: (p: { resolve(p: Float32Array): void; reject(e: Error): void }) => void) {
    const p = this.pending.get(id);
    this.pending.delete(id);
    if (p) f(p);
  }

  private fail(err: Error, onFail: (e: Error) => void) {
    this.failure ??= err;
    onFail(err);
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }

  run(input: Float32Array, shape: [number, number, number, number]): Promise<Float32Array> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise<Float32Array>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      const msg: ToTfjsCheckWorker = { type: 'run', id, input, shape };
      this.worker.postMessage(msg, [input.buffer as ArrayBuffer]);
    });
  }

  async close(): Promise<void> {
    this.failure ??= new Error('closed');
    await this.worker.terminate();
  }
}

/**
 * Runs the written TF.js model with the stock loader on every check image. Each of `threads`
 * worker threads loads the files itself and takes the next batch when it is free, so the check
 * uses the cores that onnxruntime leaves idle; the comparison happens here, in image order.
 */
export async function checkTfjs(
  dir: string,
  opts: { preprocessing: boolean; pixels: Preprocessing; quantize: Quantize; threads?: number | undefined },
  images: CheckImage[],
  hooks: CheckHooks = {},
): Promise<FormatCheck> {
  const start = performance.now();
  const size = hooks.batch ?? BATCH;
  const batches = Math.ceil(images.length / size);
  const count = Math.max(1, Math.min(opts.threads ?? tfjsCheckThreads(), batches));
  const threads = Array.from({ length: count }, () => new TfjsThread(dir));
  const results: Float32Array[] = new Array(batches);
  let backend = '';
  try {
    let next = 0;
    await Promise.all(
      threads.map(async (thread) => {
        backend = await thread.ready;
        while (next < batches) {
          hooks.signal?.throwIfAborted();
          const b = next++;
          const batch = images.slice(b * size, (b + 1) * size);
          const x = batchInput(
            batch.map((i) => i.rgb),
            opts.preprocessing ? 'rgb-nhwc' : 'model-nhwc',
            opts.pixels,
          );
          results[b] = await thread.run(x, [batch.length, INPUT_SIZE, INPUT_SIZE, 3]);
          for (let i = 0; i < batch.length; i++) hooks.progress?.();
        }
      }),
    );
  } finally {
    await Promise.all(threads.map((t) => t.close()));
  }
  const cmp = new Comparison(opts.quantize);
  results.forEach((probs, b) => cmp.add(probs, images.slice(b * size, (b + 1) * size)));
  return cmp.result(
    'tfjs',
    `tfjs-${backend} (${count} thread${count > 1 ? 's' : ''})`,
    performance.now() - start,
  );
}

/** Runs every check image through `run` in batches and compares. */
async function compareAll(
  run: (batch: CheckImage[]) => Promise<Float32Array>,
  images: CheckImage[],
  cmp: Comparison,
  hooks: CheckHooks,
): Promise<void> {
  const size = hooks.batch ?? BATCH;
  for (let at = 0; at < images.length; at += size) {
    hooks.signal?.throwIfAborted();
    const batch = images.slice(at, at + size);
    cmp.add(await run(batch), batch);
    for (let i = 0; i < batch.length; i++) hooks.progress?.();
  }
}

export async function checkOnnx(
  file: string,
  opts: { preprocessing: boolean; pixels: Preprocessing; threads?: number | undefined },
  images: CheckImage[],
  hooks: CheckHooks = {},
): Promise<FormatCheck> {
  const start = performance.now();
  const session = await ort.InferenceSession.create(
    file,
    opts.threads ? { intraOpNumThreads: opts.threads } : {},
  );
  const cmp = new Comparison('none');
  try {
    const inputName = session.inputNames[0] ?? '';
    const outputName = session.outputNames[0] ?? '';
    const run = async (batch: CheckImage[]): Promise<Float32Array> => {
      const x = batchInput(
        batch.map((b) => b.rgb),
        opts.preprocessing ? 'rgb-nhwc' : 'model-nchw',
        opts.pixels,
      );
      const dims = opts.preprocessing
        ? [batch.length, INPUT_SIZE, INPUT_SIZE, 3]
        : [batch.length, 3, INPUT_SIZE, INPUT_SIZE];
      const result = await session.run({ [inputName]: new ort.Tensor('float32', x, dims) });
      return result[outputName]?.data as Float32Array;
    };
    await compareAll(run, images, cmp, hooks);
  } finally {
    await session.release();
  }
  // Incept writes ONNX weights as float32 whatever the TF.js quantization.
  return cmp.result('onnx', 'onnxruntime-node (cpu)', performance.now() - start);
}
