/**
 * Load-time rewrites for the tfjs executor: BatchNormalization folded into the Conv before it,
 * and Relu fused into the Conv (tf.fused.conv2d), saving a pass over every activation.
 */
import type { OnnxNode } from '../onnx/read.ts';
import { FUSED_ACTIVATION_ATTR } from './conv.ts';
import { batchNormAffine } from './normalization.ts';
import { constData, type ValueDesc } from './types.ts';

export interface OptimizedGraph {
  nodes: OnnxNode[];
  values: Map<string, ValueDesc>;
}

/**
 * Folds every BatchNormalization that is the sole reader of a Conv into that Conv's weights and
 * bias: exact up to float rounding, and afterwards the network is plain convolutions, which every
 * runtime and both exporters handle. `values` gains the folded weights.
 */
export function foldConvBatchNorms(
  nodes: OnnxNode[],
  values: Map<string, ValueDesc>,
  opset: number,
  keep: ReadonlySet<string>,
): OnnxNode[] {
  const consumers = consumerMap(nodes);
  const removed = new Set<OnnxNode>();
  const result: OnnxNode[] = [];
  for (const node of nodes) {
    if (removed.has(node)) continue;
    const bn = node.opType === 'Conv' ? soleReader(consumers, keep, node.outputs[0]) : undefined;
    const folded = bn?.opType === 'BatchNormalization' ? foldBatchNorm(node, bn, values, opset) : null;
    if (folded) removed.add(bn!);
    result.push(folded ?? node);
  }
  return result;
}

function consumerMap(nodes: OnnxNode[]): Map<string, OnnxNode[]> {
  const consumers = new Map<string, OnnxNode[]>();
  for (const node of nodes) {
    for (const name of node.inputs) {
      if (name !== '') consumers.set(name, [...(consumers.get(name) ?? []), node]);
    }
  }
  return consumers;
}

function soleReader(
  consumers: Map<string, OnnxNode[]>,
  keep: ReadonlySet<string>,
  name: string | undefined,
): OnnxNode | undefined {
  if (name === undefined || keep.has(name)) return undefined;
  const list = consumers.get(name);
  return list?.length === 1 && list[0]!.inputs[0] === name ? list[0] : undefined;
}

/** `keep`: tensors that must stay observable (requested outputs), so nothing is fused across them. */
export function fuseConvChains(
  nodes: OnnxNode[],
  values: ReadonlyMap<string, ValueDesc>,
  opset: number,
  keep: ReadonlySet<string>,
): OptimizedGraph {
  const out = new Map(values);
  const consumers = new Map<string, OnnxNode[]>();
  for (const node of nodes) {
    for (const name of node.inputs) {
      if (name !== '') consumers.set(name, [...(consumers.get(name) ?? []), node]);
    }
  }
  const soleConsumer = (name: string | undefined): OnnxNode | undefined => {
    if (name === undefined || keep.has(name)) return undefined;
    const list = consumers.get(name);
    return list?.length === 1 && list[0]!.inputs[0] === name ? list[0] : undefined;
  };

  const removed = new Set<OnnxNode>();
  const result: OnnxNode[] = [];
  for (const node of nodes) {
    if (removed.has(node)) continue;
    if (node.opType !== 'Conv' || node.outputs.length !== 1) {
      result.push(node);
      continue;
    }
    let conv = node;
    const bn = soleConsumer(conv.outputs[0]);
    if (bn?.opType === 'BatchNormalization') {
      const folded = foldBatchNorm(conv, bn, out, opset);
      if (folded) {
        conv = folded;
        removed.add(bn);
      }
    }
    const relu = soleConsumer(conv.outputs[0]);
    if (relu?.opType === 'Relu') {
      conv = {
        ...conv,
        outputs: [...relu.outputs],
        attrs: new Map(conv.attrs).set(FUSED_ACTIVATION_ATTR, 'relu'),
      };
      removed.add(relu);
    }
    result.push(conv);
  }
  return { nodes: result, values: out };
}

function foldBatchNorm(
  conv: OnnxNode,
  bn: OnnxNode,
  values: Map<string, ValueDesc>,
  opset: number,
): OnnxNode | null {
  const w = values.get(conv.inputs[1] ?? '');
  const b = conv.inputs[2] ? values.get(conv.inputs[2]) : undefined;
  if (!w?.const || (conv.inputs[2] && !b?.const)) return null;
  let affine;
  try {
    affine = batchNormAffine({
      node: bn,
      opset,
      inputs: bn.inputs.map((n) => (n ? values.get(n) : undefined)),
    });
  } catch {
    return null; // Not foldable: the BatchNormalization kernel reports the problem itself.
  }
  const { scale, shift } = affine;
  const outChannels = w.shape[0] as number;
  if (scale.length !== outChannels) return null;
  const block = w.const.values.length / outChannels;
  const wData = new Float32Array(w.const.values);
  const bias = b?.const ? Float32Array.from(b.const.values) : new Float32Array(outChannels);
  for (let o = 0; o < outChannels; o++) {
    const s = scale[o] as number;
    for (let i = o * block; i < (o + 1) * block; i++) wData[i] = (wData[i] as number) * s;
    bias[o] = (bias[o] as number) * s + (shift[o] as number);
  }
  const wName = `${bn.name}::folded_w`;
  const bName = `${bn.name}::folded_b`;
  values.set(wName, { name: wName, shape: w.shape, batched: false, const: constData(w.shape, wData) });
  values.set(bName, {
    name: bName,
    shape: [outChannels],
    batched: false,
    const: constData([outChannels], bias),
  });
  return { ...conv, inputs: [conv.inputs[0] ?? '', wName, bName], outputs: [bn.outputs[0] ?? ''] };
}
