/**
 * Images → features in batches, with decoding pipelined against inference: while the engine runs
 * batch k, sharp (on libuv's thread pool) is already decoding the next batches, as many as keep
 * every core busy. A GPU engine is otherwise starved by the decoder; decoding further ahead than
 * that only holds memory (each decoded image is 602 KB of floats).
 */
import { availableParallelism } from 'node:os';
import { ModelError, errorMessage } from './errors.ts';
import type { Engine } from './engines/types.ts';
import { IMAGE_VALUES } from './engines/types.ts';
import { decodeRgb224, toModelInput, type CropMode, type ImageSource } from './preprocess.ts';
import { PRESETS, type Preprocessing } from '../domain/preprocessing.ts';

export interface EmbedOptions {
  /** Images per engine call. Default 8. */
  batchSize?: number;
  /** Batches decoded ahead of the one the engine runs. Default: about two images per core. */
  ahead?: number;
  crop?: CropMode;
  /** How the model wants its pixels; default the Caffe preset. */
  preprocessing?: Preprocessing;
  /** Also return class probabilities (one pass; costs nothing extra on onnxruntime). */
  probabilities?: boolean;
  signal?: AbortSignal;
}

export interface EmbeddedBatch {
  /** Indices (into the inputs) of the images in `features`, in order. */
  indices: number[];
  /** indices.length × featureSize */
  features: Float32Array;
  probabilities?: Float32Array;
  /** Images that could not be decoded; the rest of the batch is still embedded. */
  errors: { index: number; error: ModelError }[];
}

interface PreparedBatch {
  indices: number[];
  input: Float32Array;
  errors: { index: number; error: ModelError }[];
}

async function prepare(
  inputs: readonly ImageSource[],
  start: number,
  end: number,
  crop: CropMode,
  pre: Preprocessing,
): Promise<PreparedBatch> {
  const settled = await Promise.allSettled(
    inputs.slice(start, end).map((src) => decodeRgb224(src, { crop })),
  );
  const indices: number[] = [];
  const errors: PreparedBatch['errors'] = [];
  const input = new Float32Array(settled.filter((s) => s.status === 'fulfilled').length * IMAGE_VALUES);
  settled.forEach((s, i) => {
    if (s.status === 'fulfilled') {
      toModelInput(s.value, input, indices.length * IMAGE_VALUES, pre);
      indices.push(start + i);
    } else {
      const error =
        s.reason instanceof ModelError
          ? s.reason
          : new ModelError('image_decode', errorMessage(s.reason), { cause: s.reason });
      errors.push({ index: start + i, error });
    }
  });
  return { indices, input, errors };
}

export async function* embedImages(
  engine: Engine,
  inputs: readonly ImageSource[],
  opts: EmbedOptions = {},
): AsyncGenerator<EmbeddedBatch> {
  const batchSize = Math.max(1, opts.batchSize ?? 8);
  const crop = opts.crop ?? 'center';
  const pre = opts.preprocessing ?? PRESETS.caffe;
  const ahead = Math.max(1, opts.ahead ?? Math.ceil((2 * availableParallelism()) / batchSize));
  const pending: Promise<PreparedBatch>[] = [];
  let nextStart = 0;
  const refill = (): void => {
    while (pending.length < ahead && nextStart < inputs.length) {
      pending.push(prepare(inputs, nextStart, Math.min(nextStart + batchSize, inputs.length), crop, pre));
      nextStart += batchSize;
    }
  };
  refill();
  while (pending.length > 0) {
    if (opts.signal?.aborted) throw new ModelError('cancelled', 'Embedding was cancelled.');
    const batch: PreparedBatch = await pending.shift()!;
    refill();
    const n = batch.indices.length;
    if (n === 0) {
      yield { indices: [], features: new Float32Array(0), errors: batch.errors };
      continue;
    }
    if (opts.probabilities) {
      const out = await engine.infer(batch.input, n);
      yield {
        indices: batch.indices,
        features: out.features,
        probabilities: out.probabilities,
        errors: batch.errors,
      };
    } else {
      yield { indices: batch.indices, features: await engine.features(batch.input, n), errors: batch.errors };
    }
  }
}
