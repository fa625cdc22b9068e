/**
 * A torchvision-layout GoogLeNet through the whole CLI: its preprocessing is detected from the
 * file, it trains and exports, and the exported files, run by the stock loaders on the same
 * images, give what `incept predict` gives (top-1 and within 1e-4). Then the preset is changed
 * and the cached features are dropped.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Tensor } from '@tensorflow/tfjs';
import ort from 'onnxruntime-node';
import type { ExportReport, ImagePrediction, ModelStatus } from '../../../src/api/contract.ts';
import { graphModelFromDir } from '../../../src/export/self-check.ts';
import { decodeRgb224 } from '../../../src/model/preprocess.ts';
import { useWasmBackend } from '../../../src/model/tfjs-runtime.ts';
import { CLASS_STYLES, shapeImage } from '../../fixtures/images.ts';
import { writeTorchvisionGoogLeNet } from '../../fixtures/torchvision-googlenet.ts';
import { incept, initLabeledProject } from '../../helpers/cli.ts';
import { tempDir } from '../../helpers/tmp.ts';

test('CLI with a torchvision GoogLeNet: detected preset, train, export both, exports agree with predict', async (t) => {
  const dir = tempDir(t);
  const held = [0, 1, 2].map((c) => {
    const path = join(dir, `held-${c}.jpg`);
    return { path, style: CLASS_STYLES[c]! };
  });
  for (const [i, h] of held.entries()) writeFileSync(h.path, await shapeImage(h.style, 5000 + i, 96));
  const model = join(dir, 'torchvision.onnx');
  await writeTorchvisionGoogLeNet(model, { seed: 6 });
  const { data, project } = await initLabeledProject(dir, 'tv.incept');

  const bad = await incept(['model', project, '--file', model, '--preprocessing', 'yuv'], data);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /caffe, torchvision, tf or custom/);
  const m = await incept(['model', project, '--file', model], data);
  assert.equal(m.code, 0, m.stderr);
  assert.match(m.stdout, /Preprocessing: torchvision: RGB 0\.\.1 minus mean \(0\.485, 0\.456, 0\.406\)/);
  assert.match(m.stdout, /detected from PyTorch/);

  assert.equal((await incept(['embed', project], data)).code, 0);
  const train = await incept(['train', project, '--seed', '3'], data);
  assert.equal(train.code, 0, train.stderr);
  const predict = await incept(
    ['predict', project, '--from', '-', '--json'],
    data,
    held.map((h) => h.path).join('\n'),
  );
  assert.equal(predict.code, 0, predict.stderr);
  const predictions = JSON.parse(predict.stdout) as ImagePrediction[];

  const out = join(dir, 'exported');
  const exp = await incept(['export', project, '--format', 'both', '--out', out, '--json'], data);
  assert.equal(exp.code, 0, exp.stderr);
  const report = JSON.parse(exp.stdout) as ExportReport;
  for (const c of report.checks)
    assert.ok(c.passed && c.agreement === 1 && c.maxDiff <= 1e-4, JSON.stringify(c));

  const labels = ['tfjs', 'onnx'] as const;
  const session = await ort.InferenceSession.create(join(out, 'onnx', 'model.onnx'));
  const tf = await useWasmBackend();
  const graph = await tf.loadGraphModel(graphModelFromDir(tf, join(out, 'tfjs')));
  const classNames = readFileSync(join(out, 'labels.txt'), 'utf8').trim().split('\n');
  try {
    for (const [i, h] of held.entries()) {
      const rgb = Float32Array.from(await decodeRgb224(h.path));
      const onnxOut = await session.run({ image: new ort.Tensor('float32', rgb, [1, 224, 224, 3]) });
      const x = tf.tensor4d(rgb, [1, 224, 224, 3]);
      const y = graph.execute(x) as Tensor;
      const got = {
        onnx: onnxOut.probabilities!.data as Float32Array,
        tfjs: (await y.data()) as Float32Array,
      };
      tf.dispose([x, y]);
      const want = predictions[i]!.top;
      for (const format of labels) {
        const probs = got[format];
        for (const p of want) {
          const k = classNames.indexOf(p.label);
          assert.ok(
            Math.abs((probs[k] as number) - p.probability) <= 1e-4,
            `${format} image ${i} ${p.label}`,
          );
        }
        const best = probs.indexOf(Math.max(...probs));
        assert.equal(classNames[best], want[0]!.label, `${format} image ${i} top-1`);
      }
    }
  } finally {
    graph.dispose();
    await session.release();
  }

  const changed = await incept(['model', project, '--preprocessing', 'tf', '--json'], data);
  assert.equal(changed.code, 0, changed.stderr);
  const status = JSON.parse(changed.stdout) as ModelStatus;
  assert.equal(status.model?.preprocessing?.preset, 'tf');
  assert.equal(status.features.done, 0, 'features of the old preprocessing are dropped');
});
