import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ModelError } from '../../../src/model/errors.ts';
import { DataType, onnx } from '../../../src/model/onnx/proto.ts';
import { decodeModel, tensorFloat32, tensorInts } from '../../../src/model/onnx/read.ts';
import {
  attr,
  encodeModel,
  floatTensor,
  int64Tensor,
  makeModel,
  makeNode,
  valueInfo,
} from '../../../src/model/onnx/write.ts';

function tinyModel(storage: 'raw' | 'float', irVersion = 3) {
  const w = floatTensor('w', [2, 3], Float32Array.from([1.5, -2, 3.25, 0, 1e-7, -1e6]), storage);
  const shape = int64Tensor('shape', [2], [1, -1], storage);
  return makeModel({
    irVersion,
    opset: 7,
    graph: {
      name: 'tiny',
      node: [
        makeNode('Gemm', ['x', 'w'], ['y'], { transB: attr.int(1), alpha: attr.float(1) }, 'fc'),
        makeNode('Reshape', ['y', 'shape'], ['z']),
      ],
      initializer: [w, shape],
      input: [
        valueInfo('x', ['N', 3]),
        ...(irVersion < 4 ? [valueInfo('w', [2, 3]), valueInfo('shape', [2], 7)] : []),
      ],
      output: [valueInfo('z', ['N', 2])],
    },
  });
}

for (const storage of ['raw', 'float'] as const) {
  test(`tensors round-trip through ${storage} storage`, () => {
    const m = decodeModel(encodeModel(tinyModel(storage)));
    assert.deepEqual(
      Array.from(tensorFloat32(m.initializers.get('w')!)),
      Array.from(Float32Array.from([1.5, -2, 3.25, 0, 1e-7, -1e6])),
    );
    assert.deepEqual(tensorInts(m.initializers.get('shape')!), [1, -1]);
    assert.equal(m.initializers.get('w')!.dataType, DataType.FLOAT);
  });
}

test('IR 3 initializers listed as graph inputs are not real inputs', () => {
  const m = decodeModel(encodeModel(tinyModel('raw', 3)));
  assert.deepEqual(
    m.inputs.map((i) => i.name),
    ['x'],
  );
  assert.deepEqual(m.inputs[0]!.dims, ['N', 3]);
  assert.equal(m.irVersion, 3);
  assert.equal(m.opset, 7);
});

test('nodes keep typed attributes; unnamed nodes are named by their first output', () => {
  const m = decodeModel(encodeModel(tinyModel('raw')));
  const [gemm, reshape] = m.nodes;
  assert.equal(gemm!.name, 'fc');
  assert.equal(gemm!.attrs.get('transB'), 1);
  assert.equal(gemm!.attrs.get('alpha'), 1);
  assert.equal(reshape!.name, 'z');
});

test('raw_data at an odd byte offset is copied into an aligned Float32Array', () => {
  const bytes = encodeModel(tinyModel('raw'));
  // Decode from a buffer that starts at an odd address, so raw_data views are misaligned.
  const backing = new Uint8Array(bytes.length + 1);
  backing.set(bytes, 1);
  const m = decodeModel(backing.subarray(1));
  const w = m.initializers.get('w')!;
  assert.ok(
    w.rawData && w.rawData.byteOffset % 4 !== 0,
    'the raw_data view should be misaligned for this test',
  );
  const values = tensorFloat32(w);
  assert.equal(values.byteOffset, 0);
  assert.equal(values[2], 3.25);
});

test('raw_data of the wrong length is reported as truncated', () => {
  const t = onnx.TensorProto.create({
    name: 'bad',
    dims: [4],
    dataType: DataType.FLOAT,
    rawData: new Uint8Array(12),
  });
  assert.throws(
    () => tensorFloat32(t),
    (err: unknown) => err instanceof ModelError && err.code === 'truncated' && /needs 16/.test(err.message),
  );
});

test('external data and non-float weights are refused clearly', () => {
  const ext = onnx.TensorProto.create({
    name: 'ext',
    dims: [1],
    dataType: DataType.FLOAT,
    dataLocation: onnx.TensorProto.DataLocation.EXTERNAL,
    externalData: [{ key: 'location', value: 'weights.bin' }],
  });
  assert.throws(() => tensorFloat32(ext), /external-data file/);
  const half = onnx.TensorProto.create({
    name: 'half',
    dims: [1],
    dataType: DataType.FLOAT16,
    rawData: new Uint8Array(2),
  });
  assert.throws(() => tensorFloat32(half), /FLOAT16.*float32 models only/);
});

test('a model without opset_import is refused', () => {
  const bytes = encodeModel({ irVersion: 7, graph: { name: 'g', node: [makeNode('Relu', ['x'], ['y'])] } });
  assert.throws(
    () => decodeModel(bytes),
    (err: unknown) => err instanceof ModelError && /opset_import/.test(err.message),
  );
});
