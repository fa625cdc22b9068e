/**
 * Reads the pretrained ONNX graph the way both exporters need it: which node is the classifier
 * the fine-tuned head replaces, which nodes compute its input (the "body"), and the static shape
 * of every tensor in the body (batch 1, ONNX order).
 *
 * Only the op set of image-classification CNNs like GoogLeNet is accepted. Anything else fails
 * here with a message naming the node, before a single file is written.
 */
import { ModelError } from '../model/errors.ts';
import {
  tensorDims,
  tensorInts,
  type AttributeValue,
  type OnnxModel,
  type OnnxNode,
} from '../model/onnx/read.ts';
import type { ITensorProto } from '../model/onnx/proto.ts';

/** Ops the body may contain (Dropout / Identity are read through, Constant becomes a constant). */
export const BODY_OPS = [
  'Conv',
  'Relu',
  'MaxPool',
  'AveragePool',
  'GlobalAveragePool',
  'LRN',
  'Concat',
  'Reshape',
  'Flatten',
  'Gemm',
  'MatMul',
  'Dropout',
  'Identity',
  'Constant',
] as const;

const PASS_THROUGH = new Set(['Dropout', 'Identity']);

export interface Window2D {
  kernel: [number, number];
  strides: [number, number];
  dilations: [number, number];
  /** Padding before each spatial axis [top, left]. */
  begin: [number, number];
  /** Padding after each spatial axis [bottom, right], including ceil-mode's extra row/column. */
  end: [number, number];
  /** The end padding the model declares (without the ceil-mode extra). */
  declaredEnd: [number, number];
  out: [number, number];
}

export interface Network {
  model: OnnxModel;
  opset: number;
  /** The image input and its shape [1, C, H, W] (batch recorded as 1). */
  input: { name: string; shape: [number, number, number, number] };
  /** Nodes that compute `feature`, in graph order; Dropout, Identity and Constant are left out. */
  body: OnnxNode[];
  /** The classifier's input, a [1, featureDim] tensor. */
  feature: string;
  featureDim: number;
  /** The node the fine-tuned head replaces. */
  classifier: OnnxNode;
  originalClasses: number;
  /** ONNX-order shapes (batch 1) of every tensor the body reads or writes. */
  shapes: Map<string, number[]>;
  /** Initializers and Constant-node values by tensor name. */
  consts: Map<string, ITensorProto>;
  /** Maps a tensor name through Dropout / Identity to the tensor that holds its value. */
  resolve(name: string): string;
}

function unsupported(node: OnnxNode, what: string): ModelError {
  return new ModelError(
    'unsupported_op',
    `Cannot export node "${node.name}" (${node.opType}): ${what}. The exporter converts GoogLeNet-style ` +
      `networks (${BODY_OPS.filter((o) => o !== 'Constant').join(', ')}); use the ONNX Model Zoo's googlenet-7.onnx.`,
  );
}

function bad(node: OnnxNode, what: string): ModelError {
  return new ModelError(
    'bad_model',
    `Node "${node.name}" (${node.opType}) ${what}; the model file looks corrupt.`,
  );
}

export function attrInt(node: OnnxNode, name: string, def: number): number {
  const v: AttributeValue | undefined = node.attrs.get(name);
  return typeof v === 'number' ? Math.trunc(v) : def;
}

export function attrFloat(node: OnnxNode, name: string, def: number): number {
  const v = node.attrs.get(name);
  return typeof v === 'number' ? v : def;
}

export function attrInts(node: OnnxNode, name: string, def: number[]): number[] {
  const v = node.attrs.get(name);
  return Array.isArray(v) && v.every((x) => typeof x === 'number') ? (v as number[]) : def;
}

export function attrString(node: OnnxNode, name: string, def: string): string {
  const v = node.attrs.get(name);
  return typeof v === 'string' ? v : def;
}

const prod = (dims: number[]): number => dims.reduce((a, b) => a * b, 1);

/** TensorFlow's 'SAME' padding for one axis: [before, after, out]. */
export function tfSamePadding(
  size: number,
  kernel: number,
  stride: number,
  dilation = 1,
): [number, number, number] {
  const keff = (kernel - 1) * dilation + 1;
  const out = Math.ceil(size / stride);
  const total = Math.max(0, (out - 1) * stride + keff - size);
  const before = Math.floor(total / 2);
  return [before, total - before, out];
}

/** The window of a Conv / MaxPool / AveragePool over an [H, W] input, following ONNX's rules. */
export function window2D(
  node: OnnxNode,
  inHW: [number, number],
  kernel: [number, number],
  opset: number,
): Window2D {
  const strides = attrInts(node, 'strides', [1, 1]) as [number, number];
  const dilations = attrInts(node, 'dilations', [1, 1]) as [number, number];
  if (strides.length !== 2 || dilations.length !== 2) throw unsupported(node, 'it is not a 2-D window');
  const autoPad = attrString(node, 'auto_pad', 'NOTSET');
  const isPool = node.opType !== 'Conv';
  const ceilMode = isPool && opset >= 10 && attrInt(node, 'ceil_mode', 0) === 1;
  const begin: [number, number] = [0, 0];
  const end: [number, number] = [0, 0];
  const declaredEnd: [number, number] = [0, 0];
  const out: [number, number] = [0, 0];
  const pads = attrInts(node, 'pads', [0, 0, 0, 0]);
  if (pads.length !== 4) throw unsupported(node, `it has ${pads.length / 2}-D pads`);
  for (let a = 0; a < 2; a++) {
    const size = inHW[a] as number;
    const k = kernel[a] as number;
    const s = strides[a] as number;
    const d = dilations[a] as number;
    const keff = (k - 1) * d + 1;
    if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
      const [b, e, o] = tfSamePadding(size, k, s, d);
      const [before, after] = autoPad === 'SAME_UPPER' ? [b, e] : [e, b];
      begin[a] = before;
      end[a] = after;
      declaredEnd[a] = after;
      out[a] = o;
      continue;
    }
    if (autoPad !== 'NOTSET' && autoPad !== 'VALID') throw unsupported(node, `auto_pad ${autoPad}`);
    const b = autoPad === 'VALID' ? 0 : (pads[a] as number);
    const e = autoPad === 'VALID' ? 0 : (pads[a + 2] as number);
    const span = size + b + e - keff;
    if (span < 0) throw bad(node, `has a ${k}×${k} window larger than its padded ${size}-pixel input`);
    let o = (ceilMode ? Math.ceil(span / s) : Math.floor(span / s)) + 1;
    // onnxruntime's rule: a ceil-mode window must start inside the input or its begin padding.
    if (ceilMode && (o - 1) * s >= size + b) o -= 1;
    begin[a] = b;
    declaredEnd[a] = e;
    end[a] = e + Math.max(0, (o - 1) * s + keff - (size + b + e));
    out[a] = o;
  }
  return { kernel, strides, dilations, begin, end, declaredEnd, out };
}

/** Whether the window's padding is exactly TensorFlow's 'SAME' for this input. */
export function isTfSame(w: Window2D, inHW: [number, number]): boolean {
  for (let a = 0; a < 2; a++) {
    const [b, e, o] = tfSamePadding(
      inHW[a] as number,
      w.kernel[a] as number,
      w.strides[a] as number,
      w.dilations[a],
    );
    if (b !== w.begin[a] || e !== w.end[a] || o !== w.out[a]) return false;
  }
  return true;
}

export function hasPadding(w: Window2D): boolean {
  return w.begin.some((p) => p !== 0) || w.end.some((p) => p !== 0);
}

/** The constant a body node reads at input `i` (an initializer or a Constant node's value). */
export function constInput(
  net: Pick<Network, 'consts' | 'resolve'>,
  node: OnnxNode,
  i: number,
): ITensorProto | undefined {
  const name = node.inputs[i];
  if (name === undefined || name === '') return undefined;
  return net.consts.get(net.resolve(name));
}

/** The target shape of a Reshape (opset 5+: a constant input; before: the `shape` attribute). */
function reshapeTarget(net: Pick<Network, 'consts' | 'resolve'>, node: OnnxNode, opset: number): number[] {
  if (opset < 5 || node.inputs.length < 2) return attrInts(node, 'shape', []);
  const t = constInput(net, node, 1);
  if (!t) throw unsupported(node, 'its target shape is computed at run time');
  return tensorInts(t);
}

/**
 * Finds the classifier (the last Gemm/MatMul before the output, through Softmax, Dropout and
 * Identity) and the body that computes its input, and infers every body shape.
 */
export function analyzeNetwork(model: OnnxModel): Network {
  const opset = model.opset;
  const producer = new Map<string, OnnxNode>();
  for (const node of model.nodes) for (const o of node.outputs) if (o !== '') producer.set(o, node);

  const consts = new Map<string, ITensorProto>(model.initializers);
  for (const node of model.nodes) {
    if (node.opType !== 'Constant') continue;
    const value = node.attrs.get('value');
    if (!value || typeof value !== 'object' || Array.isArray(value))
      throw unsupported(node, 'it is not a tensor constant');
    consts.set(node.outputs[0] ?? '', value);
  }
  const resolve = (name: string): string => {
    let current = name;
    for (let guard = 0; guard < 10_000; guard++) {
      const p = producer.get(current);
      if (!p || !PASS_THROUGH.has(p.opType) || p.outputs[0] !== current) return current;
      current = p.inputs[0] ?? '';
    }
    return current;
  };
  const lookup = { consts, resolve };

  const output = model.outputs[0];
  if (!output)
    throw new ModelError('no_classifier', 'The model has no outputs, so there is no classifier to replace.');
  let classifier: OnnxNode | undefined;
  let cursor = output.name;
  while (!classifier) {
    const node = producer.get(resolve(cursor));
    if (!node) break;
    if (node.opType === 'Gemm' || node.opType === 'MatMul') classifier = node;
    else if (node.opType === 'Softmax' || node.opType === 'LogSoftmax') cursor = node.inputs[0] ?? '';
    else if (node.opType === 'Add') {
      const fromMatMul = node.inputs.map((i) => producer.get(resolve(i))).find((p) => p?.opType === 'MatMul');
      if (!fromMatMul) break;
      classifier = fromMatMul;
    } else break;
  }
  if (!classifier) {
    throw new ModelError(
      'no_classifier',
      `Could not find the classifier (a Gemm or MatMul before the output "${output.name}"), so the fine-tuned ` +
        'head has nothing to replace. Use an image classifier such as googlenet-7.onnx.',
    );
  }
  const weights = constInput(lookup, classifier, 1);
  if (!weights || tensorDims(weights).length !== 2) {
    throw unsupported(classifier, 'the classifier weights are not a constant matrix');
  }
  if (classifier.opType === 'Gemm' && attrInt(classifier, 'transA', 0) !== 0) {
    throw unsupported(classifier, 'transA=1');
  }
  const [d0, d1] = tensorDims(weights) as [number, number];
  const transB = classifier.opType === 'Gemm' && attrInt(classifier, 'transB', 0) === 1;
  const featureDim = transB ? d1 : d0;
  const originalClasses = transB ? d0 : d1;
  const feature = resolve(classifier.inputs[0] ?? '');

  // Everything the feature depends on, walking back from it.
  const needed = new Set<OnnxNode>();
  const stack = [feature];
  const graphInputs = new Set(model.inputs.map((i) => i.name));
  const usedInputs = new Set<string>();
  while (stack.length > 0) {
    const name = resolve(stack.pop() as string);
    if (graphInputs.has(name) && !consts.has(name)) {
      usedInputs.add(name);
      continue;
    }
    const node = producer.get(name);
    if (!node || needed.has(node) || node.opType === 'Constant') continue;
    needed.add(node);
    if (!(BODY_OPS as readonly string[]).includes(node.opType)) {
      throw unsupported(node, 'this op is not supported by the exporter');
    }
    for (const i of node.inputs) if (i !== '' && !consts.has(resolve(i))) stack.push(i);
  }
  if (usedInputs.size !== 1) {
    throw new ModelError(
      'bad_model',
      `The classifier's input depends on ${usedInputs.size} graph inputs (${[...usedInputs].join(', ') || 'none'}); ` +
        'the exporter expects one image input.',
    );
  }
  const inputName = [...usedInputs][0] as string;
  const inputInfo = model.inputs.find((i) => i.name === inputName);
  const dims = inputInfo?.dims ?? [];
  if (dims.length !== 4 || dims.slice(1).some((d) => typeof d !== 'number' || d <= 0)) {
    throw new ModelError(
      'bad_model',
      `The model input "${inputName}" has shape [${dims.join(', ')}]; the exporter needs a fixed [N, C, H, W] image input.`,
    );
  }
  const input = {
    name: inputName,
    shape: [1, dims[1], dims[2], dims[3]] as [number, number, number, number],
  };

  const body = model.nodes.filter((n) => needed.has(n) && !PASS_THROUGH.has(n.opType));
  for (const n of model.nodes) {
    if (n.opType === 'Dropout' && needed.has(n) && (n.outputs[1] ?? '') !== '') {
      const mask = n.outputs[1] as string;
      if (body.some((b) => b.inputs.includes(mask))) throw unsupported(n, 'its mask output is used');
    }
  }
  const net: Network = {
    model,
    opset,
    input,
    body,
    feature,
    featureDim,
    classifier,
    originalClasses,
    shapes: new Map([[inputName, [...input.shape]]]),
    consts,
    resolve,
  };
  for (const node of body) inferNode(net, node);
  const featureShape = net.shapes.get(feature);
  if (!featureShape || featureShape.length !== 2 || featureShape[1] !== featureDim) {
    throw new ModelError(
      'bad_model',
      `The classifier "${classifier.name}" reads ${featureDim} features, but its input has shape ` +
        `[${featureShape?.join(', ') ?? '?'}]; the model looks corrupt.`,
    );
  }
  return net;
}

function inputShape(net: Network, node: OnnxNode, i: number): number[] {
  const name = net.resolve(node.inputs[i] ?? '');
  const shape = net.shapes.get(name);
  if (!shape) throw bad(node, `reads "${name}", which nothing before it computes`);
  return shape;
}

function spatial(net: Network, node: OnnxNode): [number, number, number, number] {
  const s = inputShape(net, node, 0);
  if (s.length !== 4) throw unsupported(node, `its input has rank ${s.length}, not 4`);
  return s as [number, number, number, number];
}

/** Whether a Reshape / Flatten turns [1, ...rest] into [1, prod(rest)]: the only reshape allowed. */
export function flattenedSize(
  net: Pick<Network, 'consts' | 'resolve' | 'opset'>,
  node: OnnxNode,
  inShape: number[],
): number {
  const size = prod(inShape.slice(1));
  if (node.opType === 'Flatten') {
    if (attrInt(node, 'axis', 1) !== 1)
      throw unsupported(node, `Flatten with axis ${attrInt(node, 'axis', 1)}`);
    return size;
  }
  const target = reshapeTarget(net, node, net.opset);
  const [batch, features] = target;
  // [1 | 0 | -1, size] or [1 | 0, -1]: one row per image whatever the batch.
  const ok =
    target.length === 2 &&
    (batch === 1 || batch === 0 || (batch === -1 && features === size)) &&
    (features === size || (features === -1 && batch !== -1));
  if (!ok) throw unsupported(node, `a Reshape to [${target.join(', ')}] that is not a per-image flatten`);
  return size;
}

function setOut(net: Network, node: OnnxNode, shape: number[]): void {
  net.shapes.set(node.outputs[0] ?? '', shape);
}

function inferNode(net: Network, node: OnnxNode): void {
  switch (node.opType) {
    case 'Conv': {
      const [, c, h, w] = spatial(net, node);
      const weights = constInput(net, node, 1);
      if (!weights) throw unsupported(node, 'its weights are computed at run time');
      const wd = tensorDims(weights);
      if (wd.length !== 4) throw unsupported(node, `a ${wd.length - 2}-D convolution`);
      if (attrInt(node, 'group', 1) !== 1)
        throw unsupported(node, `a grouped convolution (group ${attrInt(node, 'group', 1)})`);
      if (wd[1] !== c) throw bad(node, `has weights for ${wd[1]} input channels but gets ${c}`);
      if ((node.inputs[2] ?? '') !== '' && !constInput(net, node, 2))
        throw unsupported(node, 'its bias is computed');
      const win = window2D(node, [h, w], [wd[2] as number, wd[3] as number], net.opset);
      setOut(net, node, [1, wd[0] as number, ...win.out]);
      return;
    }
    case 'MaxPool':
    case 'AveragePool': {
      const [, c, h, w] = spatial(net, node);
      const k = attrInts(node, 'kernel_shape', []);
      if (k.length !== 2) throw unsupported(node, `a ${k.length}-D pool`);
      if (node.opType === 'MaxPool' && (node.outputs[1] ?? '') !== '')
        throw unsupported(node, 'MaxPool indices');
      const win = window2D(node, [h, w], [k[0] as number, k[1] as number], net.opset);
      if (win.dilations.some((d) => d !== 1)) throw unsupported(node, 'a dilated pool');
      setOut(net, node, [1, c, ...win.out]);
      return;
    }
    case 'GlobalAveragePool': {
      const [, c] = spatial(net, node);
      setOut(net, node, [1, c, 1, 1]);
      return;
    }
    case 'Relu':
      setOut(net, node, inputShape(net, node, 0));
      return;
    case 'LRN': {
      spatial(net, node);
      const size = attrInt(node, 'size', 0);
      // ONNX's window is [c - floor((size-1)/2), c + ceil((size-1)/2)]; TensorFlow's is symmetric.
      if (size < 1 || size % 2 === 0) throw unsupported(node, `LRN with even size ${size}`);
      setOut(net, node, inputShape(net, node, 0));
      return;
    }
    case 'Concat': {
      const shapes = node.inputs.map((_, i) => inputShape(net, node, i));
      const rank = (shapes[0] as number[]).length;
      const axisAttr = attrInt(node, 'axis', 1);
      const axis = axisAttr < 0 ? axisAttr + rank : axisAttr;
      if (axis <= 0 || axis >= rank) throw unsupported(node, `Concat along axis ${axisAttr}`);
      const out = [...(shapes[0] as number[])];
      out[axis] = 0;
      for (const s of shapes) {
        if (s.length !== rank || s.some((d, i) => i !== axis && d !== (shapes[0] as number[])[i])) {
          throw bad(node, 'joins tensors of different shapes');
        }
        out[axis] = (out[axis] as number) + (s[axis] as number);
      }
      setOut(net, node, out);
      return;
    }
    case 'Reshape':
    case 'Flatten': {
      const s = inputShape(net, node, 0);
      setOut(net, node, [1, flattenedSize(net, node, s)]);
      return;
    }
    case 'Gemm':
    case 'MatMul': {
      const a = inputShape(net, node, 0);
      const b = constInput(net, node, 1);
      if (a.length !== 2) throw unsupported(node, `a ${node.opType} on a rank-${a.length} input`);
      if (!b || tensorDims(b).length !== 2) throw unsupported(node, 'its weights are not a constant matrix');
      if (node.opType === 'Gemm' && attrInt(node, 'transA', 0) !== 0) throw unsupported(node, 'transA=1');
      const [r, c] = tensorDims(b) as [number, number];
      const transB = node.opType === 'Gemm' && attrInt(node, 'transB', 0) === 1;
      if ((transB ? c : r) !== a[1]) throw bad(node, `multiplies [${a.join(', ')}] by [${r}, ${c}]`);
      if (node.opType === 'Gemm' && (node.inputs[2] ?? '') !== '' && !constInput(net, node, 2)) {
        throw unsupported(node, 'its bias is computed');
      }
      setOut(net, node, [1, transB ? r : c]);
      return;
    }
    default:
      throw unsupported(node, 'this op is not supported by the exporter');
  }
}
