/**
 * Exports the generated GoogLeNet (zoo layout, random weights) with a random 3-class head and
 * proves with the stock loaders that both formats give the reference probabilities: onnxruntime
 * on the original model's 1024-d feature tensor → head → softmax.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import vm from 'node:vm';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Tensor } from '@tensorflow/tfjs';
import ort from 'onnxruntime-node';
import { exportModel, type ExportInput } from '../../../src/export/export-model.ts';
import { decodeRgb224 } from '../../../src/model/preprocess.ts';
import { PRESETS } from '../../../src/domain/preprocessing.ts';
import { useWasmBackend } from '../../../src/model/tfjs-runtime.ts';
import { writeGoogLeNet } from '../../fixtures/googlenet.ts';
import {
  argmax,
  headProbabilities,
  makeImages,
  maxAbsDiff,
  pythonWithOnnx,
  randomHead,
  referenceFeatures,
  type Head,
} from './helpers.ts';

const LABELS = ['cat', 'dog', 'fox'];
const ALLOWED_TF_OPS = new Set([
  'Placeholder',
  'Const',
  'Conv2D',
  'BiasAdd',
  'Relu',
  'MaxPool',
  'AvgPool',
  'LRN',
  'ConcatV2',
  'Reshape',
  'MatMul',
  'Softmax',
  'Sub',
  'ReverseV2',
  'PadV2',
  'Transpose',
]);

let dir = '';
let modelBytes: Uint8Array;
let sha256 = '';
let images: string[] = [];
let head: Head;
let expected: Float32Array[] = [];
let exported = '';
let report: Awaited<ReturnType<typeof exportModel>>;

function input(overrides: Partial<ExportInput>): ExportInput {
  return {
    modelBytes,
    modelSha256: sha256,
    head,
    labels: LABELS,
    formats: ['tfjs', 'onnx'],
    quantize: 'none',
    preprocessing: true,
    pixels: PRESETS.caffe,
    out: join(dir, 'unused'),
    force: false,
    metadata: {
      runId: 7,
      settings: { epochs: 40, learningRate: 0.001 },
      validation: {
        accuracy: 0.9,
        loss: 0.31,
        macroF1: 0.89,
        count: 10,
        perClass: LABELS.map((name, i) => ({
          classId: i + 1,
          name,
          precision: 0.9,
          recall: 0.9,
          f1: 0.9,
          support: 3,
        })),
        confusion: [
          [3, 0, 0],
          [1, 3, 0],
          [0, 0, 3],
        ],
        // Database image ids, which must not leave the app.
        cells: [
          [[101, 102, 103], [], []],
          [[104], [105, 106, 107], []],
          [[], [], [108, 109, 110]],
        ],
      },
      classCounts: LABELS.map((name, i) => ({ name, train: 10 + i, validation: 3, test: 1 })),
      appVersion: '0.1.0-test',
      cropMode: 'center',
    },
    checkImages: images.map((path, i) => ({ path, expected: expected[i] as Float32Array })),
    ...overrides,
  };
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'incept-export-'));
  const fixture = await writeGoogLeNet(join(dir, 'googlenet.onnx'), { seed: 5, storage: 'float' });
  modelBytes = await readFile(fixture.path);
  sha256 = fixture.sha256;
  images = await makeImages(dir, 6);
  const features = await referenceFeatures(modelBytes, 'OC2_DUMMY_0', images);
  head = randomHead(1024, LABELS.length, features);
  expected = features.map((f) => headProbabilities(f, head));
  assert.ok(new Set(expected.map(argmax)).size > 1, 'the check images should not all be one class');
  exported = join(dir, 'export');
  report = await exportModel(input({ out: exported }));
});

after(() => rmSync(dir, { recursive: true, force: true }));

test('float32 export: the self-check passes for both formats at 100 % and within 1e-4', () => {
  assert.deepEqual(report.formats, ['tfjs', 'onnx']);
  assert.equal(report.checks.length, 2);
  for (const c of report.checks) {
    assert.equal(c.images, images.length);
    assert.equal(c.agreement, 1, `${c.format} agreement`);
    assert.ok(c.maxDiff <= 1e-4, `${c.format} max diff ${c.maxDiff}`);
    assert.equal(c.passed, true);
  }
  assert.deepEqual(report.warnings, []);
  for (const f of [
    'tfjs/model.json',
    'onnx/model.onnx',
    'metadata.json',
    'labels.txt',
    'README.md',
    'samples/node.mjs',
    'samples/index.html',
    'samples/predict.py',
  ]) {
    assert.ok(report.files.includes(f), `${f} in ${report.files.join(', ')}`);
  }
});

test('the TF.js graph model, loaded by the stock loadGraphModel, gives the reference probabilities', async () => {
  const tf = await useWasmBackend();
  const tfjsDir = join(exported, 'tfjs');
  const json = JSON.parse(await readFile(join(tfjsDir, 'model.json'), 'utf8'));
  assert.equal(json.format, 'graph-model');
  assert.ok(json.generatedBy && json.convertedBy);
  assert.ok(
    Array.isArray(json.modelTopology.node) && json.modelTopology.versions && json.modelTopology.library,
  );
  for (const n of json.modelTopology.node) assert.ok(ALLOWED_TF_OPS.has(n.op), `unexpected op ${n.op}`);
  const paths: string[] = json.weightsManifest.flatMap((g: { paths: string[] }) => g.paths);
  const shards = await Promise.all(paths.map((p) => readFile(join(tfjsDir, p))));
  for (const s of shards) assert.ok(s.length <= 4 * 1024 * 1024, `shard of ${s.length} bytes`);
  const model = await tf.loadGraphModel(
    tf.io.fromMemory({
      modelTopology: json.modelTopology,
      weightSpecs: json.weightsManifest.flatMap((g: { weights: unknown[] }) => g.weights),
      weightData: shards.map((s) => s.buffer.slice(s.byteOffset, s.byteOffset + s.byteLength)),
      format: json.format,
      signature: json.signature,
    } as never),
  );
  const rgb = await Promise.all(images.map((p) => decodeRgb224(p)));
  const batch = new Float32Array(rgb.length * 224 * 224 * 3);
  rgb.forEach((r, i) => batch.set(r, i * r.length));
  const x = tf.tensor4d(batch, [rgb.length, 224, 224, 3]);
  const y = model.predict(x) as Tensor;
  assert.deepEqual(y.shape, [images.length, LABELS.length]);
  const probs = await y.data();
  tf.dispose([x, y]);
  model.dispose();
  expected.forEach((want, i) => {
    const got = probs.subarray(i * LABELS.length, (i + 1) * LABELS.length);
    assert.ok(maxAbsDiff(got, want) < 1e-4, `image ${i}: ${maxAbsDiff(got, want)}`);
    assert.equal(argmax(got), argmax(want), `image ${i} top-1`);
  });
});

test('the ONNX model, run by onnxruntime-node with a batch of images, gives the reference probabilities', async () => {
  const session = await ort.InferenceSession.create(join(exported, 'onnx', 'model.onnx'));
  assert.deepEqual(session.inputNames, ['image']);
  assert.deepEqual(session.outputNames, ['probabilities']);
  const rgb = await Promise.all(images.map((p) => decodeRgb224(p)));
  const batch = new Float32Array(rgb.length * 224 * 224 * 3);
  rgb.forEach((r, i) => batch.set(r, i * r.length));
  const result = await session.run({ image: new ort.Tensor('float32', batch, [rgb.length, 224, 224, 3]) });
  const out = result.probabilities!;
  assert.deepEqual(out.dims, [images.length, LABELS.length]);
  const probs = out.data as Float32Array;
  await session.release();
  expected.forEach((want, i) => {
    const got = probs.subarray(i * LABELS.length, (i + 1) * LABELS.length);
    assert.ok(maxAbsDiff(got, want) < 1e-4, `image ${i}: ${maxAbsDiff(got, want)}`);
    assert.equal(argmax(got), argmax(want), `image ${i} top-1`);
  });
});

test('the ONNX export passes onnx.checker (full check), opset 13+, symbolic batch', async (t) => {
  const python = await pythonWithOnnx();
  if (!python) {
    t.skip('no python3 can import onnx (install Debian python3-onnx), so onnx.checker was not run');
    return;
  }
  const script = [
    'import onnx, sys, json',
    'm = onnx.load(sys.argv[1])',
    'onnx.checker.check_model(m, full_check=True)',
    'dims = lambda v: [d.dim_param or d.dim_value for d in v.type.tensor_type.shape.dim]',
    "print(json.dumps({'opset': [o.version for o in m.opset_import if o.domain in ('', 'ai.onnx')][0],",
    "  'input': dims(m.graph.input[0]), 'output': dims(m.graph.output[0]), 'ops': sorted({n.op_type for n in m.graph.node})}))",
  ].join('\n');
  const r = spawnSync(python, ['-c', script, join(exported, 'onnx', 'model.onnx')], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const info = JSON.parse(r.stdout);
  assert.ok(info.opset >= 13);
  assert.deepEqual(info.input, ['N', 224, 224, 3]);
  assert.deepEqual(info.output, ['N', 3]);
  // Dropout is gone; the zoo's Reshape to [1, 1024] is written with a free batch ([-1, 1024]).
  assert.ok(!info.ops.includes('Dropout'), info.ops.join(', '));
});

test('metadata.json, labels.txt and the model card describe the export', async () => {
  const meta = JSON.parse(await readFile(join(exported, 'metadata.json'), 'utf8'));
  assert.deepEqual(meta.labels, LABELS);
  assert.equal(meta.input.channelOrder, 'RGB');
  assert.deepEqual(meta.input.range, [0, 255]);
  assert.deepEqual(meta.formats.tfjs.input, { name: 'image', shape: [null, 224, 224, 3], layout: 'NHWC' });
  assert.deepEqual(meta.formats.onnx.output, { name: 'probabilities', shape: [null, 3], layout: 'NC' });
  assert.equal(meta.resize.cropMode, 'center');
  assert.match(meta.resize.rule, /shorter side is 224/);
  assert.equal(meta.baseModel.sha256, sha256);
  assert.equal(meta.baseModel.featureDim, 1024);
  assert.equal(meta.training.runId, 7);
  assert.equal(meta.appVersion, '0.1.0-test');
  assert.ok(!Number.isNaN(Date.parse(meta.createdAt)));
  assert.equal(meta.selfCheck.results.length, 2);
  assert.equal(await readFile(join(exported, 'labels.txt'), 'utf8'), 'cat\ndog\nfox\n');
  const card = await readFile(join(exported, 'README.md'), 'utf8');
  const raw = await readFile(join(exported, 'metadata.json'), 'utf8');
  assert.doesNotMatch(raw, /"cells"|"classId"|"imageId"/, 'no internal ids in metadata.json');
  assert.deepEqual(meta.training.classCounts[1], { name: 'dog', train: 11, validation: 3, test: 1 });
  assert.doesNotMatch(card, /BVLC/);
  for (const needle of [
    '| 1 | dog | 11 | 3 | 1 |',
    'Confusion matrix',
    '| dog | 1 | 3 | 0 |',
    'Intended use',
    'loadGraphModel',
  ]) {
    assert.ok(card.includes(needle), `model card lacks ${needle}`);
  }
});

test('samples/node.mjs prints the expected class for a known image', async () => {
  const i = 1;
  const r = spawnSync(process.execPath, [join(exported, 'samples', 'node.mjs'), images[i] as string], {
    cwd: process.cwd(),
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.equal(r.status, 0, r.stderr);
  const line = JSON.parse(r.stdout.trim().split('\n').pop() as string);
  assert.equal(line.image, images[i]);
  assert.equal(line.top.length, 3);
  const want = expected[i] as Float32Array;
  assert.equal(line.top[0].label, LABELS[argmax(want)]);
  assert.ok(Math.abs(line.top[0].probability - (want[argmax(want)] as number)) < 1e-4);
});

test('samples/index.html loads tfjs and the model files it names; its script parses', async () => {
  const html = await readFile(join(exported, 'samples', 'index.html'), 'utf8');
  assert.match(
    html,
    /<script src="https:\/\/cdn\.jsdelivr\.net\/npm\/@tensorflow\/tfjs@4\.22\.0\/dist\/tf\.min\.js"><\/script>/,
  );
  const scripts = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1] as string);
  assert.equal(scripts.length, 1);
  assert.doesNotThrow(() => new vm.Script(scripts[0] as string));
  assert.match(scripts[0] as string, /fetch\('\.\.\/metadata\.json'\)/);
});

test('samples/predict.py is valid Python', (t) => {
  const path = join(exported, 'samples', 'predict.py');
  const r = spawnSync('python3', ['-c', 'import ast, sys; ast.parse(open(sys.argv[1]).read())', path], {
    encoding: 'utf8',
  });
  if (r.error) {
    t.skip('python3 is not installed');
    return;
  }
  assert.equal(r.status, 0, r.stderr);
});

test('float16 and uint8 exports quantize only large conv weights and meet their tolerances', async () => {
  const float32Bytes = await tfjsBytes(exported);
  for (const quantize of ['float16', 'uint8'] as const) {
    const out = join(dir, `export-${quantize}`);
    const r = await exportModel(input({ out, formats: ['tfjs'], quantize }));
    const check = r.checks[0]!;
    assert.equal(check.format, 'tfjs');
    assert.equal(check.images, images.length);
    assert.ok(check.agreement >= (quantize === 'float16' ? 0.99 : 0.97), `${quantize}: ${check.agreement}`);
    assert.ok(Number.isFinite(check.maxDiff));
    assert.equal(check.passed, true);
    const json = JSON.parse(await readFile(join(out, 'tfjs', 'model.json'), 'utf8'));
    const weights: { name: string; shape: number[]; quantization?: { dtype: string } }[] =
      json.weightsManifest[0].weights;
    const quantized = weights.filter((w) => w.quantization);
    assert.ok(quantized.length > 50 && quantized.every((w) => w.quantization!.dtype === quantize));
    // Only 4-D filters; every bias, per-channel scale and offset, and the fine-tuned head stay float32.
    for (const w of quantized) assert.equal(w.shape.length, 4, `${w.name} [${w.shape.join(', ')}]`);
    for (const w of weights.filter((w) => w.shape.length === 1 || w.name.startsWith('head/'))) {
      assert.equal(w.quantization, undefined, `${w.name} must stay float32`);
    }
    if (quantize === 'uint8') {
      // One 8-bit grid per output channel: each filter is codes · channel_scale + channel_offset.
      const ops = new Map<string, string>(
        json.modelTopology.node.map((n: { name: string; op: string }) => [n.name, n.op]),
      );
      for (const w of quantized) {
        const filter = w.name.replace(/\/codes$/, '');
        assert.equal(ops.get(filter), 'AddV2', `${filter} is rebuilt in the graph`);
        const scale = weights.find((s) => s.name === `${filter}/channel_scale`);
        assert.deepEqual(scale?.shape, [w.shape[3]], `${filter}: one scale per output channel`);
      }
    }
    const bytes = await tfjsBytes(out);
    const ratio = bytes / float32Bytes;
    assert.ok(quantize === 'float16' ? ratio < 0.52 : ratio < 0.27, `${quantize}: ${ratio}`);
    const meta = JSON.parse(await readFile(join(out, 'metadata.json'), 'utf8'));
    assert.equal(meta.formats.tfjs.quantize, quantize);
    assert.equal(meta.selfCheck.results[0].required.agreement, quantize === 'float16' ? 0.99 : 0.97);
    assert.ok(!r.files.includes('onnx/model.onnx') && !r.files.includes('samples/predict.py'));
    console.log(
      `# ${quantize}: agreement ${check.agreement}, max diff ${check.maxDiff.toExponential(2)}, ${bytes} bytes`,
    );
  }
});

test('preprocessing: false exports the bare network (BGR minus means) and still matches', async () => {
  const out = join(dir, 'export-bare');
  const r = await exportModel(input({ out, preprocessing: false }));
  for (const c of r.checks) assert.ok(c.passed && c.agreement === 1 && c.maxDiff <= 1e-4, JSON.stringify(c));
  const meta = JSON.parse(await readFile(join(out, 'metadata.json'), 'utf8'));
  assert.equal(meta.input.preprocessing.inGraph, false);
  assert.equal(meta.input.channelOrder, 'BGR');
  assert.deepEqual(meta.formats.onnx.input, { name: 'data_0', shape: [null, 3, 224, 224], layout: 'NCHW' });
  assert.deepEqual(meta.formats.tfjs.input, { name: 'data_0', shape: [null, 224, 224, 3], layout: 'NHWC' });
});

async function tfjsBytes(root: string): Promise<number> {
  const json = JSON.parse(await readFile(join(root, 'tfjs', 'model.json'), 'utf8'));
  let total = 0;
  for (const p of json.weightsManifest[0].paths as string[])
    total += (await stat(join(root, 'tfjs', p))).size;
  return total;
}
