/**
 * Relu and Softmax. Softmax before opset 13 flattens everything from `axis` on (default 1) into
 * one row; opset 13 normalises along the single axis (default -1).
 */
import { NCHW_TO_NHWC_AXIS, toPlain } from './layout.ts';
import { attr, int64Tensor, makeNode } from '../onnx/write.ts';
import {
  FLOAT,
  INT32,
  copyToOnnx,
  type OnnxExportCtx,
  type TfExportCtx,
  type TfValue,
} from './export-writers.ts';
import {
  attrInt,
  like,
  normAxis,
  product,
  required,
  type Built,
  type InferResult,
  type OpImpl,
} from './types.ts';

const relu: Pick<OpImpl, 'infer' | 'build'> = {
  infer(ctx): InferResult {
    return { outputs: [like(required(ctx, 0))] };
  },
  build(ctx): Built {
    const { tf } = ctx;
    return { layouts: [required(ctx, 0).layout], run: ([x]) => [tf.relu(x!)] };
  },
};

const softmax: Pick<OpImpl, 'infer' | 'build'> = {
  infer(ctx): InferResult {
    const x = required(ctx, 0);
    normAxis(ctx.node, attrInt(ctx.node, 'axis', ctx.opset >= 13 ? -1 : 1), x.shape.length);
    return { outputs: [like(x)] };
  },
  build(ctx): Built {
    const { tf, node } = ctx;
    const xDesc = required(ctx, 0);
    const rank = xDesc.shape.length;
    const axis = normAxis(node, attrInt(node, 'axis', ctx.opset >= 13 ? -1 : 1), rank);
    if (ctx.opset >= 13) {
      // One axis: channels-last data normalises along its mapped axis without moving.
      const nhwc = xDesc.layout === 'nhwc';
      const tfAxis = nhwc ? NCHW_TO_NHWC_AXIS[axis as 0 | 1 | 2 | 3] : axis;
      const last = rank - 1;
      return {
        layouts: [xDesc.layout],
        run: ([x]) => {
          if (tfAxis === last) return [tf.softmax(x!)];
          const perm = [...Array(rank).keys()];
          perm[tfAxis] = last;
          perm[last] = tfAxis;
          return [tf.transpose(tf.softmax(tf.transpose(x!, perm)), perm)];
        },
      };
    }
    const inner = product(xDesc.shape.slice(axis));
    const outer = xDesc.batched && axis >= 1 ? -1 : product(xDesc.shape.slice(0, axis));
    const back = xDesc.batched ? [-1, ...xDesc.shape.slice(1)] : xDesc.shape;
    return {
      layouts: ['plain'],
      run: ([x]) => {
        const plain = toPlain(tf, x!, xDesc);
        if (rank === 2 && axis === 1) return [tf.softmax(plain)];
        return [tf.reshape(tf.softmax(tf.reshape(plain, [outer, inner])), back)];
      },
    };
  },
};

function reluToTfjs(ctx: TfExportCtx): TfValue[] {
  const x = ctx.tfInputs[0]!;
  return [{ name: ctx.g.op(ctx.name(), 'Relu', [x.name], { T: FLOAT }), layout: x.layout }];
}

function softmaxAxis(ctx: Pick<TfExportCtx, 'node' | 'opset' | 'inputs'>): number {
  const rank = required(ctx, 0).shape.length;
  return normAxis(ctx.node, attrInt(ctx.node, 'axis', ctx.opset >= 13 ? -1 : 1), rank);
}

/** TF's Softmax normalises the last axis: move the axis there, or flatten as opset < 13 did. */
function softmaxToTfjs(ctx: TfExportCtx): TfValue[] {
  const { g } = ctx;
  const xDesc = required(ctx, 0);
  const x = ctx.tfInputs[0]!;
  const rank = xDesc.shape.length;
  const axis = softmaxAxis(ctx);
  const reshape = (t: string, shape: number[], what: string) =>
    g.op(ctx.name(what), 'Reshape', [t, g.constI32(ctx.name(`${what}_shape`), [shape.length], shape)], {
      T: FLOAT,
      Tshape: INT32,
    });
  if (ctx.opset >= 13) {
    const tfAxis = x.layout === 'nhwc' ? NCHW_TO_NHWC_AXIS[axis as 0 | 1 | 2 | 3] : axis;
    if (tfAxis === rank - 1)
      return [{ name: g.op(ctx.name(), 'Softmax', [x.name], { T: FLOAT }), layout: x.layout }];
    const perm = [...Array(rank).keys()];
    perm[tfAxis] = rank - 1;
    perm[rank - 1] = tfAxis;
    const permName = g.constI32(ctx.name('perm'), [rank], perm);
    const moved = g.op(ctx.name('moved'), 'Transpose', [x.name, permName], { T: FLOAT, Tperm: INT32 });
    const sm = g.op(ctx.name('softmax'), 'Softmax', [moved], { T: FLOAT });
    return [
      { name: g.op(ctx.name(), 'Transpose', [sm, permName], { T: FLOAT, Tperm: INT32 }), layout: x.layout },
    ];
  }
  const plain = ctx.plain(0);
  if (rank === 2 && axis === 1)
    return [{ name: g.op(ctx.name(), 'Softmax', [plain], { T: FLOAT }), layout: 'plain' }];
  const inner = product(xDesc.shape.slice(axis));
  const outer = xDesc.batched && axis >= 1 ? -1 : product(xDesc.shape.slice(0, axis));
  const back = xDesc.batched ? [-1, ...xDesc.shape.slice(1)] : xDesc.shape;
  const rows = reshape(plain, [outer, inner], 'rows');
  const sm = g.op(ctx.name('softmax'), 'Softmax', [rows], { T: FLOAT });
  return [{ name: reshape(sm, back, 'back'), layout: 'plain' }];
}

/** Opset 13 changed Softmax from "flatten from axis" to "one axis": rewrite the old form. */
function softmaxToOnnx(ctx: OnnxExportCtx): void {
  const xDesc = required(ctx, 0);
  const rank = xDesc.shape.length;
  const axis = softmaxAxis(ctx);
  if (ctx.opset >= 13 || axis === rank - 1) {
    ctx.emit(makeNode('Softmax', [ctx.input(0)], [ctx.output(0)], { axis: attr.int(axis) }, ctx.node.name));
    return;
  }
  const flat = ctx.fresh(`${ctx.node.name}/flat`);
  const sm = ctx.fresh(`${ctx.node.name}/softmax`);
  const back = xDesc.batched ? [-1, ...xDesc.shape.slice(1)] : xDesc.shape;
  const shape = ctx.initializer(int64Tensor(ctx.fresh(`${ctx.node.name}/shape`), [back.length], back));
  ctx.emit(makeNode('Flatten', [ctx.input(0)], [flat], { axis: attr.int(axis) }, `${ctx.node.name}/flatten`));
  ctx.emit(makeNode('Softmax', [flat], [sm], { axis: attr.int(1) }, ctx.node.name));
  ctx.emit(makeNode('Reshape', [sm, shape], [ctx.output(0)], {}, `${ctx.node.name}/reshape`));
}

export const activationOps: Record<string, OpImpl> = {
  Relu: { ...relu, toTfjs: reluToTfjs, toOnnx: copyToOnnx([]) },
  Softmax: { ...softmax, toTfjs: softmaxToTfjs, toOnnx: softmaxToOnnx },
};
