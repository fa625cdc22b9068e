/**
 * Models Incept cannot use fail at import with a specific ModelError that says what to do.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import sharp from 'sharp';
import { createEngine } from '../../../src/model/engines/registry.ts';
import { ModelError } from '../../../src/model/errors.ts';
import { inspectModelFile } from '../../../src/model/model-file.ts';
import { encodeModel, makeModel } from '../../../src/model/onnx/write.ts';
import { buildGoogLeNet, writeGoogLeNet } from '../../fixtures/googlenet.ts';

let dir: string;
let good: Uint8Array;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'incept-import-errors-'));
  await writeGoogLeNet(join(dir, 'good.onnx'), { seed: 2 });
  good = await readFile(join(dir, 'good.onnx'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function rejectsWith(path: string, code: string, message: RegExp): Promise<void> {
  await assert.rejects(inspectModelFile(path), (err: unknown) => {
    assert.ok(err instanceof ModelError, `expected a ModelError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    assert.match(err.message, message);
    return true;
  });
}

test('the generated zoo-layout GoogLeNet inspects cleanly', async () => {
  const info = await inspectModelFile(join(dir, 'good.onnx'));
  assert.equal(info.bytes, good.length);
  assert.match(info.sha256, /^[0-9a-f]{64}$/);
  assert.equal(info.opset, 7);
  assert.equal(info.irVersion, 3);
  assert.equal(info.inputName, 'data_0');
  assert.equal(info.featureTensor, 'OC2_DUMMY_0');
  assert.equal(info.featureSize, 1024);
  assert.equal(info.classifierNode, 'loss3/classifier_1');
  assert.equal(info.numClasses, 1000);
  assert.equal(info.batchLimit, null);
});

test('the class count comes from the classifier', async () => {
  const path = join(dir, 'ten.onnx');
  await writeGoogLeNet(path, { seed: 2, numClasses: 10 });
  const info = await inspectModelFile(path);
  assert.equal(info.numClasses, 10);
  assert.equal(info.featureSize, 1024);
});

test('an unsupported op names the op and the node, at import', async () => {
  const path = join(dir, 'elu.onnx');
  await writeGoogLeNet(path, { seed: 2, unsupportedOp: 'Elu' });
  await rejectsWith(path, 'unsupported_op', /^not implemented: Elu \(node conv1\/7x7_s2_2\)/);
  // The engines refuse it the same way instead of falling back.
  await assert.rejects(
    createEngine(await readFile(path), { engine: 'auto' }),
    /not implemented: Elu \(node conv1\/7x7_s2_2\)/,
  );
});

test('a truncated file is reported as incomplete', async () => {
  const path = join(dir, 'truncated.onnx');
  await writeFile(path, good.subarray(0, Math.floor(good.length / 2)));
  await rejectsWith(path, 'truncated', /incomplete ONNX model.*Download it again/);
  await writeFile(path, good.subarray(0, 100));
  await rejectsWith(path, 'truncated', /incomplete|truncated/);
});

test('files that are not ONNX are named for what they are', async () => {
  const jpeg = join(dir, 'photo.onnx');
  await sharp({ create: { width: 8, height: 8, channels: 3, background: '#808080' } })
    .jpeg()
    .toFile(jpeg);
  await rejectsWith(jpeg, 'not_onnx', /is a JPEG image, not an ONNX model/);

  const lfs = join(dir, 'lfs.onnx');
  await writeFile(lfs, 'version https://git-lfs.github.com/spec/v1\noid sha256:5725ccfd\nsize 28020232\n');
  await rejectsWith(lfs, 'not_onnx', /Git LFS pointer/);

  const html = join(dir, 'page.onnx');
  await writeFile(html, '<!DOCTYPE html><html><body>Not Found</body></html>');
  await rejectsWith(html, 'not_onnx', /HTML/);

  const text = join(dir, 'notes.onnx');
  await writeFile(text, 'these are some notes, not a model');
  await rejectsWith(text, 'not_onnx', /not an ONNX model/);

  await writeFile(join(dir, 'empty.onnx'), '');
  await rejectsWith(join(dir, 'empty.onnx'), 'truncated', /empty/);

  await rejectsWith(join(dir, 'missing.onnx'), 'not_found', /does not exist/);
});

test('a model without a graph is refused', async () => {
  const path = join(dir, 'nograph.onnx');
  await writeFile(
    path,
    encodeModel({ irVersion: 7, opsetImport: [{ domain: '', version: 12 }], producerName: 'x' }),
  );
  await rejectsWith(path, 'no_graph', /without a graph/);
});

test('a classifier that does not read 1024 features is refused', async () => {
  const path = join(dir, 'narrow.onnx');
  await writeGoogLeNet(path, { seed: 2, narrowClassifier: true });
  await rejectsWith(path, 'no_classifier', /classifier loss3\/classifier_1 reads 512 features.*1024/);
});

test('a graph without a final Gemm/MatMul has no classifier', async () => {
  const path = join(dir, 'noclassifier.onnx');
  const m = makeModel({
    irVersion: 7,
    opset: 12,
    graph: {
      name: 'g',
      node: [{ opType: 'Relu', input: ['data_0'], output: ['y'] }],
      input: [
        {
          name: 'data_0',
          type: {
            tensorType: { elemType: 1, shape: { dim: [1, 3, 224, 224].map((d) => ({ dimValue: d })) } },
          },
        },
      ],
      output: [{ name: 'y' }],
    },
  });
  await writeFile(path, encodeModel(m));
  await rejectsWith(path, 'no_classifier', /Could not find the classifier/);
});

test('an opset outside 3–13 is refused with the supported range', async () => {
  const bytes = encodeModel({ ...buildGoogLeNet({ seed: 2 }), opsetImport: [{ domain: '', version: 18 }] });
  const path = join(dir, 'opset18.onnx');
  await writeFile(path, bytes);
  await rejectsWith(path, 'unsupported_opset', /opset 18.*3–13/);
});
