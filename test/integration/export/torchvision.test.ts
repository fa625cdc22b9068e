/**
 * A GoogLeNet as PyTorch exports torchvision's (BatchNormalization after every convolution, ceil-mode
 * pools, GlobalAveragePool, Flatten, Gemm, no Softmax, dynamic batch): the importer's features
 * match onnxruntime on the unfolded graph, and both exports pass the stock loaders' check.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { exportModel } from '../../../src/export/export-model.ts';
import { createEngine } from '../../../src/model/engines/registry.ts';
import { analyzeModel } from '../../../src/model/graph/analyze.ts';
import { decodeModel } from '../../../src/model/onnx/read.ts';
import { PRESETS } from '../../../src/domain/preprocessing.ts';
import { detectPreprocessing } from '../../../src/model/preset-detection.ts';
import { relDiff } from '../../fixtures/compare.ts';
import { randomInput } from '../../fixtures/googlenet.ts';
import { TORCHVISION_FEATURE, writeTorchvisionGoogLeNet } from '../../fixtures/torchvision-googlenet.ts';
import { tempDir } from '../../helpers/tmp.ts';
import { argmax, fixtureExportInput, makeImages, randomHead, referenceFeatures } from './helpers.ts';

test('torchvision layout: BatchNormalization is folded at import and features match onnxruntime', async (t) => {
  const dir = tempDir(t, 'incept-torchvision-');
  const { bytes } = await writeTorchvisionGoogLeNet(join(dir, 'googlenet.onnx'));
  const analysis = analyzeModel(decodeModel(bytes));
  assert.equal(analysis.featureTensor, TORCHVISION_FEATURE);
  assert.equal(analysis.outputIsLogits, true);
  assert.ok(
    !analysis.nodes.some((n) => n.opType === 'BatchNormalization'),
    'every BatchNormalization folded',
  );
  const batch = 3;
  const input = randomInput(batch, 5);
  const mine = (await createEngine(bytes, { engine: 'wasm' })).engine;
  const reference = (await createEngine(bytes, { engine: 'onnxruntime' })).engine;
  try {
    const want = await reference.infer(input, batch);
    const got = await mine.infer(input, batch);
    const f = relDiff(got.features, want.features);
    t.diagnostic(`features relative difference ${f.toExponential(2)}`);
    assert.ok(f <= 1e-4, `features differ by ${f} (relative)`);
    // Real spread: the images' features differ well beyond rounding.
    const a = want.features.subarray(0, 1024);
    const b = want.features.subarray(1024, 2048);
    assert.ok(relDiff(a, b) > 0.05, `features of different images differ by only ${relDiff(a, b)}`);
  } finally {
    await mine.dispose();
    await reference.dispose();
  }
});

test('torchvision layout: the file names its preset, and both exports (preset baked in) agree 100 % and within 1e-4', async (t) => {
  const dir = tempDir(t, 'incept-torchvision-export-');
  const fixture = await writeTorchvisionGoogLeNet(join(dir, 'googlenet.onnx'), { seed: 4 });
  const detected = detectPreprocessing(decodeModel(fixture.bytes));
  assert.equal(detected?.preprocessing.preset, 'torchvision');
  const pixels = PRESETS.torchvision;
  const images = await makeImages(dir, 8);
  const features = await referenceFeatures(fixture.bytes, TORCHVISION_FEATURE, images, 'center', pixels);
  const head = randomHead(1024, 3, features);
  const input = fixtureExportInput({
    modelBytes: fixture.bytes,
    modelSha256: fixture.sha256,
    head,
    images,
    features,
    out: join(dir, 'export'),
    appVersion: 'test',
    pixels,
  });
  assert.ok(new Set(input.checkImages.map((c) => argmax(c.expected))).size > 1, 'check images of one class');
  const report = await exportModel(input);
  for (const c of report.checks) {
    t.diagnostic(`${c.format}: agreement ${c.agreement}, max diff ${c.maxDiff.toExponential(2)}`);
    assert.ok(c.passed && c.agreement === 1 && c.maxDiff <= 1e-4, JSON.stringify(c));
  }
  const meta = JSON.parse(await readFile(join(dir, 'export', 'metadata.json'), 'utf8'));
  assert.equal(meta.baseModel.replacedClassifier, '/fc/Gemm');
  assert.equal(meta.input.preprocessing.preset, 'torchvision');
  assert.deepEqual(meta.input.preprocessing.std, [0.229, 0.224, 0.225]);
  const card = await readFile(join(dir, 'export', 'README.md'), 'utf8');
  assert.doesNotMatch(card, /BVLC/);
  assert.match(card, /Preprocessing preset: \*\*torchvision\*\*/);

  // The bare network (no in-graph preprocessing) checks out too: the check feeds the preset's values.
  const bare = await exportModel({ ...input, out: join(dir, 'bare'), preprocessing: false });
  for (const c of bare.checks) assert.ok(c.passed && c.agreement === 1, JSON.stringify(c));
});

test('torchvision layout: float16 and uint8 exports meet their tolerances', async (t) => {
  const dir = tempDir(t, 'incept-torchvision-quant-');
  const fixture = await writeTorchvisionGoogLeNet(join(dir, 'googlenet.onnx'), { seed: 4 });
  const images = await makeImages(dir, 8);
  const features = await referenceFeatures(fixture.bytes, TORCHVISION_FEATURE, images);
  const head = randomHead(1024, 3, features);
  for (const quantize of ['float16', 'uint8'] as const) {
    const report = await exportModel({
      ...fixtureExportInput({
        modelBytes: fixture.bytes,
        modelSha256: fixture.sha256,
        head,
        images,
        features,
        out: join(dir, quantize),
        appVersion: 'test',
      }),
      formats: ['tfjs'],
      quantize,
    });
    const c = report.checks[0]!;
    t.diagnostic(`${quantize}: agreement ${c.agreement}, max diff ${c.maxDiff.toExponential(2)}`);
    assert.ok(c.passed && c.agreement >= (quantize === 'float16' ? 0.99 : 0.97), JSON.stringify(c));
  }
});
