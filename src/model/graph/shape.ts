/**
 * Shape ops: Reshape, Flatten, Concat, and the pass-throughs Identity, Dropout (inference) and
 * Constant.
 *
 * Exporters hard-code batch size 1 (the Model Zoo's GoogLeNet reshapes to the constant [1, 1024]).
 * A leading 1, -1 or 0 is taken as the batch dimension when the rest of the target shape accounts
 * for one whole image, so the graph runs at any batch size.
 */
import { NCHW_TO_NHWC_AXIS, constForNhwc, toNhwc, toPlain } from './layout.ts';
import { attr, int64Tensor, makeNode } from '../onnx/write.ts';
import { FLOAT, INT32, copyToOnnx, tfInt, type OnnxExportCtx, type TfValue } from './export-writers.ts';
import {
  attrInt,
  attrInts,
  badModel,
  constData,
  lazyConst,
  like,
  normAxis,
  notImplemented,
  product,
  required,
  type ValueDesc,
  type BuildValue,
  type Built,
  type InferCtx,
  type InferResult,
  type OpImpl,
  type ValueShape,
} from './types.ts';
import type { OnnxNode } from '../onnx/read.ts';
import type { ITensorProto } from '../onnx/proto.ts';

/** Resolves 0 (copy the input dimension) and one -1 (whatever is left) in a target shape. */
function resolveShape(node: OnnxNode, input: readonly number[], target: readonly number[]): number[] {
  const total = product(input);
  const out = target.map((d, i) => (d === 0 ? (input[i] ?? 0) : d));
  const unknown = out.filter((d) => d === -1).length;
  if (unknown > 1) throw badModel(node, 'has more than one -1 in its target shape');
  const known = product(out.filter((d) => d !== -1));
  if (unknown === 1) {
    if (known === 0 || total % known !== 0) {
      throw badModel(node, `cannot reshape [${input.join(', ')}] to [${target.join(', ')}]`);
    }
    out[out.indexOf(-1)] = total / known;
  }
  if (product(out) !== total)
    throw badModel(node, `cannot reshape [${input.join(', ')}] to [${target.join(', ')}]`);
  return out;
}

interface ReshapePlan {
  out: ValueShape;
  /** tfjs target shape; -1 in front when the batch dimension is kept. */
  runtime: number[];
  batchLimit?: string;
}

type ShapeCtx = Pick<InferCtx, 'node' | 'opset' | 'inputs'>;

function reshapeTarget(ctx: ShapeCtx): number[] {
  const { node } = ctx;
  // Opset < 5 carries the target shape as an attribute instead of a second input.
  if (ctx.opset < 5) return attrInts(node, 'shape', []);
  const s = required(ctx, 1);
  if (!s.const) throw notImplemented(node, 'Reshape with a computed (non-constant) shape');
  return s.const.ints;
}

function reshapePlan(ctx: ShapeCtx): ReshapePlan {
  const { node } = ctx;
  const x = required(ctx, 0);
  const target = reshapeTarget(ctx);
  if (!x.batched) {
    const shape = resolveShape(node, x.shape, target);
    return { out: { shape, batched: false }, runtime: shape };
  }
  const perImage = product(x.shape.slice(1));
  const lead = target[0];
  const rest = target.slice(1).map((d, i) => (d === 0 ? (x.shape[i + 1] ?? 0) : d));
  const free = rest.filter((d) => d === -1).length;
  const known = product(rest.filter((d) => d !== -1));
  const keepsBatch =
    target.length > 0 &&
    (lead === 1 || lead === -1 || lead === 0) &&
    (free === 0 ? known === perImage : free === 1 && known > 0 && perImage % known === 0);
  if (keepsBatch) {
    const resolved = rest.map((d) => (d === -1 ? perImage / known : d));
    return { out: { shape: [1, ...resolved], batched: true }, runtime: [-1, ...resolved] };
  }
  const shape = resolveShape(node, x.shape, target);
  return {
    out: { shape, batched: true },
    runtime: shape,
    batchLimit: `Reshape node ${node.name} to [${target.join(', ')}] mixes the images of a batch`,
  };
}

/** Reshape and Flatten differ only in how they plan the new shape. */
function reshapeOp(plan: (ctx: ShapeCtx) => ReshapePlan, onnx: (ctx: OnnxExportCtx) => void): OpImpl {
  return {
    infer(ctx): InferResult {
      const p = plan(ctx);
      const x = required(ctx, 0);
      const out: ValueShape = x.const ? { ...p.out, const: constData(p.out.shape, x.const.values) } : p.out;
      return p.batchLimit ? { outputs: [out], batchLimit: p.batchLimit } : { outputs: [out] };
    },
    build(ctx): Built {
      const { tf } = ctx;
      const xDesc = required(ctx, 0);
      const { runtime } = plan(ctx);
      return { layouts: ['plain'], run: ([x]) => [tf.reshape(toPlain(tf, x!, xDesc), runtime)] };
    },
    toTfjs(ctx): TfValue[] {
      const { runtime } = plan(ctx);
      const shape = ctx.g.constI32(ctx.name('shape'), [runtime.length], runtime);
      const y = ctx.g.op(ctx.name(), 'Reshape', [ctx.plain(0), shape], { T: FLOAT, Tshape: INT32 });
      return [{ name: y, layout: 'plain' }];
    },
    toOnnx: onnx,
  };
}

/** The planned shape, with -1 for a free batch: the written graph runs at any batch size too. */
function reshapeToOnnx(ctx: OnnxExportCtx): void {
  const { runtime } = reshapePlan(ctx);
  const shape = ctx.initializer(int64Tensor(ctx.fresh(`${ctx.node.name}/shape`), [runtime.length], runtime));
  ctx.emit(makeNode('Reshape', [ctx.input(0), shape], [ctx.output(0)], {}, ctx.node.name));
}

const reshape = reshapeOp(reshapePlan, reshapeToOnnx);

function flattenPlan(ctx: ShapeCtx): ReshapePlan {
  const x = required(ctx, 0);
  const rank = x.shape.length;
  const raw = attrInt(ctx.node, 'axis', 1);
  const axis = raw < 0 ? raw + rank : raw;
  if (axis < 0 || axis > rank) throw badModel(ctx.node, `has axis ${raw} outside a rank-${rank} tensor`);
  const outer = product(x.shape.slice(0, axis));
  const inner = product(x.shape.slice(axis));
  if (!x.batched) return { out: { shape: [outer, inner], batched: false }, runtime: [outer, inner] };
  if (axis >= 1) return { out: { shape: [outer, inner], batched: true }, runtime: [-1, inner] };
  return {
    out: { shape: [1, inner], batched: true },
    runtime: [1, -1],
    batchLimit: `Flatten node ${ctx.node.name} with axis 0 mixes the images of a batch`,
  };
}

const flatten = reshapeOp(flattenPlan, copyToOnnx(['axis']));

function concatAxis(ctx: ShapeCtx): number {
  const rank = required(ctx, 0).shape.length;
  // Opset < 4 made axis optional with default 1.
  const axis = ctx.opset < 4 ? attrInt(ctx.node, 'axis', 1) : attrInt(ctx.node, 'axis', Number.NaN);
  if (Number.isNaN(axis)) throw badModel(ctx.node, 'has no axis attribute');
  return normAxis(ctx.node, axis, rank);
}

const concat: OpImpl = {
  toTfjs(ctx): TfValue[] {
    const { g } = ctx;
    const axis = concatAxis(ctx);
    const descs = ctx.inputs as ValueDesc[];
    const nhwc = descs[0]!.shape.length === 4 && ctx.tfInputs.some((v) => v?.layout === 'nhwc');
    const parts = descs.map((d, i) => {
      if (!d.const) return nhwc ? ctx.nhwc(i) : ctx.plain(i);
      if (!nhwc) return g.constF32(ctx.name(`part_${i}`), d.shape, Float32Array.from(d.const.values));
      const c = constForNhwc(d.const.values, d.shape);
      return g.constF32(ctx.name(`part_${i}`), c.dims, c.data);
    });
    const tfAxis = nhwc ? NCHW_TO_NHWC_AXIS[axis as 0 | 1 | 2 | 3] : axis;
    const axisName = g.constI32(ctx.name('axis'), [], [tfAxis]);
    const y = g.op(ctx.name(), 'ConcatV2', [...parts, axisName], {
      T: FLOAT,
      N: tfInt(parts.length),
      Tidx: INT32,
    });
    return [{ name: y, layout: nhwc ? 'nhwc' : 'plain' }];
  },
  toOnnx(ctx): void {
    const inputs = ctx.inputs.map((_, i) => ctx.input(i));
    ctx.emit(makeNode('Concat', inputs, [ctx.output(0)], { axis: attr.int(concatAxis(ctx)) }, ctx.node.name));
  },
  infer(ctx): InferResult {
    const { node } = ctx;
    if (ctx.inputs.length === 0 || ctx.inputs.some((v) => v === undefined))
      throw badModel(node, 'is missing an input');
    const xs = ctx.inputs as NonNullable<(typeof ctx.inputs)[number]>[];
    const axis = concatAxis(ctx);
    const first = xs[0]!.shape;
    const shape = [...first];
    shape[axis] = 0;
    for (const x of xs) {
      if (x.shape.length !== first.length || x.shape.some((d, i) => i !== axis && d !== first[i])) {
        throw badModel(
          node,
          `concatenates incompatible shapes [${first.join(', ')}] and [${x.shape.join(', ')}]`,
        );
      }
      shape[axis] = (shape[axis] as number) + (x.shape[axis] as number);
    }
    const batched = xs.some((x) => x.batched);
    if (xs.every((x) => x.const)) {
      if (axis !== 0) throw notImplemented(node, 'Concat of constants along an inner axis');
      const values = new Float32Array(product(shape));
      let offset = 0;
      for (const x of xs) {
        values.set(x.const!.values, offset);
        offset += x.const!.values.length;
      }
      return { outputs: [{ shape, batched: false, const: constData(shape, values) }] };
    }
    if (batched && axis === 0) {
      return {
        outputs: [{ shape, batched }],
        batchLimit: `Concat node ${node.name} joins tensors along the batch axis`,
      };
    }
    return { outputs: [{ shape, batched }] };
  },
  build(ctx): Built {
    const { tf } = ctx;
    const axis = concatAxis(ctx);
    const descs = ctx.inputs as BuildValue[];
    const runtime = descs.filter((d) => !d.const);
    const nhwc = descs[0]!.shape.length === 4 && runtime.some((d) => d.layout === 'nhwc');
    const consts = descs.map((d) => {
      if (!d.const) return null;
      if (!nhwc) return ctx.keep(tf.tensor(d.const.values, d.shape));
      const c = constForNhwc(d.const.values, d.shape);
      return ctx.keep(tf.tensor(c.data, c.dims));
    });
    const tfAxis = nhwc ? NCHW_TO_NHWC_AXIS[axis as 0 | 1 | 2 | 3] : axis;
    return {
      layouts: [nhwc ? 'nhwc' : 'plain'],
      run: (xs) => [
        tf.concat(
          descs.map((d, i) => consts[i] ?? (nhwc ? toNhwc(tf, xs[i]!, d) : toPlain(tf, xs[i]!, d))),
          tfAxis,
        ),
      ],
    };
  },
};

/** Identity, and Dropout at inference time. */
function passThrough(check?: (ctx: InferCtx) => void): OpImpl {
  return {
    infer(ctx): InferResult {
      check?.(ctx);
      const x = required(ctx, 0);
      return { outputs: [x.const ? { ...like(x), const: x.const } : like(x)] };
    },
    build(ctx): Built {
      // clone() shares the data, and gives the output its own handle so it can be freed separately.
      return { layouts: [required(ctx, 0).layout], run: ([x]) => [x!.clone()] };
    },
    toTfjs: (ctx) => [ctx.tfInputs[0]!],
    toOnnx: (ctx) => ctx.alias(0, ctx.input(0)),
  };
}

const dropout = passThrough((ctx) => {
  // Opset 12 moved ratio and training_mode into inputs; only inference mode makes sense here.
  const training = ctx.inputs[2];
  if (training && (!training.const || training.const.values.some((v) => v !== 0))) {
    throw notImplemented(ctx.node, 'Dropout in training mode');
  }
});

const constant: OpImpl = {
  infer(ctx): InferResult {
    const { node } = ctx;
    const value = node.attrs.get('value');
    if (value !== undefined && typeof value === 'object' && !Array.isArray(value)) {
      const c = lazyConst(value as ITensorProto);
      return { outputs: [{ shape: c.dims, batched: false, const: c }] };
    }
    for (const [name, scalar] of [
      ['value_float', true],
      ['value_int', true],
      ['value_floats', false],
      ['value_ints', false],
    ] as const) {
      const v = node.attrs.get(name);
      if (v === undefined) continue;
      const values = Float32Array.from(Array.isArray(v) ? (v as number[]) : [v as number]);
      const shape = scalar ? [] : [values.length];
      return { outputs: [{ shape, batched: false, const: constData(shape, values) }] };
    }
    throw notImplemented(node, 'Constant without a tensor or numeric value');
  },
  build(ctx): Built {
    throw badModel(ctx.node, 'was not folded as a constant');
  },
  // The exporters write constants where they are read; a Constant node itself writes nothing.
  toTfjs: () => [],
  toOnnx: () => undefined,
};

export const shapeOps: Record<string, OpImpl> = {
  Reshape: reshape,
  Flatten: flatten,
  Concat: concat,
  Identity: passThrough(),
  Dropout: dropout,
  Constant: constant,
};
