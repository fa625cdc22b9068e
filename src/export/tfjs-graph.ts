/**
 * Writes the imported network plus the fine-tuned head as a TensorFlow GraphDef (the JSON form
 * tfjs-converter's `loadGraphModel` reads). Each node is written by its own op's `toTfjs` in the
 * importer's op table; this file adds the input, the optional in-graph preprocessing, and the head.
 *
 * Activations are NHWC (TensorFlow.js's native layout) wherever an op works on images.
 */
import { ModelError } from '../model/errors.ts';
import type { ModelAnalysis } from '../model/graph/analyze.ts';
import {
  FLOAT,
  INT32,
  TfGraphBuilder,
  tfShape,
  tfStr,
  tfToNhwc,
  tfToPlain,
  type TfNodeDef,
  type TfShape,
  type TfValue,
  type WeightEntry,
} from '../model/graph/export-writers.ts';
import { exportBody } from './body.ts';
import { PRESETS, type Preprocessing } from '../domain/preprocessing.ts';
import { inGraphPreprocessing } from './preprocessing.ts';

export type { TfAttrValue, TfNodeDef, TfShape } from '../model/graph/export-writers.ts';

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

/** -1 (any batch) unless an op of the network mixes the images of a batch. */
export function exportBatch(a: ModelAnalysis): number {
  return a.batchLimit ? 1 : -1;
}

/**
 * Builds the graph: input → (preprocessing) → body → head → softmax.
 * `preprocessing`: the input is RGB 0..255 NHWC and the graph applies the model's own `pixels`
 * preset (default Caffe's); otherwise the input is the network's own, already preprocessed (NHWC).
 */
export function buildTfGraph(
  a: ModelAnalysis,
  head: Head,
  opts: { preprocessing: boolean; pixels?: Preprocessing },
): TfGraph {
  const g = new TfGraphBuilder();
  const [, channels, height, width] = a.inputShape as [number, number, number, number];
  const inputName = opts.preprocessing ? TFJS_INPUT_NAME : g.unique(a.inputName);
  g.reserve(inputName);
  g.reserve(OUTPUT_NAME);
  const batch = exportBatch(a);
  const inputShape = [batch, height, width, channels];
  g.add(inputName, 'Placeholder', [], { dtype: FLOAT, shape: { shape: tfShape(inputShape) } });

  let image = inputName;
  if (opts.preprocessing) {
    const p = inGraphPreprocessing(opts.pixels ?? PRESETS.caffe);
    if (p.multiply.some((m) => m !== 1)) {
      const scale = g.constF32('preprocess/scale', [3], Float32Array.from(p.multiply));
      image = g.op('preprocess/scaled', 'Mul', [image, scale], { T: FLOAT });
    }
    const offsets = g.constF32('preprocess/offsets', [3], Float32Array.from(p.subtract));
    image = g.op('preprocess/centred', 'Sub', [image, offsets], { T: FLOAT });
    if (p.reverse) {
      const axis = g.constI32('preprocess/channel_axis', [1], [3]);
      image = g.op('preprocess/bgr', 'ReverseV2', [image, axis], { T: FLOAT, Tidx: INT32 });
    }
  }
  const values = new Map<string, TfValue>([[a.inputName, { name: image, layout: 'nhwc' }]]);

  for (const step of exportBody(a)) {
    const { node } = step;
    const base = node.outputs[0] || node.name;
    const tfInputs = node.inputs.map((n, i) => {
      if (n === '' || step.inputs[i]?.const) return undefined;
      const v = values.get(n);
      if (!v)
        throw new ModelError('bad_model', `Node ${node.name} reads ${n}, which was not written before it.`);
      return v;
    });
    const runtime = (i: number): TfValue => {
      const v = tfInputs[i];
      if (!v)
        throw new ModelError('bad_model', `Node ${node.name} needs its input #${i} computed at run time.`);
      return v;
    };
    const outs = step.impl.toTfjs({
      node,
      opset: a.opset,
      inputs: step.inputs,
      tfInputs,
      outputs: step.outputs,
      g,
      name: (suffix) => (suffix ? `${base}/${suffix}` : base),
      nhwc: (i) => tfToNhwc(g, runtime(i), `${base}/in${i}`),
      plain: (i) => tfToPlain(g, runtime(i), step.inputs[i]!, `${base}/in${i}`),
    });
    step.outputs.forEach((o, k) => {
      const v = outs[k];
      if (v) values.set(o.name, v);
    });
  }

  const feature = values.get(a.featureTensor);
  const featureDesc = a.values.get(a.featureTensor);
  if (!feature || !featureDesc) {
    throw new ModelError('bad_model', `The classifier input ${a.featureTensor} was not computed.`);
  }
  const rows = tfToPlain(g, feature, featureDesc, 'head/features');
  const numClasses = head.bias.length;
  const w = g.constF32('head/weights', [a.featureSize, numClasses], head.weights);
  const b = g.constF32('head/bias', [numClasses], head.bias);
  const mm = g.op('head/matmul', 'MatMul', [rows, w], {
    T: FLOAT,
    transpose_a: { b: false },
    transpose_b: { b: false },
  });
  const logits = g.op('head/logits', 'BiasAdd', [mm, b], { T: FLOAT, data_format: tfStr('NHWC') });
  g.add(OUTPUT_NAME, 'Softmax', [logits], { T: FLOAT });

  const info = (name: string, shape: number[]): TfTensorInfo => ({
    name: `${name}:0`,
    dtype: 'DT_FLOAT',
    tensorShape: tfShape(shape),
  });
  const outputShape = [batch, numClasses];
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
