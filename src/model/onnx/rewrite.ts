/**
 * Rewrites a model for onnxruntime: the classifier's input becomes an extra graph output (so one
 * run yields features and probabilities), and batch-1 hard-coding becomes a free batch dimension.
 */
import type { ModelAnalysis } from '../graph/analyze.ts';
import type { OnnxModel } from './read.ts';
import type { IGraphProto, INodeProto, IValueInfoProto, ITensorProto } from './proto.ts';
import { encodeModel, int64Tensor, valueInfo } from './write.ts';
import { AttributeType } from './proto.ts';

export const BATCH_DIM = 'N';

export interface RuntimeModel {
  bytes: Uint8Array;
  /** False when the graph mixes the images of a batch: feed one image per run. */
  dynamicBatch: boolean;
}

export function prepareForOnnxRuntime(model: OnnxModel, analysis: ModelAnalysis): RuntimeModel {
  const g = model.proto.graph!;
  const dynamicBatch = analysis.batchLimit === null;
  const extraInitializers: ITensorProto[] = [];
  const nodes: INodeProto[] = (g.node ?? []).map((n) => n);

  if (dynamicBatch) {
    for (const node of analysis.nodes) {
      if (node.opType !== 'Reshape') continue;
      const x = analysis.values.get(node.inputs[0] ?? '');
      const y = analysis.values.get(node.outputs[0] ?? '');
      if (!x?.batched || !y?.batched) continue;
      const original = nodes[node.index]!;
      if (model.opset < 5) {
        const shape = node.attrs.get('shape');
        if (!Array.isArray(shape) || shape[0] !== 1) continue;
        nodes[node.index] = {
          ...original,
          attribute: (original.attribute ?? []).map((a) =>
            a.name === 'shape'
              ? { name: 'shape', type: AttributeType.INTS, ints: [-1, ...(shape as number[]).slice(1)] }
              : a,
          ),
        };
      } else {
        const shapeName = node.inputs[1] ?? '';
        const target = analysis.values.get(shapeName)?.const?.ints;
        if (!target || target[0] !== 1) continue;
        const name = `${shapeName}__incept_batch_${node.index}`;
        extraInitializers.push(int64Tensor(name, [target.length], [-1, ...target.slice(1)]));
        const inputs = [...(original.input ?? [])];
        inputs[1] = name;
        nodes[node.index] = { ...original, input: inputs };
      }
    }
  }

  const freeBatch = (v: IValueInfoProto): IValueInfoProto => {
    const dims = v.type?.tensorType?.shape?.dim;
    if (!dynamicBatch || !dims || dims.length === 0) return v;
    return {
      ...v,
      type: {
        ...v.type,
        tensorType: {
          ...v.type!.tensorType,
          shape: { dim: [{ dimParam: BATCH_DIM }, ...dims.slice(1)] },
        },
      },
    };
  };

  const outputs = (g.output ?? []).map(freeBatch);
  if (!outputs.some((o) => o.name === analysis.featureTensor)) {
    outputs.push(valueInfo(analysis.featureTensor, [dynamicBatch ? BATCH_DIM : 1, analysis.featureSize]));
  }
  const graph: IGraphProto = {
    name: g.name ?? 'graph',
    docString: g.docString ?? '',
    node: nodes,
    initializer: [...(g.initializer ?? []), ...extraInitializers],
    input: [
      ...(g.input ?? []).map((v) => (v.name === analysis.inputName ? freeBatch(v) : v)),
      // IR 3 expects every initializer to be listed as an input as well.
      ...(model.irVersion < 4
        ? extraInitializers.map((t) => valueInfo(t.name ?? '', (t.dims ?? []) as number[], 7))
        : []),
    ],
    output: outputs,
    // Intermediate shapes recorded with batch 1 would contradict a larger batch; onnxruntime infers them.
    valueInfo: [],
  };
  if (g.sparseInitializer?.length) graph.sparseInitializer = g.sparseInitializer;
  const p = model.proto;
  const bytes = encodeModel({
    irVersion: p.irVersion,
    opsetImport: p.opsetImport,
    producerName: p.producerName ?? '',
    producerVersion: p.producerVersion ?? '',
    domain: p.domain ?? '',
    modelVersion: p.modelVersion,
    docString: p.docString ?? '',
    metadataProps: p.metadataProps ?? [],
    graph,
  });
  return { bytes, dynamicBatch };
}
