/**
 * Element-wise arithmetic (Add, Sub, Mul, Div, Sum), MatMul and Gemm. Constant operands are
 * prepared once at build time: re-laid out for NHWC, Gemm's B transposed and scaled by alpha,
 * C scaled by beta.
 */
import { constForNhwc, toNhwc, toPlain, transposeData } from './layout.ts';
import { int64Tensor, makeNode } from '../onnx/write.ts';
import {
  FLOAT,
  INT32,
  copyToOnnx,
  tfStr,
  type OnnxExportCtx,
  type TfExportCtx,
  type TfValue,
} from './export-writers.ts';
import {
  attrFloat,
  attrInt,
  badModel,
  notImplemented,
  required,
  type BuildValue,
  type Built,
  type InferCtx,
  type InferResult,
  type OpImpl,
  type Tensor,
  type TF,
  type ValueDesc,
} from './types.ts';
import type { OnnxNode } from '../onnx/read.ts';

function broadcastShapes(node: OnnxNode, a: readonly number[], b: readonly number[]): number[] {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw badModel(node, `cannot broadcast shapes [${a.join(', ')}] and [${b.join(', ')}]`);
    }
    out.push(da === 1 ? db : da);
  }
  return out;
}

/**
 * Opset < 7 broadcasting: with broadcast=1, B's dims line up with A's starting at `axis`
 * (default: trailing). Returns B's shape rewritten for numpy-style broadcasting.
 */
function legacyOperandShape(ctx: Pick<InferCtx, 'node' | 'opset' | 'inputs'>, i: number): number[] {
  const v = required(ctx, i);
  if (ctx.opset >= 7 || i !== 1 || attrInt(ctx.node, 'broadcast', 0) !== 1) return v.shape;
  const a = required(ctx, 0);
  const axis = attrInt(ctx.node, 'axis', a.shape.length - v.shape.length);
  const shape = new Array<number>(a.shape.length - axis).fill(1);
  v.shape.forEach((d, k) => (shape[k] = d));
  return shape;
}

type BinaryFn = (tf: TF, a: Tensor, b: Tensor) => Tensor;

const BINARY: Record<string, BinaryFn> = {
  Add: (tf, a, b) => tf.add(a, b),
  Sub: (tf, a, b) => tf.sub(a, b),
  Mul: (tf, a, b) => tf.mul(a, b),
  Div: (tf, a, b) => tf.div(a, b),
  Sum: (tf, a, b) => tf.add(a, b),
};

const TF_BINARY: Record<string, string> = {
  Add: 'AddV2',
  Sub: 'Sub',
  Mul: 'Mul',
  Div: 'RealDiv',
  Sum: 'AddV2',
};

function elementwiseToTfjs(ctx: TfExportCtx): TfValue[] {
  const { g, node } = ctx;
  const op = TF_BINARY[node.opType]!;
  const outRank = ctx.outputs[0]!.shape.length;
  const runtime = ctx.inputs.filter((v) => v !== undefined && !v.const);
  const nhwc = outRank === 4 && runtime.length > 0 && runtime.every((v) => v!.shape.length === 4);
  const operands = ctx.inputs.map((v, i) => {
    const d = v!;
    const shape = legacyOperandShape(ctx, i);
    if (d.const) {
      if (!nhwc) return g.constF32(ctx.name(`operand_${i}`), shape, Float32Array.from(d.const.values));
      const c = constForNhwc(d.const.values, shape);
      return g.constF32(ctx.name(`operand_${i}`), c.dims, c.data);
    }
    if (nhwc) return ctx.nhwc(i);
    const plain = ctx.plain(i);
    if (shape.length === d.shape.length) return plain;
    // Opset < 7 broadcasting of a run-time B: give it the shape numpy-style broadcasting needs.
    const target = g.constI32(
      ctx.name(`operand_${i}_shape`),
      [shape.length],
      d.batched ? [-1, ...shape.slice(1)] : shape,
    );
    return g.op(ctx.name(`operand_${i}`), 'Reshape', [plain, target], { T: FLOAT, Tshape: INT32 });
  });
  let acc = operands[0]!;
  operands.slice(1).forEach((b, k) => {
    acc = g.op(k === operands.length - 2 ? ctx.name() : ctx.name(`partial_${k}`), op, [acc, b], { T: FLOAT });
  });
  return [{ name: acc, layout: nhwc ? 'nhwc' : 'plain' }];
}

function elementwiseToOnnx(ctx: OnnxExportCtx): void {
  const inputs = ctx.inputs.map((v, i) => {
    const shape = legacyOperandShape(ctx, i);
    if (v!.const || shape.length === v!.shape.length) return ctx.input(i, shape);
    const target = ctx.initializer(
      int64Tensor(
        ctx.fresh(`${ctx.node.name}/operand_${i}_shape`),
        [shape.length],
        v!.batched ? [0, ...shape.slice(1)] : shape,
      ),
    );
    const reshaped = ctx.fresh(`${ctx.node.name}/operand_${i}`);
    ctx.emit(makeNode('Reshape', [ctx.input(i), target], [reshaped], {}, reshaped));
    return reshaped;
  });
  ctx.emit(makeNode(ctx.node.opType, inputs, [ctx.output(0)], {}, ctx.node.name));
}

function elementwise(opType: string): OpImpl {
  const fn = BINARY[opType]!;
  return {
    toTfjs: elementwiseToTfjs,
    toOnnx: elementwiseToOnnx,
    infer(ctx): InferResult {
      if (ctx.inputs.length < 1 || ctx.inputs.some((v) => v === undefined))
        throw badModel(ctx.node, 'is missing an input');
      let shape: number[] = [];
      ctx.inputs.forEach((_, i) => (shape = broadcastShapes(ctx.node, shape, legacyOperandShape(ctx, i))));
      return { outputs: [{ shape, batched: ctx.inputs.some((v) => v!.batched) }] };
    },
    build(ctx): Built {
      const { tf } = ctx;
      const outRank = ctx.outputs[0]!.shape.length;
      const runtime = ctx.inputs.filter((v): v is BuildValue => v !== undefined && !v.const);
      // Work channels-last when every run-time operand is an image; constants follow.
      const nhwc = outRank === 4 && runtime.length > 0 && runtime.every((v) => v.shape.length === 4);
      const operands = ctx.inputs.map((v, i) => {
        const d = v!;
        if (!d.const) return null;
        const shape = legacyOperandShape(ctx, i);
        if (nhwc) {
          const c = constForNhwc(d.const.values, shape);
          return ctx.keep(tf.tensor(c.data, c.dims));
        }
        return ctx.keep(tf.tensor(d.const.values, shape));
      });
      return {
        layouts: [nhwc ? 'nhwc' : 'plain'],
        run: (xs) => {
          const ts = operands.map((c, i) => {
            if (c) return c;
            const d = ctx.inputs[i]!;
            return nhwc ? toNhwc(tf, xs[i]!, d) : toPlain(tf, xs[i]!, d);
          });
          return [ts.slice(1).reduce((acc, t) => fn(tf, acc, t), ts[0]!)];
        },
      };
    },
  };
}

function matMulShape(node: OnnxNode, a: readonly number[], b: readonly number[]): number[] {
  if (a.length !== 2 || b.length !== 2) {
    throw notImplemented(node, `MatMul of rank-${a.length} by rank-${b.length} (only matrices)`);
  }
  const [m, k] = a.slice(-2) as [number, number];
  const [k2, n] = b.slice(-2) as [number, number];
  if (k !== k2) throw badModel(node, `multiplies [${a.join(', ')}] by [${b.join(', ')}]`);
  return [...broadcastShapes(node, a.slice(0, -2), b.slice(0, -2)), m, n];
}

const matMul: OpImpl = {
  toTfjs(ctx): TfValue[] {
    const { g } = ctx;
    const operand = (i: number) => {
      const d = required(ctx, i);
      return d.const
        ? g.constF32(ctx.name(`operand_${i}`), d.shape, Float32Array.from(d.const.values))
        : ctx.plain(i);
    };
    const attrs = { T: FLOAT, transpose_a: { b: false }, transpose_b: { b: false } };
    return [{ name: g.op(ctx.name(), 'MatMul', [operand(0), operand(1)], attrs), layout: 'plain' }];
  },
  toOnnx: copyToOnnx([]),
  infer(ctx): InferResult {
    const a = required(ctx, 0);
    const b = required(ctx, 1);
    if (b.batched && a.batched) throw notImplemented(ctx.node, 'MatMul of two image-dependent tensors');
    return { outputs: [{ shape: matMulShape(ctx.node, a.shape, b.shape), batched: a.batched || b.batched }] };
  },
  build(ctx): Built {
    const { tf } = ctx;
    const [aDesc, bDesc] = [required(ctx, 0), required(ctx, 1)];
    const consts = [aDesc, bDesc].map((d) => (d.const ? ctx.keep(tf.tensor(d.const.values, d.shape)) : null));
    return {
      layouts: ['plain'],
      run: ([a, b]) => [tf.matMul(consts[0] ?? toPlain(tf, a!, aDesc), consts[1] ?? toPlain(tf, b!, bDesc))],
    };
  },
};

interface GemmParams {
  a: ValueDesc;
  b: ValueDesc;
  c: ValueDesc | undefined;
  transA: boolean;
  transB: boolean;
  alpha: number;
  beta: number;
  m: number;
  k: number;
  n: number;
}

function gemmParams(ctx: Pick<InferCtx, 'node' | 'opset' | 'inputs'>): GemmParams {
  const { node } = ctx;
  const a = required(ctx, 0);
  const b = required(ctx, 1);
  const c = ctx.inputs[2];
  if (a.shape.length !== 2) {
    throw notImplemented(node, `Gemm on a rank-${a.shape.length} input (add a Flatten/Reshape before it)`);
  }
  if (b.shape.length !== 2) throw badModel(node, `has a rank-${b.shape.length} B`);
  const transA = attrInt(node, 'transA', 0) === 1;
  const transB = attrInt(node, 'transB', 0) === 1;
  if (transA && a.batched) throw notImplemented(node, 'Gemm with transA=1 on image-dependent input');
  if (!b.const) throw notImplemented(node, 'Gemm with a computed (non-constant) B');
  const [m, k] = (transA ? [a.shape[1], a.shape[0]] : a.shape) as [number, number];
  const [k2, n] = (transB ? [b.shape[1], b.shape[0]] : b.shape) as [number, number];
  if (k !== k2) throw badModel(node, `multiplies A [${a.shape.join(', ')}] by B [${b.shape.join(', ')}]`);
  if (c) broadcastShapes(node, [m, n], c.shape);
  if (c?.batched) throw notImplemented(node, 'Gemm with an image-dependent C');
  return {
    a,
    b,
    c,
    transA,
    transB,
    alpha: attrFloat(node, 'alpha', 1),
    beta: attrFloat(node, 'beta', 1),
    m,
    k,
    n,
  };
}

const gemm: OpImpl = {
  toTfjs(ctx): TfValue[] {
    const { g } = ctx;
    const p = gemmParams(ctx);
    let bData = p.b.const!.values;
    if (p.transB) bData = transposeData(bData, p.b.shape, [1, 0]);
    bData = bData.map((v) => v * p.alpha);
    const b = g.constF32(ctx.name('weights'), [p.k, p.n], bData);
    const a = p.a.const
      ? g.constF32(ctx.name('a'), p.a.shape, Float32Array.from(p.a.const.values))
      : ctx.plain(0);
    const attrs = { T: FLOAT, transpose_a: { b: p.transA }, transpose_b: { b: false } };
    if (!p.c?.const || p.beta === 0)
      return [{ name: g.op(ctx.name(), 'MatMul', [a, b], attrs), layout: 'plain' }];
    const mm = g.op(ctx.name('matmul'), 'MatMul', [a, b], attrs);
    const c = p.c.const.values.map((v) => v * p.beta);
    const row = p.c.shape.length < 2 || (p.c.shape.length === 2 && p.c.shape[0] === 1);
    if (row && c.length === p.n) {
      const bias = g.constF32(ctx.name('bias'), [p.n], c);
      return [
        {
          name: g.op(ctx.name(), 'BiasAdd', [mm, bias], { T: FLOAT, data_format: tfStr('NHWC') }),
          layout: 'plain',
        },
      ];
    }
    const cName = g.constF32(ctx.name('c'), p.c.shape, c);
    return [{ name: g.op(ctx.name(), 'AddV2', [mm, cName], { T: FLOAT }), layout: 'plain' }];
  },
  toOnnx: copyToOnnx(['alpha', 'beta', 'transA', 'transB']),
  infer(ctx): InferResult {
    const p = gemmParams(ctx);
    return { outputs: [{ shape: [p.m, p.n], batched: p.a.batched }] };
  },
  build(ctx): Built {
    const { tf } = ctx;
    const p = gemmParams(ctx);
    const aDesc = ctx.inputs[0]!;
    let bias: Tensor | undefined;
    if (p.c?.const && p.beta !== 0) {
      const values = p.c.const.values.map((v) => v * p.beta);
      // A [1, N] bias row serves every batch size; a full [M, N] C is only valid for M == batch 1.
      bias = ctx.keep(tf.tensor(values, p.c.shape.length === 2 && p.c.shape[0] === 1 ? [p.n] : p.c.shape));
    }
    // [K, N] once, with alpha folded in: the per-run work is one matMul (+ bias).
    let bData = p.b.const!.values;
    if (p.transB) bData = transposeData(bData, p.b.shape, [1, 0]);
    if (p.alpha !== 1) bData = bData.map((v) => v * p.alpha);
    const bT = ctx.keep(tf.tensor2d(bData, [p.k, p.n]));
    const aConst = p.a.const ? ctx.keep(tf.tensor(p.a.const.values, p.a.shape)) : null;
    return {
      layouts: ['plain'],
      run: ([a]) => [
        tf.fused.matMul({
          a: (aConst ?? toPlain(tf, a!, aDesc)) as never,
          b: bT as never,
          transposeA: p.transA,
          ...(bias ? { bias } : {}),
        }),
      ],
    };
  },
};

export const arithmeticOps: Record<string, OpImpl> = {
  Add: elementwise('Add'),
  Sub: elementwise('Sub'),
  Mul: elementwise('Mul'),
  Div: elementwise('Div'),
  Sum: elementwise('Sum'),
  MatMul: matMul,
  Gemm: gemm,
};
