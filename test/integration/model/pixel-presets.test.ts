import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { ApiError } from '../../../src/domain/errors.ts';
import type { ModelDescription } from '../../../src/api/contract.ts';
import { describeModel } from '../../../src/model/library.ts';
import { decodeModel } from '../../../src/model/onnx/read.ts';
import { customPreprocessing, fromChoice } from '../../../src/model/pixel-presets.ts';
import { PRESETS } from '../../../src/domain/preprocessing.ts';
import { detectPreprocessing } from '../../../src/model/preset-detection.ts';
import { toModelInput } from '../../../src/model/preprocess.ts';
import { currentModel, featureCounts, useModel, vectorBlob } from '../../../src/store/models.ts';
import { ProjectStore } from '../../../src/store/project.ts';
import { encodeGoogLeNet } from '../../fixtures/googlenet.ts';
import { buildTorchvisionGoogLeNet } from '../../fixtures/torchvision-googlenet.ts';
import { encodeModel } from '../../../src/model/onnx/write.ts';
import { tempDir } from '../../helpers/tmp.ts';

/** One pixel (R 255, G 128, B 0) repeated over 224×224. */
function pixel(): Uint8Array {
  const rgb = new Uint8Array(224 * 224 * 3);
  for (let i = 0; i < rgb.length; i += 3) rgb.set([255, 128, 0], i);
  return rgb;
}

test('each preset turns pixels into what its networks were trained on', () => {
  const caffe = toModelInput(pixel(), undefined, 0, PRESETS.caffe).subarray(0, 3);
  assert.deepEqual(Array.from(caffe), [0 - 103.939, 128 - 116.779, 255 - 123.68].map(Math.fround));
  const tv = toModelInput(pixel(), undefined, 0, PRESETS.torchvision).subarray(0, 3);
  const want = [(1 - 0.485) / 0.229, (128 / 255 - 0.456) / 0.224, (0 - 0.406) / 0.225];
  tv.forEach((v, i) => assert.ok(Math.abs(v - want[i]!) < 1e-5, `torchvision channel ${i}: ${v}`));
  const tf = toModelInput(pixel(), undefined, 0, PRESETS.tf).subarray(0, 3);
  [1, 128 / 127.5 - 1, -1].forEach((w, i) => assert.ok(Math.abs(tf[i]! - w) < 1e-6, `tf channel ${i}`));
  const custom = fromChoice({ channelOrder: 'BGR', scale: 2, mean: [1, 2, 3], std: [2, 2, 2] });
  assert.deepEqual(
    Array.from(toModelInput(pixel(), undefined, 0, custom).subarray(0, 3)),
    [-0.5, 127, 253.5],
  );
  assert.throws(
    () => customPreprocessing({ channelOrder: 'RGB', scale: 1, mean: [0, 0], std: [1, 1, 1] }),
    /three mean/,
  );
  assert.throws(
    () => customPreprocessing({ channelOrder: 'RGB', scale: 1, mean: [0, 0, 0], std: [1, 0, 1] }),
    /positive/,
  );
});

test('the preset is detected where the file says, and nowhere else', () => {
  assert.equal(detectPreprocessing(decodeModel(encodeGoogLeNet()))?.preprocessing.preset, 'caffe');
  assert.equal(
    detectPreprocessing(decodeModel(encodeModel(buildTorchvisionGoogLeNet())))?.preprocessing.preset,
    'torchvision',
  );
  const anonymous = buildTorchvisionGoogLeNet();
  anonymous.producerName = 'some-converter';
  for (const t of anonymous.graph!.initializer!) t.name = `w${t.name!.length}_${Math.random()}`;
  anonymous.graph!.node = anonymous.graph!.node!.map((n, i) => ({
    ...n,
    output: n.output!.map((o) => (o === 'logits' ? o : `t${i}_${o.length}`)),
  }));
  assert.equal(detectPreprocessing(decodeModel(encodeModel(anonymous))), null);
});

test('a model needs a preset: chosen, recorded or detected; changing it drops cached features', (t) => {
  const project = ProjectStore.create(join(tempDir(t), 'p.incept'));
  t.after(() => project.close());
  const zoo: ModelDescription = describeModel(encodeGoogLeNet({ seed: 2 }), 'zoo.onnx', 'file');
  assert.equal(useModel(project, zoo).description.preprocessing?.preset, 'caffe');
  assert.match(currentModel(project)!.description.preprocessingFrom!, /detected from Caffe names/);

  const unknown: ModelDescription = {
    ...zoo,
    sha256: 'f'.repeat(64),
    preprocessing: null,
    preprocessingFrom: null,
  };
  assert.throws(
    () => useModel(project, unknown),
    (err: unknown) =>
      err instanceof ApiError &&
      err.code === 'precondition' &&
      /--preprocessing caffe\|torchvision\|tf\|custom/.test(err.message),
  );
  const row = useModel(project, unknown, PRESETS.tf);
  assert.equal(currentModel(project)!.description.preprocessing?.preset, 'tf');
  assert.equal(currentModel(project)!.description.preprocessingFrom, 'chosen at import');

  project.db
    .prepare(
      `INSERT INTO images (path, name, hash, bytes, mtime_ms, width, height, format, status, split, added_at)
       VALUES ('/a.jpg', 'a.jpg', 'h1', 1, 0, 1, 1, 'jpeg', 'ok', 'train', '2024-01-01')`,
    )
    .run();
  project.db
    .prepare('INSERT INTO features (model_id, variant, hash, vector) VALUES (?, 0, ?, ?)')
    .run(row.id, 'h1', vectorBlob(new Float32Array(4)));
  // Re-importing without a choice keeps the recorded preset and the features.
  useModel(project, unknown);
  assert.equal(featureCounts(project, row.id).done, 1);
  useModel(project, unknown, PRESETS.tf);
  assert.equal(featureCounts(project, row.id).done, 1);
  useModel(project, unknown, PRESETS.torchvision);
  assert.equal(featureCounts(project, row.id).done, 0, 'features of the old preprocessing are gone');
  assert.equal(currentModel(project)!.description.preprocessing?.preset, 'torchvision');
});
