/**
 * A tiny convolutional network for probing an execution provider: Conv → Relu → MaxPool → Conv →
 * GlobalAveragePool, the op kinds GoogLeNet leans on, small enough that even a software GPU
 * compiles and runs it in about a second. Its weights are fixed, so the provider's answer can be
 * checked against the CPU provider's.
 */
import { DataType } from '../onnx/proto.ts';
import { attr, encodeModel, floatTensor, makeModel, makeNode, valueInfo } from '../onnx/write.ts';

export const PROBE_INPUT_SHAPE = [2, 3, 32, 32] as const;

/** Deterministic values in [-1, 1) (an LCG), so every run feeds the same numbers. */
export function probeValues(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

export function probeModelBytes(): Uint8Array {
  const w1 = probeValues(16 * 3 * 3 * 3, 1).map((v) => v * 0.4);
  const b1 = probeValues(16, 2).map((v) => v * 0.1);
  const w2 = probeValues(8 * 16 * 3 * 3, 3).map((v) => v * 0.15);
  const b2 = probeValues(8, 4).map((v) => v * 0.1);
  const pads = attr.ints([1, 1, 1, 1]);
  const graph = {
    name: 'incept-probe',
    node: [
      makeNode('Conv', ['x', 'w1', 'b1'], ['c1'], { kernel_shape: attr.ints([3, 3]), pads }),
      makeNode('Relu', ['c1'], ['r1']),
      makeNode('MaxPool', ['r1'], ['p1'], { kernel_shape: attr.ints([2, 2]), strides: attr.ints([2, 2]) }),
      makeNode('Conv', ['p1', 'w2', 'b2'], ['c2'], { kernel_shape: attr.ints([3, 3]), pads }),
      makeNode('GlobalAveragePool', ['c2'], ['y']),
    ],
    initializer: [
      floatTensor('w1', [16, 3, 3, 3], w1),
      floatTensor('b1', [16], b1),
      floatTensor('w2', [8, 16, 3, 3], w2),
      floatTensor('b2', [8], b2),
    ],
    input: [valueInfo('x', [...PROBE_INPUT_SHAPE], DataType.FLOAT)],
    output: [valueInfo('y', [PROBE_INPUT_SHAPE[0], 8, 1, 1], DataType.FLOAT)],
  };
  return encodeModel(makeModel({ graph, opset: 13, irVersion: 7 }));
}
