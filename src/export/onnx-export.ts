/**
 * Rewrites the imported ONNX model into the exported one: the pretrained body unchanged, the
 * classifier replaced by the fine-tuned head (Gemm featureDim → C, then Softmax), a symbolic batch
 * dimension `N` (the zoo's hard-coded [1, 1024] Reshape becomes a Flatten), optional in-graph
 * preprocessing, and the operator set raised to 13 (Dropout removed, attributes that later
 * opsets dropped stripped).
 */
import { ModelError } from '../model/errors.ts';
import { tensorDims, tensorFloat32 } from '../model/onnx/read.ts';
import {
  AttributeType,
  DataType,
  type IAttributeProto,
  type INodeProto,
  type ITensorProto,
} from '../model/onnx/proto.ts';
import {
  attr,
  encodeModel,
  floatTensor,
  int64Tensor,
  irVersionForOpset,
  makeModel,
  makeNode,
  valueInfo,
} from '../model/onnx/write.ts';
import type { Network } from './network.ts';
import { RGB_MEANS } from './preprocessing.ts';
import { OUTPUT_NAME, TFJS_INPUT_NAME, type Head } from './tfjs-graph.ts';

export const ONNX_MIN_OPSET = 13;
export const BATCH_DIM = 'N';

/** Attributes each body op may carry at opset 13; the rest were removed by earlier opsets. */
const ATTRS_AT_13: Record<string, readonly string[]> = {
  Conv: ['auto_pad', 'dilations', 'group', 'kernel_shape', 'pads', 'strides'],
  Relu: [],
  MaxPool: ['auto_pad', 'ceil_mode', 'dilations', 'kernel_shape', 'pads', 'storage_order', 'strides'],
  AveragePool: ['auto_pad', 'ceil_mode', 'count_include_pad', 'kernel_shape', 'pads', 'strides'],
  GlobalAveragePool: [],
  LRN: ['alpha', 'beta', 'bias', 'size'],
  Concat: ['axis'],
  Gemm: ['alpha', 'beta', 'transA', 'transB'],
  MatMul: [],
};

export interface OnnxExport {
  bytes: Uint8Array;
  opset: number;
  input: { name: string; shape: (number | string)[] };
  output: { name: string; shape: (number | string)[] };
}

export interface OnnxExportOptions {
  preprocessing: boolean;
  labels: string[];
  appVersion: string;
  /** Extra key/value pairs for the model's metadata_props. */
  metadata?: Record<string, string>;
}

function asRaw(t: ITensorProto, name: string): ITensorProto {
  // float_data (what the Caffe2 exporter wrote) encodes one number at a time; raw_data is a copy.
  if (t.dataType === DataType.FLOAT) return floatTensor(name, tensorDims(t), tensorFloat32(t));
  return { ...t, name };
}

export function buildOnnxModel(net: Network, head: Head, opts: OnnxExportOptions): OnnxExport {
  const opset = Math.max(ONNX_MIN_OPSET, net.opset);
  const upgrading = net.opset < ONNX_MIN_OPSET;
  const numClasses = head.bias.length;
  const [, channels, height, width] = net.input.shape;
  const nodes: INodeProto[] = [];
  const initializers = new Map<string, ITensorProto>();
  const taken = new Set<string>();
  for (const n of net.model.nodes) for (const o of n.outputs) taken.add(o);
  for (const name of net.model.initializers.keys()) taken.add(name);
  const fresh = (name: string): string => {
    let candidate = name;
    for (let i = 1; taken.has(candidate); i++) candidate = `${name}_${i}`;
    taken.add(candidate);
    return candidate;
  };

  let inputName = net.input.name;
  let inputShape: (number | string)[] = [BATCH_DIM, channels, height, width];
  let bodyInput = net.input.name;
  if (opts.preprocessing) {
    if (channels !== 3) {
      throw new ModelError(
        'bad_model',
        `The model takes ${channels}-channel images; in-graph preprocessing needs RGB (3).`,
      );
    }
    inputName =
      taken.has(TFJS_INPUT_NAME) && TFJS_INPUT_NAME !== net.input.name
        ? fresh(TFJS_INPUT_NAME)
        : TFJS_INPUT_NAME;
    taken.add(inputName);
    inputShape = [BATCH_DIM, height, width, channels];
    bodyInput = fresh('incept/preprocessed');
    const means = fresh('incept/rgb_means');
    const order = fresh('incept/bgr_order');
    const centred = fresh('incept/centred');
    const nchw = fresh('incept/centred_nchw');
    initializers.set(means, floatTensor(means, [3], Float32Array.from(RGB_MEANS)));
    initializers.set(order, int64Tensor(order, [3], [2, 1, 0]));
    nodes.push(makeNode('Sub', [inputName, means], [centred], {}, 'incept/subtract_means'));
    nodes.push(makeNode('Transpose', [centred], [nchw], { perm: attr.ints([0, 3, 1, 2]) }, 'incept/to_nchw'));
    nodes.push(makeNode('Gather', [nchw, order], [bodyInput], { axis: attr.int(1) }, 'incept/rgb_to_bgr'));
  }

  const rename = (name: string): string => {
    const resolved = net.resolve(name);
    return resolved === net.input.name ? bodyInput : resolved;
  };
  const graphNodes = net.model.proto.graph?.node ?? [];
  for (const node of net.body) {
    const inputs = node.inputs.map((i) => (i === '' ? '' : rename(i)));
    if (node.opType === 'Reshape' || node.opType === 'Flatten') {
      // analyzeNetwork accepted it only as a per-image flatten: keep the batch free.
      nodes.push(
        makeNode('Flatten', [inputs[0] ?? ''], [node.outputs[0] ?? ''], { axis: attr.int(1) }, node.name),
      );
      continue;
    }
    for (const i of inputs) {
      const c = net.consts.get(i);
      if (c && !initializers.has(i)) initializers.set(i, asRaw(c, i));
    }
    const original = graphNodes[node.index] as INodeProto;
    let attribute: IAttributeProto[] = [...(original.attribute ?? [])];
    if (upgrading) {
      const allowed = ATTRS_AT_13[node.opType] ?? [];
      attribute = attribute.filter((a) => allowed.includes(a.name ?? ''));
      if (node.opType === 'Concat' && !attribute.some((a) => a.name === 'axis')) {
        attribute.push({ name: 'axis', type: AttributeType.INT, i: 1 });
      }
    }
    nodes.push({
      opType: node.opType,
      domain: '',
      name: original.name ?? '',
      input: inputs,
      output: [...node.outputs],
      attribute,
    });
  }
  const weightsName = fresh('incept/head/weights');
  const biasName = fresh('incept/head/bias');
  const logits = fresh('incept/logits');
  initializers.set(weightsName, floatTensor(weightsName, [net.featureDim, numClasses], head.weights));
  initializers.set(biasName, floatTensor(biasName, [numClasses], head.bias));
  const outputName = taken.has(OUTPUT_NAME) ? fresh(OUTPUT_NAME) : OUTPUT_NAME;
  nodes.push(
    makeNode('Gemm', [rename(net.feature), weightsName, biasName], [logits], {}, net.classifier.name),
  );
  nodes.push(makeNode('Softmax', [logits], [outputName], { axis: attr.int(1) }, 'incept/softmax'));

  const outputShape: (number | string)[] = [BATCH_DIM, numClasses];
  const model = makeModel({
    irVersion: Math.max(irVersionForOpset(opset), net.model.irVersion),
    opset,
    producerName: 'incept',
    producerVersion: opts.appVersion,
    graph: {
      name: 'incept_finetuned',
      node: nodes,
      initializer: [...initializers.values()],
      input: [valueInfo(inputName, inputShape)],
      output: [valueInfo(outputName, outputShape)],
    },
  });
  model.docString =
    `${net.model.producer || 'ONNX'} model fine-tuned by Incept ${opts.appVersion}: the classifier "${net.classifier.name}" ` +
    `was replaced by a ${net.featureDim}→${numClasses} head. Output "${outputName}" holds class probabilities.`;
  model.metadataProps = Object.entries({ labels: JSON.stringify(opts.labels), ...(opts.metadata ?? {}) }).map(
    ([key, value]) => ({ key, value }),
  );
  return {
    bytes: encodeModel(model),
    opset,
    input: { name: inputName, shape: inputShape },
    output: { name: outputName, shape: outputShape },
  };
}
