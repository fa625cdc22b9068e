/**
 * What every inference engine offers. Inputs are preprocessed images (see preprocess.ts):
 * float32 NHWC [n, 224, 224, 3], BGR minus the ImageNet means.
 */
import { ModelError } from '../errors.ts';
import type { ModelAnalysis } from '../graph/analyze.ts';
import { ENGINE_NAMES, type EngineName } from '../../domain/engines.ts';

export { ENGINE_NAMES, type EngineName };

export interface EngineOutputs {
  /** n × featureSize */
  features: Float32Array;
  /** n × numClasses */
  probabilities: Float32Array;
}

export interface Engine {
  readonly name: EngineName;
  /** For people, e.g. "onnxruntime (CPU)". */
  readonly label: string;
  readonly featureSize: number;
  readonly numClasses: number;
  /** Images per call this engine wants in feature jobs, when it knows better than its registry entry. */
  readonly batchSize?: number;
  features(input: Float32Array, n: number): Promise<Float32Array>;
  probabilities(input: Float32Array, n: number): Promise<Float32Array>;
  /** Both from one pass. */
  infer(input: Float32Array, n: number): Promise<EngineOutputs>;
  dispose(): Promise<void>;
}

export const IMAGE_VALUES = 224 * 224 * 3;

export function checkInput(input: Float32Array, n: number): void {
  if (!Number.isInteger(n) || n < 1 || input.length !== n * IMAGE_VALUES) {
    throw new ModelError(
      'bad_input',
      `Expected ${n} preprocessed image(s) of 224×224×3 floats (${n * IMAGE_VALUES} values), got ${input.length}.`,
    );
  }
}

/** Row-wise softmax, for graphs that end at the classifier's logits. */
export function softmaxRows(logits: Float32Array, width: number): Float32Array {
  const out = new Float32Array(logits.length);
  for (let r = 0; r < logits.length / width; r++) {
    const row = logits.subarray(r * width, (r + 1) * width);
    let max = -Infinity;
    for (const v of row) max = Math.max(max, v);
    let sum = 0;
    for (let i = 0; i < width; i++) sum += out[r * width + i] = Math.exp((row[i] as number) - max);
    for (let i = 0; i < width; i++) out[r * width + i] = (out[r * width + i] as number) / sum;
  }
  return out;
}

export type EngineModel = Pick<ModelAnalysis, 'featureSize' | 'numClasses'>;
