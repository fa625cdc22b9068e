/**
 * What an op needs to write itself out: a TensorFlow GraphDef builder (the JSON tfjs-converter's
 * `loadGraphModel` reads, with exactly the attribute names its op mappers read) and an ONNX
 * opset-13 node writer. Each op in the op table uses them in its own `toTfjs` / `toOnnx`, so what
 * the importer runs and what the exporters write is described in one place.
 */
import type { OnnxNode } from '../onnx/read.ts';
import type { IAttributeProto, INodeProto, ITensorProto } from '../onnx/proto.ts';
import type { Layout, ValueDesc } from './values.ts';

// ---------------------------------------------------------------------------------------------
// TensorFlow GraphDef

export interface TfShape {
  dim?: { size: string }[];
}

export type TfAttrValue =
  | { s: string }
  | { i: string }
  | { f: number }
  | { b: boolean }
  | { type: 'DT_FLOAT' | 'DT_INT32' }
  | { shape: TfShape }
  | { list: { i?: string[]; f?: number[] } }
  | { tensor: { dtype: 'DT_FLOAT' | 'DT_INT32'; tensorShape: TfShape } };

export interface TfNodeDef {
  name: string;
  op: string;
  input?: string[];
  attr: Record<string, TfAttrValue>;
}

export interface WeightEntry {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
  data: Float32Array | Int32Array;
  /** Only large convolution weights are quantized (see isLargeConvWeight); the rest stays exact. */
  quantizable: boolean;
  /** The values are integer codes 0…255 to store as uint8 exactly (per-channel quantized filters). */
  uint8Codes?: boolean;
}

export const FLOAT = { type: 'DT_FLOAT' } as const;
export const INT32 = { type: 'DT_INT32' } as const;
export const tfStr = (s: string): TfAttrValue => ({ s: Buffer.from(s, 'utf8').toString('base64') });
export const tfInts = (v: number[]): TfAttrValue => ({ list: { i: v.map(String) } });
export const tfInt = (v: number): TfAttrValue => ({ i: String(v) });
export const tfShape = (dims: number[]): TfShape =>
  dims.length === 0 ? {} : { dim: dims.map((d) => ({ size: String(d) })) };

/** Below this many values a weight saves too little to be worth any rounding. */
export const QUANTIZE_MIN_VALUES = 1024;

/**
 * Which weights quantization may touch: convolution filters of some size. They are nearly all of
 * the bytes, and each output sums many of them, so rounding errors average out. Biases and the
 * classifier are a few kilobytes and feed the logits directly: rounding them moves every
 * probability (8 bits over a bias range of −42…98 is a step of 0.5 in a logit), so they stay float32.
 */
export function isLargeConvWeight(dims: readonly number[]): boolean {
  return dims.length === 4 && dims.reduce((a, b) => a * b, 1) >= QUANTIZE_MIN_VALUES;
}

/** TensorFlow node names: [A-Za-z0-9.][A-Za-z0-9_.\-/]*; ONNX names may hold anything. */
function tfName(raw: string): string {
  const cleaned = raw.replace(/[^A-Za-z0-9_.\-/]/g, '_').replace(/\/+$/, '');
  return /^[A-Za-z0-9.]/.test(cleaned) ? cleaned : `n${cleaned}`;
}

export class TfGraphBuilder {
  readonly nodes: TfNodeDef[] = [];
  readonly weights: WeightEntry[] = [];
  private readonly names = new Set<string>();

  unique(raw: string): string {
    const base = tfName(raw);
    let name = base;
    for (let n = 1; this.names.has(name); n++) name = `${base}_${n}`;
    this.names.add(name);
    return name;
  }

  reserve(name: string): void {
    this.names.add(name);
  }

  /** Adds a node under a fresh name made from `raw`; returns the name. */
  op(raw: string, op: string, input: string[], attr: Record<string, TfAttrValue>): string {
    return this.add(this.unique(raw), op, input, attr);
  }

  /** Adds a node under exactly `name` (already unique). */
  add(name: string, op: string, input: string[], attr: Record<string, TfAttrValue>): string {
    this.nodes.push(input.length > 0 ? { name, op, input, attr } : { name, op, attr });
    return name;
  }

  constF32(raw: string, shape: number[], data: Float32Array, quantizable = false): string {
    const name = this.unique(raw);
    this.weights.push({ name, shape, dtype: 'float32', data, quantizable });
    return this.add(name, 'Const', [], {
      dtype: FLOAT,
      value: { tensor: { dtype: 'DT_FLOAT', tensorShape: tfShape(shape) } },
    });
  }

  constI32(raw: string, shape: number[], values: number[]): string {
    const name = this.unique(raw);
    this.weights.push({ name, shape, dtype: 'int32', data: Int32Array.from(values), quantizable: false });
    return this.add(name, 'Const', [], {
      dtype: INT32,
      value: { tensor: { dtype: 'DT_INT32', tensorShape: tfShape(shape) } },
    });
  }
}

/** A computed tensor in the TF graph: its node name and whether it is stored channels-last. */
export interface TfValue {
  name: string;
  layout: Layout;
}

export interface TfExportCtx {
  node: OnnxNode;
  opset: number;
  /** Per node input: its description, and for run-time values the TF tensor holding it. */
  inputs: (ValueDesc | undefined)[];
  tfInputs: (TfValue | undefined)[];
  outputs: ValueDesc[];
  g: TfGraphBuilder;
  /** A fresh node name for this node's output `k` (or a helper named `suffix`). */
  name(suffix?: string): string;
  /** Run-time input `i` channels-last (rank 4). */
  nhwc(i: number): string;
  /** Run-time input `i` in ONNX's own order. */
  plain(i: number): string;
}

export function tfToNhwc(g: TfGraphBuilder, v: TfValue, base: string): string {
  if (v.layout === 'nhwc') return v.name;
  const perm = g.constI32(`${base}/to_nhwc_perm`, [4], [0, 2, 3, 1]);
  return g.op(`${base}/to_nhwc`, 'Transpose', [v.name, perm], { T: FLOAT, Tperm: INT32 });
}

/** To ONNX order; with one pixel that is a free reshape instead of a transpose. */
export function tfToPlain(g: TfGraphBuilder, v: TfValue, desc: ValueDesc, base: string): string {
  if (v.layout === 'plain') return v.name;
  const [, c, h, w] = desc.shape as [number, number, number, number];
  if (h * w === 1) {
    const shape = g.constI32(`${base}/to_nchw_shape`, [4], [-1, c, 1, 1]);
    return g.op(`${base}/to_nchw`, 'Reshape', [v.name, shape], { T: FLOAT, Tshape: INT32 });
  }
  const perm = g.constI32(`${base}/to_nchw_perm`, [4], [0, 3, 1, 2]);
  return g.op(`${base}/to_nchw`, 'Transpose', [v.name, perm], { T: FLOAT, Tperm: INT32 });
}

// ---------------------------------------------------------------------------------------------
// ONNX (opset 13)

export interface OnnxExportCtx {
  node: OnnxNode;
  /** The imported model's opset (the written one is 13 or more). */
  opset: number;
  inputs: (ValueDesc | undefined)[];
  outputs: ValueDesc[];
  /**
   * Name of input `i` in the written graph; a constant is written as a float32 initializer, of
   * `shape` when given (legacy broadcasting rewrites it).
   */
  input(i: number, shape?: number[]): string;
  /** Name of output `k` in the written graph. */
  output(k?: number): string;
  fresh(base: string): string;
  /** The node's own attributes named in `allowed` (the ones opset 13 still has), unchanged. */
  attrs(allowed: readonly string[]): IAttributeProto[];
  emit(node: INodeProto): void;
  initializer(t: ITensorProto): string;
  /** Makes output `k` another name for `source` (pass-through ops write no node). */
  alias(k: number, source: string): void;
}

/** The node as it is, inputs and outputs renamed, keeping the attributes opset 13 still has. */
export function copyToOnnx(allowed: readonly string[]): (ctx: OnnxExportCtx) => void {
  return (ctx) =>
    ctx.emit({
      opType: ctx.node.opType,
      domain: '',
      name: ctx.node.name,
      input: ctx.node.inputs.map((n, i) => (n === '' ? '' : ctx.input(i))),
      output: ctx.outputs.map((_, k) => ctx.output(k)),
      attribute: ctx.attrs(allowed),
    });
}
