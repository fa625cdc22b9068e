import assert from 'node:assert/strict';
import { test } from 'node:test';
import { analyzeModel } from '../../../src/model/graph/analyze.ts';
import { isTfSame, window2D } from '../../../src/model/graph/geometry.ts';
import { oihwToHwio, transposeData } from '../../../src/model/graph/layout.ts';
import { SUPPORTED_OPS } from '../../../src/model/graph/op-table.ts';
import { OP_FAMILIES } from '../../../src/model/graph/ops.ts';
import { decodeModel, type OnnxNode } from '../../../src/model/onnx/read.ts';
import {
  attr,
  encodeModel,
  floatTensor,
  int64Tensor,
  makeModel,
  makeNode,
  valueInfo,
} from '../../../src/model/onnx/write.ts';

test('the op table and the op families describe the same ops', () => {
  for (const [op, support] of Object.entries(SUPPORTED_OPS)) {
    assert.ok(
      OP_FAMILIES[support.family][op],
      `${op} is listed under ${support.family} but has no kernel there`,
    );
  }
  for (const [family, ops] of Object.entries(OP_FAMILIES)) {
    for (const op of Object.keys(ops))
      assert.equal(SUPPORTED_OPS[op]?.family, family, `${op} is not in the table`);
  }
});

function node(attrs: Record<string, number[] | number | string>): OnnxNode {
  return {
    index: 0,
    name: 'n',
    opType: 'MaxPool',
    domain: '',
    inputs: [],
    outputs: [],
    attrs: new Map(Object.entries(attrs)),
  };
}

test("Caffe's ceil-mode pooling pads [0, 0, 1, 1] give GoogLeNet's sizes and equal TF 'same'", () => {
  for (const [input, output] of [
    [112, 56],
    [56, 28],
    [28, 14],
    [14, 7],
  ] as const) {
    const w = window2D(node({ strides: [2, 2], pads: [0, 0, 1, 1] }), [input, input], [3, 3]);
    assert.deepEqual(w.out, [output, output]);
    assert.ok(isTfSame(w, [input, input]));
  }
  const asym = window2D(node({ strides: [2, 2], pads: [1, 1, 0, 0] }), [14, 14], [2, 2]);
  assert.ok(!isTfSame(asym, [14, 14]));
});

test('ceil_mode rounds up but never starts a window in the end padding', () => {
  const w = window2D(node({ strides: [2, 2] }), [14, 14], [3, 3], { ceilMode: true });
  assert.deepEqual(w.out, [7, 7]);
  assert.deepEqual(w.ceilExtra, [1, 1]);
  const edge = window2D(node({ strides: [2, 2], pads: [1, 1, 1, 1] }), [5, 5], [2, 2], { ceilMode: true });
  // ceil((5 + 2 - 2) / 2) + 1 = 4, but the 4th window would start at 6 >= 5 + 1: drop it.
  assert.deepEqual(edge.out, [3, 3]);
});

test('auto_pad SAME_UPPER / SAME_LOWER put the odd pad at the end / start', () => {
  const upper = window2D(node({ auto_pad: 'SAME_UPPER', strides: [2, 2] }), [14, 14], [4, 4]);
  assert.deepEqual(upper.pads, [1, 1, 1, 1]);
  const lower = window2D(node({ auto_pad: 'SAME_LOWER' }), [14, 14], [4, 4]);
  assert.deepEqual(lower.pads, [2, 2, 1, 1]);
  assert.deepEqual(lower.out, [14, 14]);
});

test('weights are transposed OIHW → HWIO', () => {
  // O=2, I=1, H=1, W=2: w[o][0][0][x] = 10*o + x
  const hwio = oihwToHwio(Float32Array.from([0, 1, 10, 11]), [2, 1, 1, 2]);
  // [H=1][W=2][I=1][O=2]
  assert.deepEqual(Array.from(hwio), [0, 10, 1, 11]);
  assert.deepEqual(
    Array.from(transposeData(Float32Array.from([1, 2, 3, 4, 5, 6]), [2, 3], [1, 0])),
    [1, 4, 2, 5, 3, 6],
  );
});

function reshapeModel(shape: number[]) {
  const k = 8 * 2 * 2;
  return decodeModel(
    encodeModel(
      makeModel({
        irVersion: 7,
        opset: 12,
        graph: {
          name: 'g',
          node: [
            makeNode('AveragePool', ['data_0'], ['p'], {
              kernel_shape: attr.ints([112, 112]),
              strides: attr.ints([112, 112]),
            }),
            makeNode('Conv', ['p', 'cw'], ['c'], { kernel_shape: attr.ints([1, 1]) }),
            makeNode('Reshape', ['c', 'shape'], ['r']),
            makeNode('Gemm', ['r', 'w'], ['feat'], { transB: attr.int(1) }),
            makeNode('Gemm', ['feat', 'w2'], ['logits'], { transB: attr.int(1) }),
          ],
          initializer: [
            floatTensor('cw', [8, 3, 1, 1], new Float32Array(24)),
            int64Tensor('shape', [shape.length], shape),
            floatTensor('w', [1024, k], new Float32Array(1024 * k)),
            floatTensor('w2', [5, 1024], new Float32Array(5 * 1024)),
          ],
          input: [valueInfo('data_0', ['N', 3, 224, 224])],
          output: [valueInfo('logits', ['N', 5])],
        },
      }),
    ),
  );
}

test('Reshape keeps a leading 1 / -1 / 0 as the batch when the rest is one whole image', () => {
  for (const shape of [
    [1, 32],
    [-1, 32],
    [0, -1],
    [1, -1],
  ]) {
    const a = analyzeModel(reshapeModel(shape));
    assert.equal(a.batchLimit, null, `shape [${shape.join(', ')}]`);
    assert.deepEqual(a.values.get('r')!.shape, [1, 32]);
    assert.equal(a.featureTensor, 'feat');
    assert.equal(a.numClasses, 5);
    assert.equal(a.outputIsLogits, true);
  }
});
