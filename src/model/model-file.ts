/**
 * Inspecting a model file on disk: identity (sha256, size) and what the importer found in it.
 */
import { createHash } from 'node:crypto';
import { analyzeModel, type ModelAnalysis } from './graph/analyze.ts';
import { readModelFile, type OnnxModel } from './onnx/read.ts';

export interface ModelFileInfo {
  sha256: string;
  bytes: number;
  opset: number;
  irVersion: number;
  producer: string;
  inputName: string;
  /** The tensor feeding the classifier: [N, 1024] features. */
  featureTensor: string;
  featureSize: number;
  classifierNode: string;
  numClasses: number;
  /** Why the graph must run one image at a time, or null. */
  batchLimit: string | null;
}

export interface LoadedModelFile {
  path: string;
  bytes: Uint8Array;
  model: OnnxModel;
  analysis: ModelAnalysis;
  info: ModelFileInfo;
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Reads, decodes and checks a model file; every problem is a ModelError saying what to do. */
export async function loadModelFile(path: string): Promise<LoadedModelFile> {
  const { bytes, model } = await readModelFile(path);
  const analysis = analyzeModel(model);
  const info: ModelFileInfo = {
    sha256: sha256Hex(bytes),
    bytes: bytes.length,
    opset: analysis.opset,
    irVersion: analysis.irVersion,
    producer: analysis.producer,
    inputName: analysis.inputName,
    featureTensor: analysis.featureTensor,
    featureSize: analysis.featureSize,
    classifierNode: analysis.classifierNode,
    numClasses: analysis.numClasses,
    batchLimit: analysis.batchLimit,
  };
  return { path, bytes, model, analysis, info };
}

export async function inspectModelFile(path: string): Promise<ModelFileInfo> {
  return (await loadModelFile(path)).info;
}
