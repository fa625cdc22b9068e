/**
 * What the importer runs, as data: op type → family file and the opsets it is checked against.
 * Anything missing here is refused at import with "not implemented: <Op> (node <name>)".
 */
export type OpFamily = 'conv' | 'pool' | 'normalization' | 'arithmetic' | 'shape' | 'activation';

export interface OpSupport {
  family: OpFamily;
  /** Version differences handled (attribute → input moves, defaults). */
  notes: string;
}

/** Opsets of the standard domain the importer understands. */
export const MIN_OPSET = 3;
export const MAX_OPSET = 13;

export const SUPPORTED_OPS: Readonly<Record<string, OpSupport>> = Object.freeze({
  Conv: { family: 'conv', notes: '2-D; pads, auto_pad, strides, dilations, group (incl. depthwise)' },
  MaxPool: { family: 'pool', notes: 'asymmetric pads; ceil_mode (10+); no Indices output, no dilations' },
  AveragePool: { family: 'pool', notes: 'count_include_pad (7+); ceil_mode (10+)' },
  GlobalAveragePool: { family: 'pool', notes: '' },
  GlobalMaxPool: { family: 'pool', notes: '' },
  LRN: { family: 'normalization', notes: 'odd size only' },
  BatchNormalization: { family: 'normalization', notes: 'inference form; folded into a preceding Conv' },
  Add: { family: 'arithmetic', notes: 'legacy broadcast/axis (< 7)' },
  Sub: { family: 'arithmetic', notes: 'legacy broadcast/axis (< 7)' },
  Mul: { family: 'arithmetic', notes: 'legacy broadcast/axis (< 7)' },
  Div: { family: 'arithmetic', notes: 'legacy broadcast/axis (< 7)' },
  Sum: { family: 'arithmetic', notes: '' },
  MatMul: { family: 'arithmetic', notes: 'rank >= 2' },
  Gemm: { family: 'arithmetic', notes: 'transA, transB, alpha, beta; constant B' },
  Reshape: { family: 'shape', notes: 'shape attribute (< 5) or constant input; leading 1 kept as batch' },
  Flatten: { family: 'shape', notes: 'negative axis (11+)' },
  Concat: { family: 'shape', notes: 'optional axis (< 4)' },
  Identity: { family: 'shape', notes: '' },
  Dropout: { family: 'shape', notes: 'identity; is_test (< 7), ratio attribute (7-11) or input (12+)' },
  Constant: { family: 'shape', notes: 'value, value_float(s), value_int(s)' },
  Relu: { family: 'activation', notes: '' },
  Softmax: { family: 'activation', notes: 'flattening axis (< 13), single axis (13)' },
});

export function isSupportedOp(opType: string): boolean {
  return Object.prototype.hasOwnProperty.call(SUPPORTED_OPS, opType);
}
