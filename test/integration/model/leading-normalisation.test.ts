/**
 * A model whose graph starts by normalising its input (Sub mean, Div std) is fed plain pixels:
 * Incept names the preset the graph applies and does not normalise a second time.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createEngine } from '../../../src/model/engines/registry.ts';
import { describeModel } from '../../../src/model/library.ts';
import { leadingNormalisation } from '../../../src/model/leading-normalisation.ts';
import { decodeModel } from '../../../src/model/onnx/read.ts';
import type { IModelProto } from '../../../src/model/onnx/proto.ts';
import { encodeModel, floatTensor, makeNode } from '../../../src/model/onnx/write.ts';
import { PRESETS } from '../../../src/domain/preprocessing.ts';
import { toModelInput } from '../../../src/model/preprocess.ts';
import { detectPreprocessing } from '../../../src/model/preset-detection.ts';
import { relDiff } from '../../fixtures/compare.ts';
import { seededRandom } from '../../fixtures/googlenet.ts';
import { buildTorchvisionGoogLeNet } from '../../fixtures/torchvision-googlenet.ts';

/** Puts `ops` (op, per-channel constant) between the graph input `x` and the rest of the graph. */
function withPrefix(model: IModelProto, ops: [string, number[]][]): IModelProto {
  const graph = model.graph!;
  let current = 'x';
  const prefix = ops.map(([op, values], i) => {
    const name = `normalise/${op.toLowerCase()}_${i}`;
    graph.initializer!.push(floatTensor(`${name}/value`, [1, 3, 1, 1], Float32Array.from(values)));
    const node = makeNode(op, [current, `${name}/value`], [name]);
    current = name;
    return node;
  });
  for (const n of graph.node!) n.input = n.input!.map((i) => (i === 'x' ? current : i));
  graph.node = [...prefix, ...graph.node!];
  return model;
}

function pixels(n: number): Uint8Array[] {
  const rng = seededRandom(21);
  return Array.from({ length: n }, () => {
    const rgb = new Uint8Array(224 * 224 * 3);
    const block = 20 + Math.floor(rng.uniform() * 40);
    const colours = Array.from({ length: 300 }, () => Math.floor(rng.uniform() * 256));
    for (let y = 0; y < 224; y++)
      for (let x = 0; x < 224; x++)
        for (let c = 0; c < 3; c++)
          rgb[(y * 224 + x) * 3 + c] =
            colours[((Math.floor(y / block) * 11 + Math.floor(x / block)) * 3 + c) % 300]!;
    return rgb;
  });
}

test('a torchvision graph that subtracts the mean and divides by the std itself gets plain 0..1 RGB', async (t) => {
  const { mean, std } = PRESETS.torchvision;
  const plain = encodeModel(buildTorchvisionGoogLeNet({ seed: 6 }));
  const prefixed = encodeModel(
    withPrefix(buildTorchvisionGoogLeNet({ seed: 6 }), [
      ['Sub', mean],
      ['Div', std],
    ]),
  );
  const detected = detectPreprocessing(decodeModel(prefixed));
  assert.ok(detected, 'detected');
  assert.deepEqual(detected.preprocessing, {
    preset: 'custom',
    channelOrder: 'RGB',
    scale: 1 / 255,
    mean: [0, 0, 0],
    std: [1, 1, 1],
  });
  assert.match(detected.from, /normalises its input itself .*torchvision.*does not normalise again/);
  const description = describeModel(prefixed, 'prefixed.onnx', 'file');
  assert.match(description.preprocessingFrom!, /normalises its input itself/);
  // Without the prefix the same network is recognised by its names and normalised by Incept.
  assert.equal(detectPreprocessing(decodeModel(plain))?.preprocessing.preset, 'torchvision');

  // Incept's features for the prefixed model, fed what the detection says, are the features
  // onnxruntime gives the plain model with torchvision's own preprocessing: normalised once.
  const images = pixels(2);
  const input = (p: typeof PRESETS.torchvision) => {
    const out = new Float32Array(images.length * 224 * 224 * 3);
    images.forEach((rgb, i) => out.set(toModelInput(rgb, undefined, 0, p), i * 224 * 224 * 3));
    return out;
  };
  const mine = (await createEngine(prefixed, { engine: 'wasm' })).engine;
  const ortPrefixed = (await createEngine(prefixed, { engine: 'onnxruntime' })).engine;
  const ortPlain = (await createEngine(plain, { engine: 'onnxruntime' })).engine;
  try {
    const want = await ortPlain.infer(input(PRESETS.torchvision), images.length);
    const got = await mine.infer(input(detected.preprocessing), images.length);
    const oracle = await ortPrefixed.infer(input(detected.preprocessing), images.length);
    const f = relDiff(got.features, want.features);
    t.diagnostic(`features relative difference ${f.toExponential(2)}`);
    assert.ok(f <= 1e-4, `features differ by ${f} (relative)`);
    assert.ok(relDiff(oracle.features, want.features) <= 1e-4);
    // Normalising twice would be visibly wrong: the check above can fail.
    const twice = await mine.infer(input(PRESETS.torchvision), images.length);
    assert.ok(relDiff(twice.features, want.features) > 1e-2);
  } finally {
    await mine.dispose();
    await ortPrefixed.dispose();
    await ortPlain.dispose();
  }
});

test('the preset of a leading normalisation is read from its constants', () => {
  const caffe = withPrefix(buildTorchvisionGoogLeNet({ seed: 1 }), [['Sub', PRESETS.caffe.mean]]);
  const c = leadingNormalisation(decodeModel(encodeModel(caffe)), Object.values(PRESETS));
  assert.equal(c?.preset, 'caffe');
  assert.deepEqual(c?.preprocessing, {
    preset: 'custom',
    channelOrder: 'BGR',
    scale: 1,
    mean: [0, 0, 0],
    std: [1, 1, 1],
  });

  // [-1, 1] written as x · (1/127.5) − 1 on 0..255 input.
  const tf = withPrefix(buildTorchvisionGoogLeNet({ seed: 1 }), [
    ['Mul', [1 / 127.5, 1 / 127.5, 1 / 127.5]],
    ['Add', [-1, -1, -1]],
  ]);
  const t = leadingNormalisation(decodeModel(encodeModel(tf)), Object.values(PRESETS));
  assert.equal(t?.preset, 'tf');
  assert.equal(t?.range, 255);
  assert.equal(t?.preprocessing?.channelOrder, 'RGB');

  // Constants of no preset: Incept cannot tell the range or channel order, so the person chooses.
  const odd = withPrefix(buildTorchvisionGoogLeNet({ seed: 1 }), [
    ['Sub', [0.5, 0.5, 0.5]],
    ['Div', [0.3, 0.3, 0.3]],
  ]);
  const o = leadingNormalisation(decodeModel(encodeModel(odd)), Object.values(PRESETS));
  assert.equal(o?.preset, 'custom');
  assert.equal(o?.preprocessing, null);
  assert.equal(detectPreprocessing(decodeModel(encodeModel(odd))), null);

  // A graph that starts with a convolution has no such prefix.
  assert.equal(
    leadingNormalisation(decodeModel(encodeModel(buildTorchvisionGoogLeNet())), Object.values(PRESETS)),
    null,
  );
});
