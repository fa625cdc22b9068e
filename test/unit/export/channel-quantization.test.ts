import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import type { Tensor } from '@tensorflow/tfjs';
import { quantizeChannels, quantizeFiltersPerChannel } from '../../../src/export/channel-quantization.ts';
import { packWeights } from '../../../src/export/tfjs-weights.ts';
import { FLOAT, TfGraphBuilder, tfInts, tfShape, tfStr } from '../../../src/model/graph/export-writers.ts';
import { tf, useWasmBackend } from '../../../src/model/tfjs-runtime.ts';
import { seededRandom } from '../../fixtures/googlenet.ts';

before(async () => {
  await useWasmBackend();
});

const OUT = 6;
/** Output channel o has values of scale 10^-o/2: one grid for all would flatten the narrow ones. */
function filter(): Float32Array {
  const rng = seededRandom(9);
  return Float32Array.from({ length: 3 * 3 * 4 * OUT }, (_, i) => rng.normal() * 10 ** (-(i % OUT) / 2));
}

test('per-channel codes: every channel keeps its own 8-bit grid, extremes exact', () => {
  const data = filter();
  const q = quantizeChannels(data, OUT);
  for (let c = 0; c < OUT; c++) {
    const values = data.filter((_, i) => i % OUT === c);
    const lo = Math.min(...values);
    const hi = Math.max(...values);
    assert.ok(Math.abs((q.scale[c] as number) - (hi - lo) / 255) <= 1e-7 * (hi - lo));
    for (let i = c; i < data.length; i += OUT) {
      const back = (q.codes[i] as number) * (q.scale[c] as number) + (q.offset[c] as number);
      assert.ok(Math.abs(back - (data[i] as number)) <= (q.scale[c] as number) / 2 + 1e-7 * (hi - lo));
    }
  }
  const constant = quantizeChannels(Float32Array.of(0.5, -1, 0.5, 2), 2);
  assert.deepEqual(Array.from(constant.codes), [0, 0, 0, 255]);
  assert.deepEqual(Array.from(constant.offset), [0.5, -1]);
});

test('a uint8 graph with per-channel filters loads in stock tfjs and matches the float filter per channel', async () => {
  const data = filter();
  const g = new TfGraphBuilder();
  g.add('x', 'Placeholder', [], { dtype: FLOAT, shape: { shape: tfShape([1, 5, 5, 4]) } });
  const w = g.constF32('conv/filter', [3, 3, 4, OUT], data, true);
  const bias = g.constF32('conv/bias', [OUT], new Float32Array(OUT).fill(0.25));
  const y = g.op('conv/conv', 'Conv2D', ['x', w], {
    T: FLOAT,
    strides: tfInts([1, 1, 1, 1]),
    dilations: tfInts([1, 1, 1, 1]),
    data_format: tfStr('NHWC'),
    padding: tfStr('SAME'),
  });
  g.add('y', 'BiasAdd', [y, bias], { T: FLOAT, data_format: tfStr('NHWC') });

  const rewritten = quantizeFiltersPerChannel(g.nodes, g.weights);
  // The convolution still reads a tensor named like the filter; it is now computed in the graph.
  const computed = rewritten.nodes.find((n) => n.name === w)!;
  assert.equal(computed.op, 'AddV2');
  assert.equal(rewritten.nodes.find((n) => n.name === 'conv/conv')!.input![1], w);
  const packed = packWeights(rewritten.weights, 'uint8');
  const specs = packed.manifest.flatMap((m) => m.weights);
  assert.deepEqual(
    specs.map((s) => [s.name, s.shape, s.quantization ?? null]),
    [
      ['conv/filter/codes', [3, 3, 4, OUT], { dtype: 'uint8', min: 0, scale: 1 }],
      ['conv/filter/channel_scale', [OUT], null],
      ['conv/filter/channel_offset', [OUT], null],
      ['conv/bias', [OUT], null],
    ],
  );

  const model = await tf.loadGraphModel(
    tf.io.fromMemory({
      modelTopology: { node: rewritten.nodes, versions: { producer: 1286, minConsumer: 12 }, library: {} },
      weightSpecs: specs,
      weightData: packed.shards.map((s) => s.data.slice().buffer),
      format: 'graph-model',
    } as never),
  );
  const rng = seededRandom(4);
  const x = tf.tensor4d(
    Float32Array.from({ length: 100 }, () => rng.normal()),
    [1, 5, 5, 4],
  );
  const got = (model.execute(x, 'y') as Tensor).dataSync();
  const want = tf
    .conv2d(x, tf.tensor4d(data, [3, 3, 4, OUT]), 1, 'same')
    .add(0.25)
    .dataSync();
  const xs = Array.from(x.dataSync());
  const q = quantizeChannels(data, OUT);
  const absSum = xs.reduce((a, v) => a + Math.abs(v), 0);
  for (let i = 0; i < want.length; i++) {
    const c = i % OUT;
    // Each output differs by at most half its own channel's step times the inputs it sums.
    const bound = ((q.scale[c] as number) / 2) * absSum + 1e-5;
    assert.ok(Math.abs((got[i] as number) - (want[i] as number)) <= bound, `output ${i}, channel ${c}`);
  }
  // The narrowest channel is 300× narrower than the widest: one shared grid could not do this.
  const narrow = OUT - 1;
  assert.ok((q.scale[narrow] as number) * 100 < (q.scale[0] as number));
  model.dispose();
});
