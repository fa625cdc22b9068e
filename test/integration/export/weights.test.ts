import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import {
  packWeights,
  SHARD_BYTES,
  toFloat16Bits,
  type WeightEntry,
} from '../../../src/export/tfjs-weights.ts';
import { tf, useWasmBackend } from '../../../src/model/tfjs-runtime.ts';
import { seededRandom } from '../../fixtures/googlenet.ts';

before(async () => {
  await useWasmBackend();
});

/** Decodes packed shards with tfjs-core's own reader, as loadGraphModel does. */
function decode(entries: WeightEntry[], quantize: 'none' | 'float16' | 'uint8', shardBytes?: number) {
  const packed = packWeights(entries, quantize, shardBytes);
  const specs = packed.manifest.flatMap((g) => g.weights);
  const map = tf.io.decodeWeights(
    packed.shards.map((s) => s.data.slice().buffer),
    specs,
  );
  return { packed, values: (name: string) => map[name]!.dataSync() };
}

test('float16: exact where representable, round-to-nearest-even otherwise, with overflow, subnormals, NaN', () => {
  const cases: [number, number][] = [
    [0, 0x0000],
    [-0, 0x8000],
    [1, 0x3c00],
    [-2.25, 0xc080],
    [65504, 0x7bff],
    [65520, 0x7c00], // rounds up to +Inf
    [-Infinity, 0xfc00],
    [2 ** -24, 0x0001], // smallest subnormal
    [2 ** -25, 0x0000], // ties to even (0)
    [3 * 2 ** -25, 0x0002], // ties to even (2)
    [1 + 2 ** -11, 0x3c00], // tie → even
    [1 + 3 * 2 ** -11, 0x3c02],
  ];
  for (const [value, bits] of cases) assert.equal(toFloat16Bits(value), bits, `${value}`);
  assert.equal(toFloat16Bits(NaN) & 0x7c00, 0x7c00);
  assert.notEqual(toFloat16Bits(NaN) & 0x3ff, 0);
});

test('float16 and uint8 weights decode through tfjs-core within their precision', () => {
  const rng = seededRandom(3);
  const data = Float32Array.from({ length: 5000 }, () => rng.normal() * 0.2);
  data[7] = 0;
  const entries: WeightEntry[] = [
    { name: 'w', shape: [50, 100], dtype: 'float32', data, quantizable: true },
    { name: 'pad', shape: [], dtype: 'float32', data: Float32Array.of(-Infinity), quantizable: false },
    { name: 'shape', shape: [2], dtype: 'int32', data: Int32Array.of(-1, 1024), quantizable: false },
  ];
  const half = decode(entries, 'float16');
  const h = half.values('w');
  for (let i = 0; i < data.length; i++) {
    assert.ok(
      Math.abs((h[i] as number) - (data[i] as number)) <= Math.abs(data[i] as number) * 2 ** -11 + 2 ** -25,
    );
  }
  assert.deepEqual(half.packed.manifest[0]?.weights[0]?.quantization, { dtype: 'float16' });

  const u8 = decode(entries, 'uint8');
  const spec = u8.packed.manifest[0]?.weights[0]?.quantization as {
    dtype: string;
    min: number;
    scale: number;
  };
  assert.equal(spec.dtype, 'uint8');
  const q = u8.values('w');
  for (let i = 0; i < data.length; i++)
    assert.ok(Math.abs((q[i] as number) - (data[i] as number)) <= spec.scale / 2 + 1e-6);
  assert.equal(q[7], 0, 'zero stays exact');
  for (const d of [half, u8]) {
    assert.equal(d.values('pad')[0], -Infinity, 'non-quantizable constants stay float32');
    assert.deepEqual(Array.from(d.values('shape')), [-1, 1024]);
  }
  assert.ok(u8.packed.bytes < half.packed.bytes && half.packed.bytes < decode(entries, 'none').packed.bytes);
});

test('weights are split into shards of at most the shard size and read back whole', () => {
  const big = Float32Array.from({ length: 3000 }, (_, i) => i / 7);
  const entries: WeightEntry[] = [
    { name: 'a', shape: [1000], dtype: 'float32', data: big.subarray(0, 1000), quantizable: true },
    { name: 'b', shape: [2000], dtype: 'float32', data: big.subarray(1000), quantizable: true },
  ];
  const { packed, values } = decode(entries, 'none', 4096);
  assert.deepEqual(
    packed.shards.map((s) => s.data.length),
    [4096, 4096, 3808],
  );
  assert.deepEqual(packed.manifest[0]?.paths, [
    'group1-shard1of3.bin',
    'group1-shard2of3.bin',
    'group1-shard3of3.bin',
  ]);
  assert.deepEqual(Array.from(values('b')), Array.from(big.subarray(1000)));
  assert.equal(SHARD_BYTES, 4 * 1024 * 1024);
});
