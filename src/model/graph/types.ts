/**
 * Shared types of the graph importer. Op families get TensorFlow.js passed in (`ctx.tf`), so shape
 * inference and model inspection never load tfjs.
 */
import type * as tfjs from '@tensorflow/tfjs';
import { ModelError } from '../errors.ts';
import { tensorDims, tensorFloat32, tensorInts, type OnnxNode } from '../onnx/read.ts';
import type { ITensorProto } from '../onnx/proto.ts';
import type { OnnxExportCtx, TfExportCtx, TfValue } from './export-writers.ts';
import type { ConstData, Layout, ValueDesc } from './values.ts';

export type { ConstData, Layout, ValueDesc } from './values.ts';

export type TF = typeof tfjs;
export type Tensor = tfjs.Tensor;

export type ValueShape = Omit<ValueDesc, 'name'>;

export interface InferCtx {
  node: OnnxNode;
  opset: number;
  /** One per node input; undefined for an omitted optional input (''). */
  inputs: (ValueDesc | undefined)[];
}

export interface InferResult {
  /** Shapes of the outputs the executor provides (trailing optional outputs may be left out). */
  outputs: ValueShape[];
  /** Set when the op mixes images of a batch, so the graph must run one image at a time. */
  batchLimit?: string;
}

export interface BuildValue extends ValueDesc {
  layout: Layout;
}

export interface BuildCtx {
  tf: TF;
  node: OnnxNode;
  opset: number;
  inputs: (BuildValue | undefined)[];
  outputs: ValueDesc[];
  /** Registers a weight tensor the kernel keeps; it is disposed with the executor. */
  keep<T extends Tensor>(t: T): T;
}

/** Runs one node. Receives the run-time tensors (undefined for constants it captured at build). */
export type Kernel = (inputs: (Tensor | undefined)[]) => Tensor[];

export interface Built {
  run: Kernel;
  layouts: Layout[];
}

/**
 * Everything Incept does with one op: infer its output shapes at import, build a tfjs kernel to run
 * it, and write it to TensorFlow.js and to ONNX. An op the importer accepts is one the exporters
 * write: the type makes all four required.
 */
export interface OpImpl {
  infer(ctx: InferCtx): InferResult;
  build(ctx: BuildCtx): Built;
  /** Writes the node; returns one TF tensor per provided output. */
  toTfjs(ctx: TfExportCtx): TfValue[];
  toOnnx(ctx: OnnxExportCtx): void;
}

export function lazyConst(t: ITensorProto): ConstData {
  let values: Float32Array | undefined;
  let ints: number[] | undefined;
  return {
    dims: tensorDims(t),
    get values() {
      return (values ??= tensorFloat32(t));
    },
    get ints() {
      return (ints ??= tensorInts(t));
    },
  };
}

export function constData(dims: number[], values: Float32Array): ConstData {
  let ints: number[] | undefined;
  return {
    dims,
    values,
    get ints() {
      return (ints ??= Array.from(values, Math.trunc));
    },
  };
}

export function notImplemented(node: OnnxNode, what: string = node.opType): ModelError {
  return new ModelError(
    'unsupported_op',
    `not implemented: ${what} (node ${node.name}). Incept runs GoogLeNet-style ONNX graphs; ` +
      'use a model with the standard GoogLeNet layers, such as the ONNX Model Zoo googlenet-7.onnx.',
  );
}

export function badModel(node: OnnxNode, what: string): ModelError {
  return new ModelError(
    'bad_model',
    `Node ${node.name} (${node.opType}) ${what}. The model file is invalid.`,
  );
}

export function attrInt(node: OnnxNode, name: string, dflt: number): number {
  const v = node.attrs.get(name);
  if (v === undefined) return dflt;
  if (typeof v !== 'number') throw badModel(node, `has a non-numeric attribute ${name}`);
  return Math.trunc(v);
}

export function attrFloat(node: OnnxNode, name: string, dflt: number): number {
  const v = node.attrs.get(name);
  if (v === undefined) return dflt;
  if (typeof v !== 'number') throw badModel(node, `has a non-numeric attribute ${name}`);
  return v;
}

export function attrInts(node: OnnxNode, name: string, dflt: number[]): number[] {
  const v = node.attrs.get(name);
  if (v === undefined) return dflt;
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'number')) {
    throw badModel(node, `has an attribute ${name} that is not a list of integers`);
  }
  return (v as number[]).map(Math.trunc);
}

export function attrString(node: OnnxNode, name: string, dflt: string): string {
  const v = node.attrs.get(name);
  if (v === undefined) return dflt;
  if (typeof v !== 'string') throw badModel(node, `has a non-string attribute ${name}`);
  return v;
}

export function product(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}

/** The input at `i`, which the op requires. */
export function required<T>(ctx: { node: OnnxNode; inputs: (T | undefined)[] }, i: number): T {
  const v = ctx.inputs[i];
  if (v === undefined) throw badModel(ctx.node, `is missing its input #${i}`);
  return v;
}

/** ONNX axis (possibly negative) to a positive index. */
export function normAxis(node: OnnxNode, axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) throw badModel(node, `has axis ${axis} outside a rank-${rank} tensor`);
  return a;
}

/** Same shape and batching as `v`, without the constant. */
export function like(v: ValueDesc): ValueShape {
  return { shape: [...v.shape], batched: v.batched };
}
