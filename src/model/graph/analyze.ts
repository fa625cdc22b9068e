/**
 * Import-time checks and shape inference, without TensorFlow.js: every op supported, the graph
 * complete and ordered, one 224×224 RGB input, and a classifier (the last Gemm/MatMul before the
 * Softmax) that reads 1024 features.
 */
import { ModelError, errorMessage } from '../errors.ts';
import type { OnnxModel, OnnxNode } from '../onnx/read.ts';
import { MAX_OPSET, MIN_OPSET, SUPPORTED_OPS, isSupportedOp } from './op-table.ts';
import { OP_FAMILIES } from './ops.ts';
import { foldConvBatchNorms } from './optimize.ts';
import { lazyConst, notImplemented, type OpImpl, type ValueDesc } from './types.ts';

/** GoogLeNet's pool5 width: the fine-tuned last layer reads this many features. */
export const FEATURE_SIZE = 1024;
export const INPUT_HW = 224;

export interface ModelAnalysis {
  opset: number;
  irVersion: number;
  producer: string;
  graphName: string;
  inputName: string;
  /** ONNX order with batch 1: [1, 3, 224, 224]. */
  inputShape: number[];
  /** Graph output holding the class scores. */
  outputName: string;
  /** True when the graph ends at the classifier (no Softmax): engines apply softmax themselves. */
  outputIsLogits: boolean;
  classifierNode: string;
  classifierOp: 'Gemm' | 'MatMul';
  classifierWeight: string;
  classifierBias: string | null;
  /** The classifier's input: [N, 1024] image features. */
  featureTensor: string;
  featureSize: number;
  numClasses: number;
  /** Why the graph must run one image at a time, or null when any batch size works. */
  batchLimit: string | null;
  /** Nodes in execution order; a BatchNormalization right after a Conv is folded into it. */
  nodes: OnnxNode[];
  values: Map<string, ValueDesc>;
}

export function implFor(node: OnnxNode): OpImpl {
  const support = SUPPORTED_OPS[node.opType];
  const impl = support ? OP_FAMILIES[support.family][node.opType] : undefined;
  if (!impl || !isStandardDomain(node.domain)) throw notImplemented(node, describeOp(node));
  return impl;
}

function isStandardDomain(domain: string): boolean {
  return domain === '' || domain === 'ai.onnx';
}

function describeOp(node: OnnxNode): string {
  return isStandardDomain(node.domain) ? node.opType : `${node.domain}.${node.opType}`;
}

export interface AnalyzeOptions {
  /**
   * The classifier input width to demand; null accepts any (the exporter, whose head already
   * fixes the width). Default: GoogLeNet's 1024.
   */
  featureSize?: number | null;
}

export function analyzeModel(model: OnnxModel, opts: AnalyzeOptions = {}): ModelAnalysis {
  checkOpset(model.opset);
  checkOps(model.nodes);
  const input = checkInput(model);
  const values = new Map<string, ValueDesc>();
  for (const [name, t] of model.initializers) {
    const c = lazyConst(t);
    values.set(name, { name, shape: c.dims, batched: false, const: c });
  }
  values.set(input.name, { name: input.name, shape: input.shape, batched: true });
  const nodes = executionOrder(model, values);
  const producers = new Map<string, OnnxNode>();
  /** Outputs a node declares but the executor does not provide (Dropout's mask and the like). */
  const unprovided = new Map<string, { node: OnnxNode; index: number }>();
  let batchLimit: string | null = null;

  for (const node of nodes) {
    const inputs = node.inputs.map((name) => {
      if (name === '') return undefined;
      const v = values.get(name);
      if (v) return v;
      const missing = unprovided.get(name);
      if (missing)
        throw notImplemented(
          missing.node,
          `${missing.node.opType} output #${missing.index} (read by ${node.name})`,
        );
      throw new ModelError('bad_model', `Node ${node.name} reads tensor ${name}, which nothing produces.`);
    });
    let result;
    try {
      result = implFor(node).infer({ node, opset: model.opset, inputs });
    } catch (err) {
      if (err instanceof ModelError) throw err;
      throw new ModelError(
        'bad_model',
        `Node ${node.name} (${node.opType}) is invalid: ${errorMessage(err)}`,
        {
          cause: err,
        },
      );
    }
    node.outputs.forEach((name, k) => {
      if (name === '') return;
      producers.set(name, node);
      const out = result.outputs[k];
      if (out) values.set(name, { name, ...out });
      else unprovided.set(name, { node, index: k });
    });
    batchLimit ??= result.batchLimit ?? null;
  }

  const classifier = findClassifier(
    model,
    producers,
    values,
    opts.featureSize === undefined ? FEATURE_SIZE : opts.featureSize,
  );
  const keep = new Set([classifier.featureTensor, classifier.outputName]);
  return {
    opset: model.opset,
    irVersion: model.irVersion,
    producer: model.producer,
    graphName: model.proto.graph?.name ?? '',
    inputName: input.name,
    inputShape: input.shape,
    ...classifier,
    batchLimit,
    nodes: foldConvBatchNorms(nodes, values, model.opset, keep),
    values,
  };
}

function checkOpset(opset: number): void {
  if (opset < MIN_OPSET || opset > MAX_OPSET) {
    throw new ModelError(
      'unsupported_opset',
      `The model uses ONNX opset ${opset}; Incept runs opsets ${MIN_OPSET}–${MAX_OPSET}. ` +
        'Convert it (onnx.version_converter) or use the ONNX Model Zoo googlenet-7.onnx.',
    );
  }
}

function checkOps(nodes: OnnxNode[]): void {
  const bad = nodes.filter((n) => !isStandardDomain(n.domain) || !isSupportedOp(n.opType));
  const first = bad[0];
  if (!first) return;
  const others = [...new Set(bad.slice(1).map(describeOp))].filter((t) => t !== describeOp(first));
  const err = notImplemented(first, describeOp(first));
  if (others.length > 0) err.message += ` Also not implemented: ${others.join(', ')}.`;
  throw err;
}

function checkInput(model: OnnxModel): { name: string; shape: number[] } {
  if (model.inputs.length !== 1) {
    throw new ModelError(
      'bad_model',
      `The model has ${model.inputs.length} inputs (${model.inputs.map((i) => i.name).join(', ')}); ` +
        'Incept needs an image classifier with one image input.',
    );
  }
  const input = model.inputs[0]!;
  const dims = input.dims;
  const fixed = (i: number, want: number) => typeof dims[i] !== 'number' || dims[i] === want;
  if (
    input.elemType !== 1 ||
    dims.length !== 4 ||
    !fixed(1, 3) ||
    !fixed(2, INPUT_HW) ||
    !fixed(3, INPUT_HW)
  ) {
    throw new ModelError(
      'bad_model',
      `The model's input ${input.name} is [${dims.map((d) => d ?? '?').join(', ')}]` +
        (input.elemType !== 1 ? ` of element type ${input.elemType}` : '') +
        `; Incept needs a float input of shape [N, 3, ${INPUT_HW}, ${INPUT_HW}] like GoogLeNet's.`,
    );
  }
  return { name: input.name, shape: [1, 3, INPUT_HW, INPUT_HW] };
}

/** Nodes in an order where every input exists before it is read (ONNX requires it; not all files comply). */
function executionOrder(model: OnnxModel, values: Map<string, ValueDesc>): OnnxNode[] {
  const available = new Set(values.keys());
  const ordered: OnnxNode[] = [];
  let pending = model.nodes;
  while (pending.length > 0) {
    const next: OnnxNode[] = [];
    for (const node of pending) {
      if (node.inputs.every((n) => n === '' || available.has(n))) {
        ordered.push(node);
        for (const o of node.outputs) if (o !== '') available.add(o);
      } else {
        next.push(node);
      }
    }
    if (next.length === pending.length) {
      const node = next[0]!;
      const missing = node.inputs.find((n) => n !== '' && !available.has(n));
      throw new ModelError(
        'bad_model',
        `Node ${node.name} reads tensor ${missing}, which no node, initializer or input produces (or the graph has a cycle). The model file is incomplete or corrupt.`,
      );
    }
    pending = next;
  }
  return ordered;
}

const PASS_THROUGH = new Set(['Identity', 'Dropout', 'Reshape', 'Flatten']);

type Classifier = Pick<
  ModelAnalysis,
  | 'outputName'
  | 'outputIsLogits'
  | 'classifierNode'
  | 'classifierOp'
  | 'classifierWeight'
  | 'classifierBias'
  | 'featureTensor'
  | 'featureSize'
  | 'numClasses'
>;

/** Walks back from each graph output: [Softmax] ← [pass-through / bias Add]* ← Gemm | MatMul. */
function findClassifier(
  model: OnnxModel,
  producers: Map<string, OnnxNode>,
  values: Map<string, ValueDesc>,
  featureSize: number | null,
): Classifier {
  for (const output of model.outputs) {
    let name = output.name;
    let softmax = false;
    let bias: string | null = null;
    for (let step = 0; step < 16; step++) {
      const node = producers.get(name);
      if (!node) break;
      const x = node.inputs[0] ?? '';
      if (node.opType === 'Softmax' && !softmax) {
        softmax = true;
        name = x;
      } else if (PASS_THROUGH.has(node.opType)) {
        name = x;
      } else if (node.opType === 'Add' && bias === null) {
        const constant = node.inputs.find((n) => values.get(n)?.const);
        const other = node.inputs.find((n) => n !== constant);
        if (!constant || !other) break;
        bias = constant;
        name = other;
      } else if (
        (node.opType === 'Gemm' || node.opType === 'MatMul') &&
        values.get(node.inputs[1] ?? '')?.const
      ) {
        return classifierAt(node, output.name, softmax, bias, values, featureSize);
      } else {
        break;
      }
    }
  }
  throw new ModelError(
    'no_classifier',
    'Could not find the classifier: Incept looks for a final Gemm or MatMul layer with constant weights ' +
      '(optionally followed by Softmax) that produces the model output. Use an ImageNet GoogLeNet such as ' +
      "the ONNX Model Zoo's googlenet-7.onnx.",
  );
}

function classifierAt(
  node: OnnxNode,
  outputName: string,
  softmax: boolean,
  addBias: string | null,
  values: Map<string, ValueDesc>,
  featureSize: number | null,
): Classifier {
  const featureTensor = node.inputs[0] ?? '';
  const features = values.get(featureTensor);
  const scores = values.get(node.outputs[0] ?? '');
  const width = features?.shape.length === 2 ? (features.shape[1] as number) : null;
  if (!features || !features.batched || width === null) {
    throw new ModelError(
      'no_classifier',
      `The classifier ${node.name} reads ${featureTensor} of shape [${features?.shape.join(', ') ?? '?'}], ` +
        `not a row of ${FEATURE_SIZE} image features. Use an ImageNet GoogLeNet such as the ONNX Model Zoo's googlenet-7.onnx.`,
    );
  }
  if (featureSize !== null && width !== featureSize) {
    throw new ModelError(
      'no_classifier',
      `The classifier ${node.name} reads ${width} features, but Incept fine-tunes a GoogLeNet last layer ` +
        `that reads ${featureSize}. Use an ImageNet GoogLeNet such as the ONNX Model Zoo's googlenet-7.onnx.`,
    );
  }
  const numClasses = scores?.shape.length === 2 ? (scores.shape[1] as number) : 0;
  if (numClasses < 2) {
    throw new ModelError(
      'no_classifier',
      `The classifier ${node.name} does not output a row of class scores.`,
    );
  }
  return {
    outputName,
    outputIsLogits: !softmax,
    classifierNode: node.name,
    classifierOp: node.opType as 'Gemm' | 'MatMul',
    classifierWeight: node.inputs[1] ?? '',
    classifierBias: node.opType === 'Gemm' ? node.inputs[2] || null : addBias,
    featureTensor,
    featureSize: width,
    numClasses,
  };
}
