/**
 * Exports a training run as a TensorFlow.js graph model and/or an ONNX model that predict exactly
 * what Incept predicts, with metadata, labels, a model card and runnable samples beside them.
 *
 * Store-agnostic: the caller passes the pretrained model bytes, the fine-tuned head and the run's
 * facts. Everything is written to a hidden sibling of `out`, self-checked with the stock loaders
 * and only then renamed into place; any failure or cancellation leaves `out` as it was.
 */
import { copyFile, mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ApiError } from '../domain/errors.ts';
import type { ExportReport } from '../domain/training.ts';
import { decodeModel } from '../model/onnx/read.ts';
import { INPUT_SIZE, type CropMode } from '../model/preprocess.ts';
import type { Preprocessing } from '../domain/preprocessing.ts';
import { checkTarget, commitStaging, createStaging, discardStaging } from './atomic-dir.ts';
import {
  labelsText,
  metadataResize,
  modelCard,
  preprocessingDescription,
  preprocessingMetadata,
  publicValidation,
  type ClassCount,
  type ExportMetadata,
  type TensorSpec,
} from './model-card.ts';
import { analyzeModel, type ModelAnalysis } from '../model/graph/analyze.ts';
import { quantizeFiltersPerChannel } from './channel-quantization.ts';
import { buildOnnxModel } from './onnx-export.ts';
import { checkOnnx, checkTfjs, decodeCheckImages, type CheckImage, type FormatCheck } from './self-check.ts';
import { buildTfGraph, exportBatch } from './tfjs-graph.ts';
import { packWeights, type Quantize } from './tfjs-weights.ts';

export interface ExportInput {
  /** The imported pretrained ONNX file. */
  modelBytes: Uint8Array;
  modelSha256: string;
  head: { weights: Float32Array /* featureDim*C row-major: W[k*C + c] */; bias: Float32Array /* C */ };
  /** Output order. */
  labels: string[];
  formats: ('tfjs' | 'onnx')[];
  quantize: Quantize;
  /** Default true: the graph takes RGB 0..255 NHWC [N, 224, 224, 3]. */
  preprocessing: boolean;
  /** The model's own preprocessing (the app's features were computed with it). */
  pixels: Preprocessing;
  out: string;
  force: boolean;
  metadata: {
    runId: number;
    settings: object;
    validation: object | null;
    classCounts: ClassCount[];
    appVersion: string;
    cropMode: CropMode;
  };
  checkImages: {
    path: string;
    /** In-app class probabilities. */
    expected: Float32Array;
    /** This image's float32 rounding floor (float32Allowance); absent: FLOAT32_TOLERANCE alone. */
    allowance?: number | undefined;
  }[];
}

export interface ExportHooks {
  signal?: AbortSignal | undefined;
  /** A throw from here fails the export like any other error (nothing is left at `out`). */
  progress?(done: number, total: number, phase: string): void;
}

const SAMPLES_DIR = join(dirname(fileURLToPath(import.meta.url)), 'samples');

function invalid(message: string): ApiError {
  return new ApiError('invalid_args', message);
}

function validate(input: ExportInput): number {
  const c = input.head.bias.length;
  if (input.formats.length === 0) throw invalid('Choose at least one export format (tfjs, onnx).');
  if (c < 2) throw invalid(`The head has ${c} classes; a classifier needs at least 2.`);
  if (input.labels.length !== c) {
    throw invalid(
      `There are ${input.labels.length} labels but the head has ${c} outputs; pass one label per class.`,
    );
  }
  if (input.head.weights.length === 0 || input.head.weights.length % c !== 0) {
    throw invalid(`The head weights hold ${input.head.weights.length} values, not featureDim × ${c}.`);
  }
  if (!['none', 'float16', 'uint8'].includes(input.quantize))
    throw invalid(`Unknown quantization "${input.quantize}".`);
  input.checkImages.forEach((img, i) => {
    if (img.expected.length !== c) {
      throw invalid(
        `Check image ${i} (${img.path}) has ${img.expected.length} expected probabilities, not ${c}.`,
      );
    }
  });
  return c;
}

function cancelled(out: string): ApiError {
  return new ApiError('cancelled', `Export cancelled; nothing was written to ${out}.`);
}

async function listFiles(dir: string): Promise<{ files: string[]; bytes: number }> {
  const files: string[] = [];
  let bytes = 0;
  const walk = async (d: string) => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else {
        files.push(relative(dir, p).split(sep).join('/'));
        bytes += (await stat(p)).size;
      }
    }
  };
  await walk(dir);
  return { files: files.sort(), bytes };
}

function formatName(format: 'tfjs' | 'onnx'): string {
  return format === 'tfjs' ? 'TensorFlow.js' : 'ONNX';
}

function describeFailure(check: FormatCheck): string {
  const agreeing = Math.round(check.agreement * check.images);
  const want = check.required;
  const required =
    `${(100 * want.agreement).toFixed(0)} %` +
    (want.maxDiff === null ? '' : ` and ≤ ${want.maxDiff.toExponential(0)}`) +
    (check.roundingFloor === null
      ? ''
      : `, or up to ${check.roundingFloor.toExponential(1)} on images whose head amplifies float32 rounding`);
  const weights = check.quantize === 'none' ? 'float32' : `${check.quantize}-quantized`;
  return (
    `the ${weights} ${formatName(check.format)} model agrees with Incept on the top class of ${agreeing} of ` +
    `${check.images} check images (${(100 * check.agreement).toFixed(1)} %), largest probability difference ` +
    `${check.maxDiff.toExponential(2)} (required: ${required})`
  );
}

/** The advice that goes with a failed check: a quantization miss is a choice, a float32 miss a bug. */
function failureAdvice(failures: FormatCheck[]): string {
  return failures.every((f) => f.quantize !== 'none')
    ? 'Export without --quantize (or with float16 instead of uint8) for predictions that match Incept.'
    : 'This is a bug in the exporter; please report it with the model you used.';
}

/** What the caller should tell the user about checks that passed with differences. */
function checkWarnings(checks: FormatCheck[], quantize: Quantize): string[] {
  const warnings: string[] = [];
  if (quantize !== 'none' && checks.some((c) => c.format === 'onnx')) {
    warnings.push(
      `Quantization (${quantize}) applies to the TensorFlow.js weights only; the ONNX model is float32.`,
    );
  }
  for (const c of checks) {
    if (c.quantize !== 'none' && c.agreement < 1) {
      warnings.push(
        `The ${c.quantize}-quantized ${formatName(c.format)} model picks the same class as Incept for ` +
          `${(100 * c.agreement).toFixed(1)} % of the check images (largest probability difference ` +
          `${c.maxDiff.toExponential(2)}); export without quantization for identical predictions.`,
      );
    }
  }
  return warnings;
}

/**
 * What the base model is, from what its file says: its graph name and producer. Incept cannot
 * tell a BVLC GoogLeNet from any other file with the same layout, so it claims no provenance.
 */
function baseModelName(a: ModelAnalysis): string {
  const producer = a.producer ? `, produced by ${a.producer}` : '';
  return a.graphName ? `the ONNX model "${a.graphName}"${producer}` : `an ONNX model${producer}`;
}

/**
 * Checks every written format. TensorFlow.js runs on this thread (wasm is single-threaded here)
 * while onnxruntime runs on its own thread, so the two checks overlap instead of queueing.
 */
async function runChecks(
  staging: string,
  formats: ('tfjs' | 'onnx')[],
  images: CheckImage[],
  opts: {
    preprocessing: boolean;
    pixels: Preprocessing;
    quantize: Quantize;
    /** Images per call of the written models (1 where an op mixes the images of a batch). */
    batch: number;
    signal: AbortSignal | undefined;
    progress: (phase: string) => void;
  },
): Promise<FormatCheck[]> {
  const phase = `checking ${formats.join(' and ')}`;
  const perImage = { signal: opts.signal, batch: opts.batch, progress: () => opts.progress(phase) };
  const base = { preprocessing: opts.preprocessing, pixels: opts.pixels };
  const both = formats.length > 1;
  const stop = new AbortController();
  const signal = opts.signal ? AbortSignal.any([opts.signal, stop.signal]) : stop.signal;
  const run = (format: 'tfjs' | 'onnx') =>
    format === 'tfjs'
      ? checkTfjs(join(staging, 'tfjs'), { ...base, quantize: opts.quantize }, images, {
          ...perImage,
          signal,
        })
      : checkOnnx(join(staging, 'onnx', 'model.onnx'), { ...base, threads: both ? 1 : undefined }, images, {
          ...perImage,
          signal,
        });
  // When one check throws, stop the other before reporting, so no model is still running on the
  // staging folder when it is deleted. The first error is the cause; the other is the abort.
  let firstError: { error: unknown } | null = null;
  const settled = await Promise.allSettled(
    formats.map((f) =>
      run(f).catch((error: unknown) => {
        firstError ??= { error };
        stop.abort();
        throw error;
      }),
    ),
  );
  if (firstError) throw (firstError as { error: unknown }).error;
  return settled.map((r) => (r as PromiseFulfilledResult<FormatCheck>).value);
}

export async function exportModel(input: ExportInput, hooks: ExportHooks = {}): Promise<ExportReport> {
  const numClasses = validate(input);
  const out = resolve(input.out);
  const formats = [...new Set(input.formats)];
  const { signal } = hooks;
  const nImages = input.checkImages.length;
  // Units: one per file-writing step, one per image decoded, one per image per format checked.
  const total = 5 + nImages * (1 + formats.length);
  let done = 0;
  let current = 'reading the model';
  /** Reports `phase` as what the export is doing now, after `by` more units are done. */
  const report = (phase: string, by = 0) => {
    done += by;
    current = phase;
    hooks.progress?.(Math.min(done, total), total, phase);
  };
  const checkpoint = () => {
    if (signal?.aborted) throw cancelled(out);
  };

  report(current);
  await checkTarget(out, input.force);
  const model = decodeModel(input.modelBytes, 'The pretrained model');
  const net = analyzeModel(model, { featureSize: null });
  if (net.featureSize * numClasses !== input.head.weights.length) {
    throw invalid(
      `The head has ${input.head.weights.length / numClasses} inputs per class but the model's classifier reads ` +
        `${net.featureSize} features; was it trained on another model?`,
    );
  }
  report(formats.includes('tfjs') ? 'writing TensorFlow.js' : 'writing ONNX', 1);

  const staging = await createStaging(out);
  try {
    const createdAt = new Date().toISOString();
    const infos: ExportMetadata['formats'] = {};
    const common = {
      labels: input.labels,
      runId: input.metadata.runId,
      preprocessingInGraph: input.preprocessing,
      preprocessingPreset: input.pixels.preset,
      resize: metadataResize(input.metadata.cropMode).rule,
      baseModelSha256: input.modelSha256,
      appVersion: input.metadata.appVersion,
    };
    const spec = (
      name: string,
      shape: number[] | (number | string)[],
      layout: TensorSpec['layout'],
    ): TensorSpec => ({
      name,
      shape: shape.map((d) => (typeof d === 'number' && d > 0 ? d : null)),
      layout,
    });

    if (formats.includes('tfjs')) {
      checkpoint();
      const graph = buildTfGraph(net, input.head, {
        preprocessing: input.preprocessing,
        pixels: input.pixels,
      });
      const { nodes, weights } =
        input.quantize === 'uint8'
          ? quantizeFiltersPerChannel(graph.modelTopology.node, graph.weights)
          : { nodes: graph.modelTopology.node, weights: graph.weights };
      const packed = packWeights(weights, input.quantize);
      const dir = join(staging, 'tfjs');
      await mkdir(dir);
      const modelJson = {
        format: 'graph-model',
        generatedBy: `ONNX ${model.producer || 'model'} (opset ${model.opset}) + Incept head`,
        convertedBy: `Incept ${input.metadata.appVersion}`,
        signature: graph.signature,
        userDefinedMetadata: { incept: common },
        modelTopology: { ...graph.modelTopology, node: nodes },
        weightsManifest: packed.manifest,
      };
      await writeFile(join(dir, 'model.json'), JSON.stringify(modelJson));
      for (const shard of packed.shards) await writeFile(join(dir, shard.path), shard.data);
      infos.tfjs = {
        path: 'tfjs/model.json',
        input: spec(graph.input.name, graph.input.shape, 'NHWC'),
        output: spec(graph.output.name, graph.output.shape, 'NC'),
        bytes: (await listFiles(dir)).bytes,
        quantize: input.quantize,
      };
    }
    if (formats.includes('onnx')) report('writing ONNX', 1);
    else done += 1;

    if (formats.includes('onnx')) {
      checkpoint();
      const onnx = buildOnnxModel(model, net, input.head, {
        preprocessing: input.preprocessing,
        pixels: input.pixels,
        labels: input.labels,
        appVersion: input.metadata.appVersion,
        metadata: {
          'incept.run_id': String(input.metadata.runId),
          'incept.preprocessing': preprocessingDescription(input.preprocessing, input.pixels),
          'incept.preprocessing.preset': input.pixels.preset,
          'incept.resize': metadataResize(input.metadata.cropMode).rule,
          'incept.base_model_sha256': input.modelSha256,
        },
      });
      await mkdir(join(staging, 'onnx'));
      await writeFile(join(staging, 'onnx', 'model.onnx'), onnx.bytes);
      infos.onnx = {
        path: 'onnx/model.onnx',
        input: spec(onnx.input.name, onnx.input.shape, input.preprocessing ? 'NHWC' : 'NCHW'),
        output: spec(onnx.output.name, onnx.output.shape, 'NC'),
        bytes: onnx.bytes.length,
        opset: onnx.opset,
      };
    }
    report('writing samples', 1);

    checkpoint();
    await mkdir(join(staging, 'samples'));
    const samples = [
      ...(infos.tfjs ? ['node.mjs', 'index.html'] : []),
      ...(infos.onnx ? ['predict.py'] : []),
    ];
    for (const s of samples) await copyFile(join(SAMPLES_DIR, s), join(staging, 'samples', s));
    await writeFile(join(staging, 'labels.txt'), labelsText(input.labels));
    report('decoding check images', 1);

    checkpoint();
    let decoded: Awaited<ReturnType<typeof decodeCheckImages>>;
    try {
      decoded = await decodeCheckImages(input.checkImages, input.metadata.cropMode, {
        signal,
        progress: () => report(current, 1),
      });
    } catch (err) {
      if (signal?.aborted) throw cancelled(out);
      throw err;
    }
    const { images, skipped } = decoded;
    if (images.length === 0) {
      throw new ApiError(
        'precondition',
        (nImages === 0
          ? 'The export has no check images, '
          : `None of the ${nImages} check images could be read (first: ${skipped[0]?.reason}), `) +
          'so the exported files could not be compared with Incept. Compute features for the labeled ' +
          `images (incept embed) and export again. Nothing was written to ${out}.`,
      );
    }
    const checks = await runChecks(staging, formats, images, {
      preprocessing: input.preprocessing,
      pixels: input.pixels,
      quantize: input.quantize,
      batch: exportBatch(net) === -1 ? 16 : 1,
      signal,
      progress: (phase) => report(phase, 1),
    });
    const failures = checks.filter((c) => !c.passed);
    if (failures.length > 0) {
      throw new ApiError(
        failures.every((f) => f.quantize !== 'none') ? 'precondition' : 'internal',
        `The export failed its self-check: ${failures.map(describeFailure).join('; ')}. Nothing was written to ${out}. ` +
          failureAdvice(failures),
        { checks },
      );
    }

    const meta: ExportMetadata = {
      format: 'incept-model-export',
      formatVersion: 1,
      createdAt,
      appVersion: input.metadata.appVersion,
      labels: input.labels,
      input: {
        dtype: 'float32',
        range: input.preprocessing ? [0, 255] : 'preprocessed',
        channelOrder: input.preprocessing ? 'RGB' : input.pixels.channelOrder,
        size: [INPUT_SIZE, INPUT_SIZE],
        preprocessing: preprocessingMetadata(input.preprocessing, input.pixels),
      },
      resize: metadataResize(input.metadata.cropMode),
      output: { dtype: 'float32', meaning: 'Softmax probabilities, one per class in `labels` order.' },
      formats: infos,
      baseModel: {
        name: baseModelName(net),
        sha256: input.modelSha256,
        producer: model.producer,
        opset: model.opset,
        replacedClassifier: net.classifierNode,
        featureDim: net.featureSize,
      },
      training: {
        runId: input.metadata.runId,
        settings: input.metadata.settings,
        validation: publicValidation(input.metadata.validation),
        classCounts: input.metadata.classCounts,
      },
      selfCheck: {
        note:
          `After writing, each file was loaded with the stock loaders (tfjs-converter loadGraphModel, onnxruntime) ` +
          `and run on ${images.length} check images prepared by Incept; its probabilities were compared with Incept's own.`,
        results: checks,
        skippedImages: skipped,
      },
    };
    await writeFile(join(staging, 'metadata.json'), JSON.stringify(meta, null, 2) + '\n');
    await writeFile(join(staging, 'README.md'), modelCard(meta));
    const listing = await listFiles(staging);

    report('finishing');
    checkpoint();
    await commitStaging(staging, out, input.force);
    report('done', total - done);
    return {
      out,
      formats,
      runId: input.metadata.runId,
      quantize: input.quantize,
      checks: checks.map(({ format, images: n, agreement, maxDiff, passed }) => ({
        format,
        images: n,
        agreement,
        maxDiff,
        passed,
      })),
      files: listing.files,
      bytes: listing.bytes,
      warnings: [
        ...checkWarnings(checks, input.quantize),
        ...(skipped.length > 0
          ? [
              `${skipped.length} of ${nImages} check images could not be read and were left out of the self-check ` +
                `(first: ${skipped[0]?.reason})`,
            ]
          : []),
      ],
    };
  } catch (err) {
    await discardStaging(staging);
    if (signal?.aborted && !(err instanceof ApiError && err.code === 'cancelled')) throw cancelled(out);
    throw err;
  }
}
