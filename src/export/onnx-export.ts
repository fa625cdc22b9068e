/**
 * Writes the imported network as the importer analysed it (BatchNormalization folded into its Conv)
 * with the classifier replaced by the fine-tuned head (Gemm featureDim → C, then Softmax), at
 * opset 13 or more. Each node is written by its own op's `toOnnx` in the importer's op table.
 * The batch dimension is symbolic (`N`; a hard-coded [1, 1024] Reshape becomes [-1, 1024]) unless
 * an op of the network mixes the images of a batch; preprocessing can be put in the graph.
 */
import { ModelError } from '../model/errors.ts';
import type { ModelAnalysis } from '../model/graph/analyze.ts';
import type { OnnxModel } from '../model/onnx/read.ts';
import { DataType, type INodeProto, type ITensorProto } from '../model/onnx/proto.ts';
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
import { exportBody } from './body.ts';
import { PRESETS, type Preprocessing } from '../domain/preprocessing.ts';
import { inGraphPreprocessing } from './preprocessing.ts';
import { OUTPUT_NAME, TFJS_INPUT_NAME, exportBatch, type Head } from './tfjs-graph.ts';

export const ONNX_MIN_OPSET = 13;
export const BATCH_DIM = 'N';

export interface OnnxExport {
  bytes: Uint8Array;
  opset: number;
  input: { name: string; shape: (number | string)[] };
  output: { name: string; shape: (number | string)[] };
}

export interface OnnxExportOptions {
  preprocessing: boolean;
  /** The model's own preprocessing, baked in when `preprocessing` (default Caffe's). */
  pixels?: Preprocessing;
  labels: string[];
  appVersion: string;
  /** Extra key/value pairs for the model's metadata_props. */
  metadata?: Record<string, string>;
}

export function buildOnnxModel(
  model: OnnxModel,
  a: ModelAnalysis,
  head: Head,
  opts: OnnxExportOptions,
): OnnxExport {
  const opset = Math.max(ONNX_MIN_OPSET, a.opset);
  const numClasses = head.bias.length;
  const [, channels, height, width] = a.inputShape as [number, number, number, number];
  const nodes: INodeProto[] = [];
  const initializers = new Map<string, ITensorProto>();
  const taken = new Set<string>();
  for (const n of model.nodes) for (const o of n.outputs) taken.add(o);
  for (const name of model.initializers.keys()) taken.add(name);
  for (const name of a.values.keys()) taken.add(name);
  const fresh = (name: string): string => {
    let candidate = name;
    for (let i = 1; taken.has(candidate); i++) candidate = `${name}_${i}`;
    taken.add(candidate);
    return candidate;
  };
  const batch: number | string = exportBatch(a) === -1 ? BATCH_DIM : 1;

  let inputName = a.inputName;
  let inputShape: (number | string)[] = [batch, channels, height, width];
  let bodyInput = a.inputName;
  if (opts.preprocessing) {
    inputName =
      a.inputName === TFJS_INPUT_NAME || !taken.has(TFJS_INPUT_NAME)
        ? TFJS_INPUT_NAME
        : fresh(TFJS_INPUT_NAME);
    taken.add(inputName);
    inputShape = [batch, height, width, channels];
    bodyInput = fresh('incept/preprocessed');
    const p = inGraphPreprocessing(opts.pixels ?? PRESETS.caffe);
    let x = inputName;
    if (p.multiply.some((m) => m !== 1)) {
      const scale = fresh('incept/scale');
      const scaled = fresh('incept/scaled');
      initializers.set(scale, floatTensor(scale, [3], Float32Array.from(p.multiply)));
      nodes.push(makeNode('Mul', [x, scale], [scaled], {}, 'incept/scale'));
      x = scaled;
    }
    const offsets = fresh('incept/offsets');
    const centred = fresh('incept/centred');
    initializers.set(offsets, floatTensor(offsets, [3], Float32Array.from(p.subtract)));
    nodes.push(makeNode('Sub', [x, offsets], [centred], {}, 'incept/subtract'));
    const nchw = p.reverse ? fresh('incept/centred_nchw') : bodyInput;
    nodes.push(makeNode('Transpose', [centred], [nchw], { perm: attr.ints([0, 3, 1, 2]) }, 'incept/to_nchw'));
    if (p.reverse) {
      const order = fresh('incept/bgr_order');
      initializers.set(order, int64Tensor(order, [3], [2, 1, 0]));
      nodes.push(makeNode('Gather', [nchw, order], [bodyInput], { axis: attr.int(1) }, 'incept/rgb_to_bgr'));
    }
  }

  /** Written name of each run-time tensor (pass-through ops make aliases). */
  const names = new Map<string, string>([[a.inputName, bodyInput]]);
  const graphNodes = model.proto.graph?.node ?? [];
  for (const step of exportBody(a)) {
    const { node } = step;
    const original = graphNodes[node.index];
    step.impl.toOnnx({
      node,
      opset: a.opset,
      inputs: step.inputs,
      outputs: step.outputs,
      input: (i, shape) => {
        const name = node.inputs[i] ?? '';
        const desc = step.inputs[i];
        if (desc?.const) {
          const dims = shape ?? desc.shape;
          const written = shape && shape.join() !== desc.shape.join() ? fresh(`${name}/reshaped`) : name;
          if (!initializers.has(written)) {
            initializers.set(written, floatTensor(written, dims, Float32Array.from(desc.const.values)));
          }
          return written;
        }
        const v = names.get(name);
        if (!v)
          throw new ModelError(
            'bad_model',
            `Node ${node.name} reads ${name}, which was not written before it.`,
          );
        return v;
      },
      output: (k = 0) => {
        const name = step.outputs[k]!.name;
        names.set(name, name);
        return name;
      },
      fresh,
      attrs: (allowed) => (original?.attribute ?? []).filter((x) => allowed.includes(x.name ?? '')),
      emit: (n) => void nodes.push(n),
      initializer: (t) => {
        initializers.set(t.name ?? '', t);
        return t.name ?? '';
      },
      alias: (k, source) => void names.set(step.outputs[k]!.name, source),
    });
  }
  const feature = names.get(a.featureTensor);
  if (!feature)
    throw new ModelError('bad_model', `The classifier input ${a.featureTensor} was not computed.`);

  const weightsName = fresh('incept/head/weights');
  const biasName = fresh('incept/head/bias');
  const logits = fresh('incept/logits');
  initializers.set(weightsName, floatTensor(weightsName, [a.featureSize, numClasses], head.weights));
  initializers.set(biasName, floatTensor(biasName, [numClasses], head.bias));
  const outputName = taken.has(OUTPUT_NAME) ? fresh(OUTPUT_NAME) : OUTPUT_NAME;
  nodes.push(makeNode('Gemm', [feature, weightsName, biasName], [logits], {}, a.classifierNode));
  nodes.push(makeNode('Softmax', [logits], [outputName], { axis: attr.int(1) }, 'incept/softmax'));

  const outputShape: (number | string)[] = [batch, numClasses];
  const written = makeModel({
    irVersion: Math.max(irVersionForOpset(opset), a.irVersion),
    opset,
    producerName: 'incept',
    producerVersion: opts.appVersion,
    graph: {
      name: 'incept_finetuned',
      node: nodes,
      initializer: [...initializers.values()],
      input: [valueInfo(inputName, inputShape, DataType.FLOAT)],
      output: [valueInfo(outputName, outputShape)],
    },
  });
  written.docString =
    `${a.producer || 'ONNX'} model fine-tuned by Incept ${opts.appVersion}: the classifier "${a.classifierNode}" ` +
    `was replaced by a ${a.featureSize}→${numClasses} head. Output "${outputName}" holds class probabilities.`;
  written.metadataProps = Object.entries({
    labels: JSON.stringify(opts.labels),
    ...(opts.metadata ?? {}),
  }).map(([key, value]) => ({ key, value }));
  return {
    bytes: encodeModel(written),
    opset,
    input: { name: inputName, shape: inputShape },
    output: { name: outputName, shape: outputShape },
  };
}
