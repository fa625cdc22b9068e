/**
 * Converts the analysed ONNX network plus the fine-tuned head into a TensorFlow GraphDef (the
 * JSON form tfjs-converter's `loadGraphModel` reads). Only stock ops are written, with exactly the
 * attribute names tfjs-converter's op mappers read, so the stock loader runs it with no custom ops.
 *
 * Activations are NHWC (TensorFlow.js's native layout); convolution weights are converted
 * OIHW → HWIO once, here. Padding is SAME where it matches ONNX's pads exactly (MaxPool's SAME
 * ignores the padding, like ONNX's -∞), EXPLICIT for asymmetric convolution pads, and
 * PadV2(-∞) + VALID for any other MaxPool.
 */
import { ModelError } from '../model/errors.ts';
import { tensorDims, tensorFloat32, type OnnxNode } from '../model/onnx/read.ts';
import {
  attrFloat,
  attrInt,
  constInput,
  flattenedSize,
  hasPadding,
  isTfSame,
  window2D,
  type Network,
} from './network.ts';
import { RGB_MEANS } from './preprocessing.ts';
import { isLargeConvWeight, type WeightEntry } from './tfjs-weights.ts';

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

export interface TfTensorInfo {
  name: string;
  dtype: 'DT_FLOAT';
  tensorShape: TfShape;
}

export interface TfGraph {
  modelTopology: {
    node: TfNodeDef[];
    library: Record<string, never>;
    versions: { producer: number; minConsumer: number };
  };
  signature: { inputs: Record<string, TfTensorInfo>; outputs: Record<string, TfTensorInfo> };
  weights: WeightEntry[];
  input: { name: string; shape: number[] };
  output: { name: string; shape: number[] };
}

export interface Head {
  /** featureDim × C, row-major: W[k * C + c]. */
  weights: Float32Array;
  bias: Float32Array;
}

export const TFJS_INPUT_NAME = 'image';
export const OUTPUT_NAME = 'probabilities';

const FLOAT = { type: 'DT_FLOAT' } as const;
const INT32 = { type: 'DT_INT32' } as const;

const str = (s: string): TfAttrValue => ({ s: Buffer.from(s, 'utf8').toString('base64') });
const ints = (v: number[]): TfAttrValue => ({ list: { i: v.map(String) } });
const int = (v: number): TfAttrValue => ({ i: String(v) });
const shapeOf = (dims: number[]): TfShape =>
  dims.length === 0 ? {} : { dim: dims.map((d) => ({ size: String(d) })) };

/** TensorFlow node names: [A-Za-z0-9.][A-Za-z0-9_.\-/]*; ONNX names may hold anything. */
function tfName(raw: string): string {
  const cleaned = raw.replace(/[^A-Za-z0-9_.\-/]/g, '_').replace(/\/+$/, '');
  return /^[A-Za-z0-9.]/.test(cleaned) ? cleaned : `n${cleaned}`;
}

type Layout = 'nhwc' | 'plain';

class GraphBuilder {
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

  add(name: string, op: string, input: string[], attr: Record<string, TfAttrValue>): string {
    this.nodes.push(input.length > 0 ? { name, op, input, attr } : { name, op, attr });
    return name;
  }

  constF32(raw: string, shape: number[], data: Float32Array, quantizable: boolean): string {
    const name = this.unique(raw);
    this.weights.push({ name, shape, dtype: 'float32', data, quantizable });
    return this.add(name, 'Const', [], {
      dtype: FLOAT,
      value: { tensor: { dtype: 'DT_FLOAT', tensorShape: shapeOf(shape) } },
    });
  }

  constI32(raw: string, shape: number[], values: number[]): string {
    const name = this.unique(raw);
    this.weights.push({ name, shape, dtype: 'int32', data: Int32Array.from(values), quantizable: false });
    return this.add(name, 'Const', [], {
      dtype: INT32,
      value: { tensor: { dtype: 'DT_INT32', tensorShape: shapeOf(shape) } },
    });
  }
}

interface TfValue {
  name: string;
  layout: Layout;
}

/** OIHW → HWIO. */
export function oihwToHwio(w: Float32Array, [o, i, kh, kw]: number[]): Float32Array {
  const O = o as number;
  const I = i as number;
  const KH = kh as number;
  const KW = kw as number;
  const out = new Float32Array(w.length);
  for (let oc = 0; oc < O; oc++) {
    for (let ic = 0; ic < I; ic++) {
      for (let y = 0; y < KH; y++) {
        const src = ((oc * I + ic) * KH + y) * KW;
        for (let x = 0; x < KW; x++) out[((y * KW + x) * I + ic) * O + oc] = w[src + x] as number;
      }
    }
  }
  return out;
}

function unsupported(node: OnnxNode, what: string): ModelError {
  return new ModelError(
    'unsupported_op',
    `Cannot export node "${node.name}" (${node.opType}) to TensorFlow.js: ${what}.`,
  );
}

/**
 * Builds the graph: input → (preprocessing) → body → flatten → head → softmax.
 * `preprocessing`: the input is RGB 0..255 NHWC and the graph converts to BGR and subtracts the
 * means; otherwise the input is the network's own (NHWC, BGR minus means).
 */
export function buildTfGraph(net: Network, head: Head, opts: { preprocessing: boolean }): TfGraph {
  const g = new GraphBuilder();
  const [, channels, height, width] = net.input.shape;
  const inputName = opts.preprocessing ? TFJS_INPUT_NAME : tfName(net.input.name);
  g.reserve(inputName);
  g.reserve(OUTPUT_NAME);
  const inputShape = [-1, height, width, channels];
  g.add(inputName, 'Placeholder', [], { dtype: FLOAT, shape: { shape: shapeOf(inputShape) } });

  const values = new Map<string, TfValue>();
  let image = inputName;
  if (opts.preprocessing) {
    if (channels !== 3) {
      throw new ModelError(
        'bad_model',
        `The model takes ${channels}-channel images; in-graph preprocessing needs RGB (3).`,
      );
    }
    const means = g.constF32('preprocess/rgb_means', [3], Float32Array.from(RGB_MEANS), false);
    const centred = g.add(g.unique('preprocess/centred'), 'Sub', [inputName, means], { T: FLOAT });
    const axis = g.constI32('preprocess/channel_axis', [1], [3]);
    image = g.add(g.unique('preprocess/bgr'), 'ReverseV2', [centred, axis], { T: FLOAT, Tidx: INT32 });
  }
  values.set(net.input.name, { name: image, layout: 'nhwc' });

  const read = (node: OnnxNode, i: number): TfValue => {
    const v = values.get(net.resolve(node.inputs[i] ?? ''));
    if (!v) throw unsupported(node, `input ${i} is not computed before it`);
    return v;
  };
  const shapeIn = (node: OnnxNode, i = 0): number[] =>
    net.shapes.get(net.resolve(node.inputs[i] ?? '')) ?? [];
  const outName = (node: OnnxNode) => g.unique(node.outputs[0] ?? node.name);
  const set = (node: OnnxNode, name: string, layout: Layout) =>
    values.set(node.outputs[0] ?? '', { name, layout });

  for (const node of net.body) {
    switch (node.opType) {
      case 'Conv': {
        const x = read(node, 0);
        const wt = constInput(net, node, 1)!;
        const dims = tensorDims(wt);
        const [, , h, w] = shapeIn(node) as [number, number, number, number];
        const win = window2D(node, [h, w], [dims[2] as number, dims[3] as number], net.opset);
        const base = node.outputs[0] ?? node.name;
        const filter = g.constF32(
          `${base}/filter`,
          [dims[2], dims[3], dims[1], dims[0]] as number[],
          oihwToHwio(tensorFloat32(wt), dims),
          isLargeConvWeight(dims),
        );
        const attr: Record<string, TfAttrValue> = {
          T: FLOAT,
          strides: ints([1, win.strides[0], win.strides[1], 1]),
          dilations: ints([1, win.dilations[0], win.dilations[1], 1]),
          data_format: str('NHWC'),
          use_cudnn_on_gpu: { b: true },
        };
        if (!hasPadding(win)) attr.padding = str('VALID');
        else if (isTfSame(win, [h, w])) attr.padding = str('SAME');
        else {
          attr.padding = str('EXPLICIT');
          attr.explicit_paddings = ints([0, 0, win.begin[0], win.end[0], win.begin[1], win.end[1], 0, 0]);
        }
        const bias = constInput(net, node, 2);
        let y = g.add(bias ? g.unique(`${base}/conv`) : outName(node), 'Conv2D', [x.name, filter], attr);
        if (bias) {
          const b = g.constF32(`${base}/bias`, [dims[0] as number], tensorFloat32(bias), false);
          y = g.add(outName(node), 'BiasAdd', [y, b], { T: FLOAT, data_format: str('NHWC') });
        }
        set(node, y, 'nhwc');
        break;
      }
      case 'Relu':
        set(node, g.add(outName(node), 'Relu', [read(node, 0).name], { T: FLOAT }), read(node, 0).layout);
        break;
      case 'MaxPool':
      case 'AveragePool': {
        const x = read(node, 0);
        const [, , h, w] = shapeIn(node) as [number, number, number, number];
        const k = [...(node.attrs.get('kernel_shape') as number[])] as [number, number];
        const win = window2D(node, [h, w], k, net.opset);
        const op = node.opType === 'MaxPool' ? 'MaxPool' : 'AvgPool';
        const attr = (padding: string): Record<string, TfAttrValue> => ({
          T: FLOAT,
          ksize: ints([1, k[0], k[1], 1]),
          strides: ints([1, win.strides[0], win.strides[1], 1]),
          padding: str(padding),
          data_format: str('NHWC'),
        });
        if (!hasPadding(win)) {
          set(node, g.add(outName(node), op, [x.name], attr('VALID')), 'nhwc');
          break;
        }
        // AveragePool without count_include_pad averages over the real pixels only, as SAME does.
        const countPads = op === 'AvgPool' && net.opset >= 7 && attrInt(node, 'count_include_pad', 0) === 1;
        if (isTfSame(win, [h, w]) && !countPads) {
          set(node, g.add(outName(node), op, [x.name], attr('SAME')), 'nhwc');
          break;
        }
        if (op === 'AvgPool' && (!countPads || win.end.some((e, a) => e !== win.declaredEnd[a]))) {
          throw unsupported(node, 'average pooling with this padding has no TensorFlow equivalent');
        }
        const base = node.outputs[0] ?? node.name;
        const paddings = g.constI32(
          `${base}/paddings`,
          [4, 2],
          [0, 0, win.begin[0], win.end[0], win.begin[1], win.end[1], 0, 0],
        );
        const fill = g.constF32(
          `${base}/pad_value`,
          [],
          Float32Array.of(op === 'MaxPool' ? -Infinity : 0),
          false,
        );
        const padded = g.add(g.unique(`${base}/padded`), 'PadV2', [x.name, paddings, fill], {
          T: FLOAT,
          Tpaddings: INT32,
        });
        set(node, g.add(outName(node), op, [padded], attr('VALID')), 'nhwc');
        break;
      }
      case 'GlobalAveragePool': {
        const [, , h, w] = shapeIn(node) as [number, number, number, number];
        const attr: Record<string, TfAttrValue> = {
          T: FLOAT,
          ksize: ints([1, h, w, 1]),
          strides: ints([1, 1, 1, 1]),
          padding: str('VALID'),
          data_format: str('NHWC'),
        };
        set(node, g.add(outName(node), 'AvgPool', [read(node, 0).name], attr), 'nhwc');
        break;
      }
      case 'LRN': {
        // ONNX: x / (bias + alpha/size · Σx²)^beta over `size` channels; TensorFlow takes the
        // half-width and the already divided alpha.
        const size = attrInt(node, 'size', 1);
        const attr: Record<string, TfAttrValue> = {
          T: FLOAT,
          depth_radius: int((size - 1) / 2),
          bias: { f: attrFloat(node, 'bias', 1) },
          alpha: { f: attrFloat(node, 'alpha', 1e-4) / size },
          beta: { f: attrFloat(node, 'beta', 0.75) },
        };
        set(node, g.add(outName(node), 'LRN', [read(node, 0).name], attr), 'nhwc');
        break;
      }
      case 'Concat': {
        const xs = node.inputs.map((_, i) => read(node, i));
        const rank = shapeIn(node).length;
        const a = attrInt(node, 'axis', 1);
        const onnxAxis = a < 0 ? a + rank : a;
        const layout = xs[0]?.layout ?? 'plain';
        const tfAxis = layout === 'nhwc' ? ([0, 3, 1, 2][onnxAxis] as number) : onnxAxis;
        const axis = g.constI32(`${node.outputs[0] ?? node.name}/axis`, [], [tfAxis]);
        const y = g.add(outName(node), 'ConcatV2', [...xs.map((x) => x.name), axis], {
          T: FLOAT,
          N: int(xs.length),
          Tidx: INT32,
        });
        set(node, y, layout);
        break;
      }
      case 'Reshape':
      case 'Flatten': {
        const x = read(node, 0);
        const s = shapeIn(node);
        const size = flattenedSize(net, node, s);
        if (s.length === 2) {
          values.set(node.outputs[0] ?? '', x);
          break;
        }
        const base = node.outputs[0] ?? node.name;
        let source = x.name;
        // NCHW flatten order: bring channels first unless there is only one pixel.
        if (x.layout === 'nhwc' && s.length === 4 && (s[2] as number) * (s[3] as number) > 1) {
          const perm = g.constI32(`${base}/perm`, [4], [0, 3, 1, 2]);
          source = g.add(g.unique(`${base}/nchw`), 'Transpose', [x.name, perm], { T: FLOAT, Tperm: INT32 });
        }
        const shape = g.constI32(`${base}/shape`, [2], [-1, size]);
        set(node, g.add(outName(node), 'Reshape', [source, shape], { T: FLOAT, Tshape: INT32 }), 'plain');
        break;
      }
      case 'Gemm':
      case 'MatMul': {
        const x = read(node, 0);
        const b = constInput(net, node, 1)!;
        const [r, c] = tensorDims(b) as [number, number];
        const transB = node.opType === 'Gemm' && attrInt(node, 'transB', 0) === 1;
        const alpha = node.opType === 'Gemm' ? attrFloat(node, 'alpha', 1) : 1;
        const beta = node.opType === 'Gemm' ? attrFloat(node, 'beta', 1) : 1;
        const raw = tensorFloat32(b);
        const [k, n] = transB ? [c, r] : [r, c];
        const w = new Float32Array(k * n);
        for (let i = 0; i < k; i++) {
          for (let j = 0; j < n; j++) w[i * n + j] = alpha * (raw[transB ? j * c + i : i * c + j] as number);
        }
        const base = node.outputs[0] ?? node.name;
        const wName = g.constF32(`${base}/weights`, [k, n], w, false);
        const biasT = node.opType === 'Gemm' ? constInput(net, node, 2) : undefined;
        let y = g.add(biasT ? g.unique(`${base}/matmul`) : outName(node), 'MatMul', [x.name, wName], {
          T: FLOAT,
          transpose_a: { b: false },
          transpose_b: { b: false },
        });
        if (biasT) {
          const raw = tensorFloat32(biasT);
          if (raw.length !== n && raw.length !== 1)
            throw unsupported(node, `a bias of ${raw.length} values for ${n} outputs`);
          const bias = Float32Array.from(
            { length: n },
            (_, j) => beta * (raw[raw.length === 1 ? 0 : j] as number),
          );
          const bName = g.constF32(`${base}/bias`, [n], bias, false);
          y = g.add(outName(node), 'BiasAdd', [y, bName], { T: FLOAT, data_format: str('NHWC') });
        }
        set(node, y, 'plain');
        break;
      }
      default:
        throw unsupported(node, 'this op is not supported by the exporter');
    }
  }

  const feature = values.get(net.feature);
  if (!feature) throw new ModelError('bad_model', `The classifier input "${net.feature}" was not computed.`);
  const numClasses = head.bias.length;
  const w = g.constF32('head/weights', [net.featureDim, numClasses], head.weights, false);
  const b = g.constF32('head/bias', [numClasses], head.bias, false);
  const mm = g.add(g.unique('head/matmul'), 'MatMul', [feature.name, w], {
    T: FLOAT,
    transpose_a: { b: false },
    transpose_b: { b: false },
  });
  const logits = g.add(g.unique('head/logits'), 'BiasAdd', [mm, b], { T: FLOAT, data_format: str('NHWC') });
  g.add(OUTPUT_NAME, 'Softmax', [logits], { T: FLOAT });

  const info = (name: string, shape: number[]): TfTensorInfo => ({
    name: `${name}:0`,
    dtype: 'DT_FLOAT',
    tensorShape: shapeOf(shape),
  });
  const outputShape = [-1, numClasses];
  return {
    modelTopology: { node: g.nodes, library: {}, versions: { producer: 1286, minConsumer: 12 } },
    signature: {
      inputs: { [inputName]: info(inputName, inputShape) },
      outputs: { [OUTPUT_NAME]: info(OUTPUT_NAME, outputShape) },
    },
    weights: g.weights,
    input: { name: inputName, shape: inputShape },
    output: { name: OUTPUT_NAME, shape: outputShape },
  };
}
