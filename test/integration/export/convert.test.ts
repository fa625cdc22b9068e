import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { Tensor } from '@tensorflow/tfjs';
import ort from 'onnxruntime-node';
import { analyzeModel } from '../../../src/model/graph/analyze.ts';
import { buildOnnxModel } from '../../../src/export/onnx-export.ts';
import { buildTfGraph } from '../../../src/export/tfjs-graph.ts';
import { packWeights } from '../../../src/export/tfjs-weights.ts';
import { ModelError } from '../../../src/model/errors.ts';
import { decodeModel } from '../../../src/model/onnx/read.ts';
import {
  attr,
  encodeModel,
  floatTensor,
  makeModel,
  makeNode,
  valueInfo,
} from '../../../src/model/onnx/write.ts';
import { decodeRgb224, toModelInput } from '../../../src/model/preprocess.ts';
import { useWasmBackend } from '../../../src/model/tfjs-runtime.ts';
import {
  argmax,
  headProbabilities,
  makeImages,
  maxAbsDiff,
  pythonWithOnnx,
  randomHead,
  referenceFeatures,
  tinyClassifier,
  toNchw,
  type TinyVariant,
} from './helpers.ts';

const root = mkdtempSync(join(tmpdir(), 'incept-convert-'));
after(() => rmSync(root, { recursive: true, force: true }));
const onnxFiles: string[] = [];
const VARIANTS: TinyVariant[] = ['flatten', 'global-pool', 'legacy'];

for (const variant of VARIANTS) {
  test(`converter: ${variant} network gives the reference probabilities in TF.js and ONNX`, async () => {
    const dir = mkdtempSync(join(root, `${variant}-`));
    const images = await makeImages(dir, 4);
    const tiny = tinyClassifier(variant);
    const features = await referenceFeatures(tiny.reference, tiny.feature, images);
    const head = randomHead(tiny.featureDim, 3, features);
    const expected = features.map((f) => headProbabilities(f, head));
    const model = decodeModel(tiny.bytes);
    const net = analyzeModel(model, { featureSize: null });
    assert.equal(net.featureSize, tiny.featureDim);
    const rgb = await Promise.all(images.map((p) => decodeRgb224(p)));
    const tf = await useWasmBackend();

    for (const preprocessing of [true, false]) {
      const graph = buildTfGraph(net, head, { preprocessing });
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
      const onnx = buildOnnxModel(model, net, head, {
        preprocessing,
        labels: ['a', 'b', 'c'],
        appVersion: 'test',
      });
      const session = await ort.InferenceSession.create(onnx.bytes);
      for (let i = 0; i < images.length; i++) {
        const nhwc = preprocessing
          ? Float32Array.from(rgb[i] as Uint8Array)
          : toModelInput(rgb[i] as Uint8Array);
        const x = tf.tensor4d(nhwc, [1, 224, 224, 3]);
        const y = loaded.predict(x) as Tensor;
        const tfProbs = await y.data();
        tf.dispose([x, y]);
        const feed = preprocessing ? nhwc : toNchw(nhwc);
        const dims = preprocessing ? [1, 224, 224, 3] : [1, 3, 224, 224];
        const result = await session.run({ [onnx.input.name]: new ort.Tensor('float32', feed, dims) });
        const onnxProbs = result[onnx.output.name]?.data as Float32Array;
        const want = expected[i] as Float32Array;
        const label = `${variant}, preprocessing ${preprocessing}, image ${i}`;
        assert.ok(maxAbsDiff(tfProbs, want) < 1e-4, `tfjs ${label}: ${maxAbsDiff(tfProbs, want)}`);
        assert.ok(maxAbsDiff(onnxProbs, want) < 1e-4, `onnx ${label}: ${maxAbsDiff(onnxProbs, want)}`);
        assert.equal(argmax(tfProbs), argmax(want), label);
        assert.equal(argmax(onnxProbs), argmax(want), label);
      }
      loaded.dispose();
      await session.release();
      onnxFiles.push(join(dir, `${variant}-${preprocessing}.onnx`));
      await writeFile(onnxFiles.at(-1) as string, onnx.bytes);
    }
  });
}

test('converter: every ONNX export above passes onnx.checker (full check) at opset 13+', async (t) => {
  const python = await pythonWithOnnx();
  if (!python) {
    t.skip('no python3 can import onnx (install Debian python3-onnx), so onnx.checker was not run');
    return;
  }
  assert.equal(onnxFiles.length, VARIANTS.length * 2);
  const script = [
    'import onnx, sys',
    'for path in sys.argv[1:]:',
    '    m = onnx.load(path)',
    '    onnx.checker.check_model(m, full_check=True)',
    "    assert [o.version for o in m.opset_import if o.domain in ('', 'ai.onnx')][0] >= 13, path",
  ].join('\n');
  const r = spawnSync(python, ['-c', script, ...onnxFiles], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
});

test('converter: the flatten network uses the padded MaxPool, explicit Conv padding and NCHW flatten', () => {
  const tiny = tinyClassifier('flatten');
  const net = analyzeModel(decodeModel(tiny.bytes), { featureSize: null });
  const graph = buildTfGraph(net, randomHead(net.featureSize, 3), { preprocessing: true });
  const ops = graph.modelTopology.node.map((n) => n.op);
  for (const op of [
    'PadV2',
    'Conv2D',
    'LRN',
    'ConcatV2',
    'Transpose',
    'Reshape',
    'MatMul',
    'Softmax',
    'ReverseV2',
    'Sub',
  ]) {
    assert.ok(ops.includes(op), `${op} in ${[...new Set(ops)].join(', ')}`);
  }
  const conv = graph.modelTopology.node.find((n) => n.op === 'Conv2D');
  const padding = conv?.attr.padding as { s: string };
  assert.equal(Buffer.from(padding.s, 'base64').toString(), 'EXPLICIT');
  assert.equal(graph.signature.inputs.image?.name, 'image:0');
  assert.equal(graph.signature.outputs.probabilities?.name, 'probabilities:0');
});

function modelWith(
  nodes: ReturnType<typeof makeNode>[],
  inits: ReturnType<typeof floatTensor>[],
  output: string,
) {
  return decodeModel(
    encodeModel(
      makeModel({
        irVersion: 7,
        opset: 13,
        graph: {
          name: 'bad',
          node: nodes,
          initializer: inits,
          input: [valueInfo('data', [1, 3, 224, 224])],
          output: [valueInfo(output, [1, 2])],
        },
      }),
    ),
  );
}

test('converter: an op outside the supported set is refused with the node named', () => {
  const model = modelWith(
    [
      makeNode('Sigmoid', ['data'], ['s'], {}, 'odd_sigmoid'),
      makeNode('GlobalAveragePool', ['s'], ['g']),
      makeNode('Flatten', ['g'], ['f'], { axis: attr.int(1) }),
      makeNode('Gemm', ['f', 'w'], ['y'], { transB: attr.int(1) }),
    ],
    [floatTensor('w', [2, 3], new Float32Array(6))],
    'y',
  );
  assert.throws(
    () => analyzeModel(model, { featureSize: null }),
    (err: unknown) =>
      err instanceof ModelError &&
      err.code === 'unsupported_op' &&
      /Sigmoid \(node odd_sigmoid\)/.test(err.message),
  );
});

test('converter: a model without a classifier is refused', () => {
  const model = modelWith([makeNode('GlobalAveragePool', ['data'], ['g'])], [], 'g');
  assert.throws(
    () => analyzeModel(model, { featureSize: null }),
    (err: unknown) => err instanceof ModelError && err.code === 'no_classifier',
  );
});
