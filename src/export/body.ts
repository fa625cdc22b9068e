/**
 * The part of the imported network both exporters write: every node the classifier's input
 * depends on, in execution order, as the importer analysed it (BatchNormalization already folded).
 * Nodes whose outputs are all constants write nothing: their values are written where read.
 */
import { implFor, type ModelAnalysis } from '../model/graph/analyze.ts';
import type { OpImpl, ValueDesc } from '../model/graph/types.ts';
import type { OnnxNode } from '../model/onnx/read.ts';

export interface BodyStep {
  node: OnnxNode;
  impl: OpImpl;
  inputs: (ValueDesc | undefined)[];
  /** The outputs the op provides (trailing optional ones such as Dropout's mask left out). */
  outputs: ValueDesc[];
}

export function exportBody(a: ModelAnalysis): BodyStep[] {
  const producer = new Map<string, OnnxNode>();
  for (const node of a.nodes) for (const o of node.outputs) if (o !== '') producer.set(o, node);
  const needed = new Set<OnnxNode>();
  const stack = [a.featureTensor];
  while (stack.length > 0) {
    const node = producer.get(stack.pop()!);
    if (!node || needed.has(node)) continue;
    needed.add(node);
    for (const i of node.inputs) if (i !== '' && !a.values.get(i)?.const) stack.push(i);
  }
  const steps: BodyStep[] = [];
  for (const node of a.nodes) {
    if (!needed.has(node)) continue;
    const outputs = node.outputs.map((n) => (n ? a.values.get(n) : undefined));
    if (outputs.every((o) => o === undefined || o.const)) continue;
    steps.push({
      node,
      impl: implFor(node),
      inputs: node.inputs.map((n) => (n ? a.values.get(n) : undefined)),
      outputs: outputs.filter((o): o is ValueDesc => o !== undefined),
    });
  }
  return steps;
}
