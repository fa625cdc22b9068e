/**
 * Op-level oracle, for import and export alike: small graphs, each exercising one op variant (asymmetric pads, ceil_mode,
 * count_include_pad, groups, folding, legacy opsets...), run by the tfjs executor (wasm) and by
 * onnxruntime-node. Every graph ends in a 1024-wide classifier so it goes through the real importer:
 *
 *   data_0 → AveragePool 16/16 → Conv 1×1 (3→8) = x [N, 8, 14, 14] → <case> → Flatten →
 *   Gemm → Relu (features, 1024) → classifier → Softmax
 *
 * Each case is then exported with a fine-tuned head, to TF.js and to ONNX, and the stock loaders
 * (tfjs-converter, onnxruntime) must give onnxruntime's features → head → softmax. Together the
 * cases use every op the importer accepts, so whatever import accepts, export writes.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Tensor } from '@tensorflow/tfjs';
import ort from 'onnxruntime-node';
import { buildOnnxModel } from '../../../src/export/onnx-export.ts';
import { buildTfGraph, exportBatch } from '../../../src/export/tfjs-graph.ts';
import { packWeights } from '../../../src/export/tfjs-weights.ts';
import { createEngine } from '../../../src/model/engines/registry.ts';
import { analyzeModel } from '../../../src/model/graph/analyze.ts';
import { SUPPORTED_OPS } from '../../../src/model/graph/op-table.ts';
import { OP_FAMILIES } from '../../../src/model/graph/ops.ts';
import { decodeModel } from '../../../src/model/onnx/read.ts';
import { useWasmBackend } from '../../../src/model/tfjs-runtime.ts';
import {
  attr,
  encodeModel,
  floatTensor,
  int64Tensor,
  irVersionForOpset,
  makeModel,
  makeNode,
  valueInfo,
  type AttrSpec,
} from '../../../src/model/onnx/write.ts';
import type { INodeProto, ITensorProto } from '../../../src/model/onnx/proto.ts';
import { maxAbsDiff, relDiff } from '../../fixtures/compare.ts';
import { randomInput, seededRandom } from '../../fixtures/googlenet.ts';

interface Builder {
  opset: number;
  node(op: string, inputs: string[], outputs: string[], attrs?: Record<string, AttrSpec>): void;
  weight(name: string, dims: number[], std?: number, mean?: number): string;
  ints(name: string, values: number[]): string;
}

interface OpCase {
  name: string;
  /** Opset of the model the executor imports. Default 11. */
  opset?: number;
  /** Opset of the model onnxruntime runs (same weights); for legacy opsets onnxruntime lacks. */
  referenceOpset?: number;
  batch?: number;
  /** From x [N, 8, 14, 14] to the returned tensor of per-image shape `shape`. */
  body(b: Builder): { y: string; shape: number[]; flattenAxis?: number };
  classifier?: 'gemm' | 'gemm-alpha-beta' | 'gemm-untransposed' | 'matmul-add';
  softmax?: boolean;
}

function buildModel(c: OpCase, opset: number): Uint8Array {
  const rng = seededRandom(99);
  const nodes: INodeProto[] = [];
  const inits: ITensorProto[] = [];
  const b: Builder = {
    opset,
    node: (op, inputs, outputs, attrs = {}) => void nodes.push(makeNode(op, inputs, outputs, attrs)),
    weight: (name, dims, std = 1, mean = 0) => {
      const data = new Float32Array(dims.reduce((a, d) => a * d, 1));
      for (let i = 0; i < data.length; i++) data[i] = mean + std * rng.normal();
      inits.push(floatTensor(name, dims, data));
      return name;
    },
    ints: (name, values) => {
      inits.push(int64Tensor(name, [values.length], values));
      return name;
    },
  };
  b.node('AveragePool', ['data_0'], ['pooled'], {
    kernel_shape: attr.ints([16, 16]),
    strides: attr.ints([16, 16]),
  });
  b.node(
    'Conv',
    ['pooled', b.weight('stem_w', [8, 3, 1, 1], Math.sqrt(2 / 3)), b.weight('stem_b', [8], 1)],
    ['x'],
    {
      kernel_shape: attr.ints([1, 1]),
    },
  );
  const { y, shape, flattenAxis = 1 } = c.body(b);
  const k = shape.reduce((a, d) => a * d, 1);
  b.node('Flatten', [y], ['flat'], { axis: attr.int(flattenAxis) });
  b.node(
    'Gemm',
    ['flat', b.weight('fc_w', [1024, k], Math.sqrt(2 / k)), b.weight('fc_b', [1024], 0.5)],
    ['fc'],
    {
      transB: attr.int(1),
      ...(opset < 7 ? { broadcast: attr.int(1) } : {}),
    },
  );
  b.node('Relu', ['fc'], ['features']);
  const classes = 10;
  const kind = c.classifier ?? 'gemm';
  if (kind === 'matmul-add') {
    b.node('MatMul', ['features', b.weight('cls_w', [1024, classes], 0.003)], ['cls_mm']);
    b.node('Add', ['cls_mm', b.weight('cls_b', [classes], 0.1)], ['logits']);
  } else {
    const untransposed = kind === 'gemm-untransposed';
    const w = b.weight('cls_w', untransposed ? [1024, classes] : [classes, 1024], 0.003);
    const attrs: Record<string, AttrSpec> = untransposed ? {} : { transB: attr.int(1) };
    if (kind === 'gemm-alpha-beta') Object.assign(attrs, { alpha: attr.float(0.5), beta: attr.float(2) });
    if (opset < 7) attrs.broadcast = attr.int(1);
    b.node('Gemm', ['features', w, b.weight('cls_b', [1, classes], 0.1)], ['logits'], attrs);
  }
  const softmax = c.softmax ?? true;
  if (softmax) b.node('Softmax', ['logits'], ['prob'], opset >= 13 ? { axis: attr.int(1) } : {});
  const irVersion = irVersionForOpset(opset);
  return encodeModel(
    makeModel({
      irVersion,
      opset,
      graph: {
        name: c.name,
        node: nodes,
        initializer: inits,
        // IR 3 lists initializers as inputs too.
        input: [
          valueInfo('data_0', [1, 3, 224, 224]),
          ...(irVersion < 4
            ? inits.map((t) => valueInfo(t.name ?? '', (t.dims ?? []) as number[], t.dataType ?? 1))
            : []),
        ],
        output: [valueInfo(softmax ? 'prob' : 'logits', [1, classes])],
      },
    }),
  );
}

const conv = (
  b: Builder,
  x: string,
  y: string,
  cin: number,
  cout: number,
  k: number,
  attrs: Record<string, AttrSpec> = {},
  group = 1,
) => {
  b.node(
    'Conv',
    [
      x,
      b.weight(`${y}_w`, [cout, cin / group, k, k], Math.sqrt(2 / ((cin / group) * k * k))),
      b.weight(`${y}_b`, [cout], 0.5),
    ],
    [y],
    {
      kernel_shape: attr.ints([k, k]),
      ...(group > 1 ? { group: attr.int(group) } : {}),
      ...attrs,
    },
  );
  return y;
};

const CASES: OpCase[] = [
  {
    name: 'Conv stride 2, asymmetric pads',
    body: (b) => ({
      y: conv(b, 'x', 'y', 8, 6, 3, { strides: attr.ints([2, 2]), pads: attr.ints([1, 0, 0, 1]) }),
      shape: [6, 7, 7],
    }),
  },
  {
    name: 'Conv dilation 2',
    body: (b) => ({
      y: conv(b, 'x', 'y', 8, 6, 3, { dilations: attr.ints([2, 2]), pads: attr.ints([2, 2, 2, 2]) }),
      shape: [6, 14, 14],
    }),
  },
  {
    name: 'Conv group 2',
    body: (b) => ({
      y: conv(b, 'x', 'y', 8, 6, 3, { pads: attr.ints([1, 1, 1, 1]) }, 2),
      shape: [6, 14, 14],
    }),
  },
  {
    name: 'depthwise Conv, multiplier 2, stride 2',
    body: (b) => ({
      y: conv(b, 'x', 'y', 8, 16, 3, { strides: attr.ints([2, 2]), pads: attr.ints([1, 1, 1, 1]) }, 8),
      shape: [16, 7, 7],
    }),
  },
  {
    name: 'depthwise Conv, asymmetric pads',
    body: (b) => ({
      y: conv(b, 'x', 'y', 8, 8, 3, { pads: attr.ints([0, 0, 1, 1]) }, 8),
      shape: [8, 13, 13],
    }),
  },
  {
    name: 'Conv auto_pad SAME_UPPER stride 2 / SAME_LOWER',
    body: (b) => {
      conv(b, 'x', 'u', 8, 6, 4, { auto_pad: attr.string('SAME_UPPER'), strides: attr.ints([2, 2]) });
      return { y: conv(b, 'u', 'y', 6, 6, 4, { auto_pad: attr.string('SAME_LOWER') }), shape: [6, 7, 7] };
    },
  },
  {
    name: 'MaxPool 3/2 with Caffe pads [0,0,1,1] on negative values',
    body: (b) => {
      b.node('MaxPool', ['x'], ['y'], {
        kernel_shape: attr.ints([3, 3]),
        strides: attr.ints([2, 2]),
        pads: attr.ints([0, 0, 1, 1]),
      });
      return { y: 'y', shape: [8, 7, 7] };
    },
  },
  {
    name: 'MaxPool pads not matching TF same (explicit -Infinity padding)',
    body: (b) => {
      b.node('MaxPool', ['x'], ['y'], {
        kernel_shape: attr.ints([2, 2]),
        strides: attr.ints([2, 2]),
        pads: attr.ints([1, 1, 0, 0]),
      });
      return { y: 'y', shape: [8, 7, 7] };
    },
  },
  {
    name: 'MaxPool ceil_mode (opset 10+)',
    body: (b) => {
      b.node('MaxPool', ['x'], ['y'], {
        kernel_shape: attr.ints([3, 3]),
        strides: attr.ints([2, 2]),
        ceil_mode: attr.int(1),
      });
      return { y: 'y', shape: [8, 7, 7] };
    },
  },
  {
    name: 'AveragePool pads, count_include_pad 0 and 1',
    body: (b) => {
      b.node('AveragePool', ['x'], ['a'], { kernel_shape: attr.ints([3, 3]), pads: attr.ints([1, 1, 1, 1]) });
      b.node('AveragePool', ['x'], ['c'], {
        kernel_shape: attr.ints([3, 3]),
        pads: attr.ints([1, 2, 1, 0]),
        count_include_pad: attr.int(1),
      });
      b.node('Concat', ['a', 'c'], ['y'], { axis: attr.int(1) });
      return { y: 'y', shape: [16, 14, 14] };
    },
  },
  {
    name: 'AveragePool ceil_mode with pads',
    body: (b) => {
      b.node('AveragePool', ['x'], ['a'], {
        kernel_shape: attr.ints([3, 3]),
        strides: attr.ints([2, 2]),
        pads: attr.ints([1, 1, 1, 1]),
        ceil_mode: attr.int(1),
      });
      b.node('AveragePool', ['x'], ['c'], {
        kernel_shape: attr.ints([3, 3]),
        strides: attr.ints([2, 2]),
        pads: attr.ints([1, 1, 1, 1]),
        ceil_mode: attr.int(1),
        count_include_pad: attr.int(1),
      });
      b.node('Concat', ['a', 'c'], ['y'], { axis: attr.int(1) });
      return { y: 'y', shape: [16, 8, 8] };
    },
  },
  {
    name: 'LRN size 3',
    body: (b) => {
      b.node('LRN', ['x'], ['y'], {
        size: attr.int(3),
        alpha: attr.float(0.001),
        beta: attr.float(0.6),
        bias: attr.float(2),
      });
      return { y: 'y', shape: [8, 14, 14] };
    },
  },
  {
    name: 'Conv → BatchNormalization → Relu (folded) and a standalone BatchNormalization',
    body: (b) => {
      conv(b, 'x', 'c', 8, 8, 3, { pads: attr.ints([1, 1, 1, 1]) });
      const bn = (x: string, y: string) =>
        b.node(
          'BatchNormalization',
          [
            x,
            b.weight(`${y}_g`, [8], 0.3, 1),
            b.weight(`${y}_beta`, [8], 0.5),
            b.weight(`${y}_m`, [8], 2),
            b.weight(`${y}_v`, [8], 0.5, 3),
          ],
          [y],
          { epsilon: attr.float(1e-3) },
        );
      bn('c', 'n');
      b.node('Relu', ['n'], ['r']);
      b.node('MaxPool', ['r'], ['p'], { kernel_shape: attr.ints([2, 2]), strides: attr.ints([2, 2]) });
      bn('p', 'y');
      return { y: 'y', shape: [8, 7, 7] };
    },
  },
  {
    name: 'Add/Mul/Sub/Div with broadcast constants and two image tensors',
    body: (b) => {
      b.node('Add', ['x', b.weight('bias', [8, 1, 1], 5)], ['a']);
      b.node('Mul', ['a', b.weight('scale', [1, 14], 0.5, 1)], ['m']);
      b.node('Sub', ['m', 'x'], ['s']);
      b.node('Div', ['s', b.weight('div', [1], 0.1, 2)], ['y']);
      return { y: 'y', shape: [8, 14, 14] };
    },
  },
  {
    name: 'GlobalAveragePool and GlobalMaxPool, Concat',
    body: (b) => {
      b.node('GlobalAveragePool', ['x'], ['g']);
      b.node('GlobalMaxPool', ['x'], ['h']);
      b.node('Concat', ['g', 'h'], ['y'], { axis: attr.int(1) });
      return { y: 'y', shape: [16, 1, 1] };
    },
  },
  {
    name: 'Softmax over channels (opset 13) and Reshape with batch kept',
    opset: 13,
    body: (b) => {
      b.node('Softmax', ['x'], ['s'], { axis: attr.int(1) });
      b.node('Reshape', ['s', b.ints('shape', [1, 8, 196])], ['y']);
      return { y: 'y', shape: [8, 196] };
    },
  },
  {
    name: 'Softmax opset 11 flattening from axis 2, Identity, Dropout with mask',
    body: (b) => {
      b.node('Softmax', ['x'], ['s'], { axis: attr.int(2) });
      b.node('Identity', ['s'], ['i']);
      b.node('Dropout', ['i'], ['y', 'mask'], { ratio: attr.float(0.5) });
      return { y: 'y', shape: [8, 14, 14] };
    },
  },
  {
    name: 'Dropout with ratio input (opset 12), Reshape [0, -1]',
    opset: 12,
    body: (b) => {
      b.node('Dropout', ['x', b.weight('ratio', [], 0, 0.3)], ['d']);
      b.node('Reshape', ['d', b.ints('shape', [0, -1])], ['y']);
      return { y: 'y', shape: [1568] };
    },
  },
  {
    name: 'Flatten axis 0 mixes the batch: run one image at a time',
    batch: 3,
    body: (b) => {
      b.node('MaxPool', ['x'], ['y'], { kernel_shape: attr.ints([2, 2]), strides: attr.ints([2, 2]) });
      return { y: 'y', shape: [8, 7, 7], flattenAxis: 0 };
    },
  },
  {
    name: 'Sum of three tensors with a Constant node, grouped Conv with asymmetric pads',
    body: (b) => {
      b.node('Constant', [], ['k'], {
        value: attr.tensor(
          floatTensor(
            'k',
            [8, 1, 1],
            Float32Array.from({ length: 8 }, (_, i) => i - 3),
          ),
        ),
      });
      b.node('Sum', ['x', 'k', 'x'], ['s']);
      conv(b, 's', 'y', 8, 12, 3, { pads: attr.ints([0, 1, 2, 1]) }, 4);
      return { y: 'y', shape: [12, 14, 14] };
    },
  },
  {
    name: 'classifier Gemm with alpha and beta',
    classifier: 'gemm-alpha-beta',
    body: () => ({ y: 'x', shape: [8, 14, 14] }),
  },
  {
    name: 'classifier Gemm without transB',
    classifier: 'gemm-untransposed',
    body: () => ({ y: 'x', shape: [8, 14, 14] }),
  },
  {
    name: 'classifier MatMul + Add, no Softmax (logits)',
    classifier: 'matmul-add',
    softmax: false,
    body: () => ({ y: 'x', shape: [8, 14, 14] }),
  },
  {
    name: 'opset 3: Reshape shape attribute, legacy broadcast, Dropout is_test (onnxruntime runs the opset 7 twin)',
    opset: 3,
    referenceOpset: 7,
    body: (b) => {
      const legacy = b.opset < 7 ? { broadcast: attr.int(1), axis: attr.int(1) } : {};
      b.node('Add', ['x', b.weight('bias', b.opset < 7 ? [8] : [8, 1, 1], 5)], ['a'], legacy);
      b.node('Dropout', ['a'], ['d'], b.opset < 7 ? { is_test: attr.int(1) } : {});
      if (b.opset < 5) b.node('Reshape', ['d'], ['y'], { shape: attr.ints([1, 8, 196]) });
      else b.node('Reshape', ['d', b.ints('shape', [1, 8, 196])], ['y']);
      return { y: 'y', shape: [8, 196] };
    },
  },
];

/** softmax(f·W + b) in float64, one row per image. */
function headReference(
  features: Float32Array,
  head: { weights: Float32Array; bias: Float32Array },
): Float32Array {
  const c = head.bias.length;
  const d = head.weights.length / c;
  const n = features.length / d;
  const out = new Float32Array(n * c);
  for (let r = 0; r < n; r++) {
    const logits = Array.from(head.bias, Number);
    for (let k = 0; k < d; k++) {
      const f = features[r * d + k] as number;
      for (let j = 0; j < c; j++) logits[j] = (logits[j] as number) + f * (head.weights[k * c + j] as number);
    }
    const max = Math.max(...logits);
    const e = logits.map((l) => Math.exp(l - max));
    const sum = e.reduce((a, b) => a + b, 0);
    e.forEach((v, j) => (out[r * c + j] = v / sum));
  }
  return out;
}

/** A head whose classes split these images: weights scaled to the features' spread. */
function headFor(features: Float32Array, n: number) {
  const d = features.length / n;
  const rng = seededRandom(5);
  let spread = 0;
  for (let k = 0; k < d; k++) {
    let mean = 0;
    for (let r = 0; r < n; r++) mean += (features[r * d + k] as number) / n;
    for (let r = 0; r < n; r++) spread += ((features[r * d + k] as number) - mean) ** 2;
  }
  const std = 3 / Math.sqrt(spread / n || 1);
  const weights = Float32Array.from({ length: d * 3 }, () => std * rng.normal());
  return { weights, bias: Float32Array.of(0.1, -0.2, 0.3) };
}

function nchw(input: Float32Array, n: number): Float32Array {
  const out = new Float32Array(input.length);
  const pixels = 224 * 224;
  for (let b = 0; b < n; b++)
    for (let p = 0; p < pixels; p++)
      for (let ch = 0; ch < 3; ch++)
        out[b * 3 * pixels + ch * pixels + p] = input[b * 3 * pixels + p * 3 + ch] as number;
  return out;
}

/** Exports with a head and runs both files with the stock loaders, image by image when batch is fixed. */
async function exportedProbabilities(
  bytes: Uint8Array,
  head: { weights: Float32Array; bias: Float32Array },
  input: Float32Array,
  n: number,
): Promise<{ tfjs: Float32Array; onnx: Float32Array }> {
  const model = decodeModel(bytes);
  const analysis = analyzeModel(model);
  const per = exportBatch(analysis) === -1 ? n : 1;
  const tf = await useWasmBackend();
  const graph = buildTfGraph(analysis, head, { preprocessing: false });
  const packed = packWeights(graph.weights, 'none');
  const loaded = await tf.loadGraphModel(
    tf.io.fromMemory({
      modelTopology: graph.modelTopology,
      weightSpecs: packed.manifest.flatMap((g) => g.weights),
      weightData: packed.shards.map((s) => s.data.slice().buffer),
      format: 'graph-model',
      signature: graph.signature,
    } as never),
  );
  const onnx = buildOnnxModel(model, analysis, head, {
    preprocessing: false,
    labels: ['a', 'b', 'c'],
    appVersion: 'test',
  });
  const session = await ort.InferenceSession.create(onnx.bytes);
  const size = 224 * 224 * 3;
  const out = { tfjs: new Float32Array(n * 3), onnx: new Float32Array(n * 3) };
  try {
    for (let at = 0; at < n; at += per) {
      const x = input.subarray(at * size, (at + per) * size);
      const t = tf.tensor4d(x, [per, 224, 224, 3]);
      const y = loaded.predict(t) as Tensor;
      out.tfjs.set(await y.data(), at * 3);
      tf.dispose([t, y]);
      const r = await session.run({
        [onnx.input.name]: new ort.Tensor('float32', nchw(x, per), [per, 3, 224, 224]),
      });
      out.onnx.set(r[onnx.output.name]!.data as Float32Array, at * 3);
    }
  } finally {
    loaded.dispose();
    await session.release();
  }
  return out;
}

for (const c of CASES) {
  test(c.name, async (t) => {
    const opset = c.opset ?? 11;
    const batch = c.batch ?? 2;
    const mine = (await createEngine(buildModel(c, opset), { engine: 'wasm' })).engine;
    const reference = (
      await createEngine(buildModel(c, c.referenceOpset ?? opset), { engine: 'onnxruntime' })
    ).engine;
    try {
      const input = randomInput(batch, 3);
      const want = await reference.infer(input, batch);
      const got = await mine.infer(input, batch);
      const p = maxAbsDiff(got.probabilities, want.probabilities);
      const f = relDiff(got.features, want.features);
      t.diagnostic(`max |Δprob| ${p.toExponential(2)}, features relative ${f.toExponential(2)}`);
      assert.ok(p <= 1e-4, `probabilities differ by ${p}`);
      assert.ok(f <= 1e-4, `features differ by ${f} (relative)`);
      const sum = got.probabilities.subarray(0, 10).reduce((s, v) => s + v, 0);
      assert.ok(Math.abs(sum - 1) < 1e-4);

      const head = headFor(want.features, batch);
      const expected = headReference(want.features, head);
      const exported = await exportedProbabilities(buildModel(c, opset), head, input, batch);
      for (const format of ['tfjs', 'onnx'] as const) {
        const d = maxAbsDiff(exported[format], expected);
        t.diagnostic(`exported ${format}: max |Δprob| ${d.toExponential(2)}`);
        assert.ok(d <= 1e-4, `exported ${format} probabilities differ by ${d}`);
      }
    } finally {
      await mine.dispose();
      await reference.dispose();
    }
  });
}

test('the cases use every op the importer accepts, so every one of them is exported above', () => {
  const used = new Set(
    CASES.flatMap((c) => decodeModel(buildModel(c, c.opset ?? 11)).nodes.map((n) => n.opType)),
  );
  assert.deepEqual([...used].sort(), Object.keys(SUPPORTED_OPS).sort());
});

test('every op in the table writes TF.js and ONNX', () => {
  for (const [op, support] of Object.entries(SUPPORTED_OPS)) {
    const impl = OP_FAMILIES[support.family][op];
    assert.ok(impl, `${op} has an implementation`);
    for (const f of ['infer', 'build', 'toTfjs', 'toOnnx'] as const)
      assert.equal(typeof impl[f], 'function', `${op}.${f}`);
  }
});
