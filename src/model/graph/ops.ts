/** Kernels of every op family, keyed by ONNX op type. */
import { activationOps } from './activation.ts';
import { arithmeticOps } from './arithmetic.ts';
import { convOps } from './conv.ts';
import { normalizationOps } from './normalization.ts';
import { poolOps } from './pool.ts';
import { shapeOps } from './shape.ts';
import type { OpFamily } from './op-table.ts';
import type { OpImpl } from './types.ts';

export const OP_FAMILIES: Readonly<Record<OpFamily, Record<string, OpImpl>>> = {
  conv: convOps,
  pool: poolOps,
  normalization: normalizationOps,
  arithmetic: arithmeticOps,
  shape: shapeOps,
  activation: activationOps,
};
