/**
 * The arguments of the use cases that services take, as plain types. The API contract's schemas
 * parse into these (contract.ts checks that at compile time), so services never import the API.
 */
import type { TrainSettings } from './training.ts';

export interface ExportRequest {
  format: 'tfjs' | 'onnx' | 'both';
  out: string;
  runId?: number | undefined;
  quantize: 'none' | 'float16' | 'uint8';
  preprocessing: boolean;
  force: boolean;
}

export interface PredictRequest {
  paths?: string[] | undefined;
  images?: { name: string; base64: string }[] | undefined;
  imagenet: boolean;
  topK: number;
}

export interface AcceptSuggestionsRequest {
  minProbability?: number | undefined;
  imageIds?: number[] | undefined;
  dryRun: boolean;
}

/** Training settings as a request gives them: any subset, the rest take their defaults. */
export type TrainRequestSettings = { [K in keyof TrainSettings]?: TrainSettings[K] | undefined };
