/**
 * MaxPool, AveragePool and their global forms. ONNX pads are often asymmetric (Caffe's ceil-mode
 * pooling is exported as pads [0, 0, 1, 1]), so padding is explicit: tf.pad, then a 'valid' pool.
 * MaxPool pads with -Infinity; AveragePool divides by the count ONNX prescribes.
 */
import { hasPadding, isTfSame, nhwcPaddings, window2D, type Window2D } from './geometry.ts';
import { toNhwc } from './layout.ts';
import {
  attrInt,
  attrInts,
  notImplemented,
  required,
  type BuildCtx,
  type Built,
  type InferCtx,
  type InferResult,
  type OpImpl,
} from './types.ts';

function poolWindow(ctx: InferCtx | BuildCtx): Window2D {
  const { node } = ctx;
  const x = required(ctx, 0);
  if (x.shape.length !== 4) throw notImplemented(node, `${node.opType} on a rank-${x.shape.length} input`);
  const k = attrInts(node, 'kernel_shape', []);
  if (k.length !== 2) throw notImplemented(node, `${node.opType} with a ${k.length}-D kernel`);
  // ceil_mode exists from opset 10; older exporters expressed it as extra end padding.
  const ceilMode = ctx.opset >= 10 && attrInt(node, 'ceil_mode', 0) === 1;
  const w = window2D(node, [x.shape[2] as number, x.shape[3] as number], [k[0] as number, k[1] as number], {
    ceilMode,
  });
  if (w.dilations.some((d) => d !== 1)) throw notImplemented(node, `${node.opType} with dilations`);
  if (node.opType === 'MaxPool' && (node.outputs[1] ?? '') !== '') {
    throw notImplemented(node, 'MaxPool with an Indices output');
  }
  return w;
}

function inferPool(ctx: InferCtx): InferResult {
  const x = required(ctx, 0);
  const w = poolWindow(ctx);
  return { outputs: [{ shape: [x.shape[0] as number, x.shape[1] as number, ...w.out], batched: x.batched }] };
}

const maxPool: OpImpl = {
  infer: inferPool,
  build(ctx): Built {
    const { tf } = ctx;
    const xDesc = required(ctx, 0);
    const w = poolWindow(ctx);
    const inHW: [number, number] = [xDesc.shape[2] as number, xDesc.shape[3] as number];
    const paddings = nhwcPaddings(w);
    const mode = !hasPadding(w) ? 'valid' : isTfSame(w, inHW) ? 'same' : 'explicit';
    return {
      layouts: ['nhwc'],
      run: ([x]) => {
        let t = toNhwc(tf, x!, xDesc);
        if (mode === 'explicit') t = tf.pad(t, paddings, -Infinity);
        return [tf.maxPool(t as never, w.kernel, w.strides, mode === 'same' ? 'same' : 'valid')];
      },
    };
  },
};

const averagePool: OpImpl = {
  infer: inferPool,
  build(ctx): Built {
    const { tf, node } = ctx;
    const xDesc = required(ctx, 0);
    const w = poolWindow(ctx);
    if (!hasPadding(w)) {
      return {
        layouts: ['nhwc'],
        run: ([x]) => [tf.avgPool(toNhwc(tf, x!, xDesc) as never, w.kernel, w.strides, 'valid')],
      };
    }
    // Average of the zero-padded input over each window, divided by the share of the window that
    // counts: the real input, plus the declared pads when count_include_pad=1 (opset 7+), never the
    // ceil-mode extra. The divisor depends only on the geometry, so it is computed once here.
    const countPads = ctx.opset >= 7 && attrInt(node, 'count_include_pad', 0) === 1;
    const [h, wd] = [xDesc.shape[2] as number, xDesc.shape[3] as number];
    const paddings = nhwcPaddings(w);
    const divisor = ctx.keep(
      tf.tidy(() => {
        const mask = countPads
          ? tf.pad(
              tf.ones([1, h + w.pads[0] + w.pads[2], wd + w.pads[1] + w.pads[3], 1]),
              [
                [0, 0],
                [0, w.ceilExtra[0]],
                [0, w.ceilExtra[1]],
                [0, 0],
              ],
              0,
            )
          : tf.pad(tf.ones([1, h, wd, 1]), paddings, 0);
        return tf.avgPool(mask as never, w.kernel, w.strides, 'valid');
      }),
    );
    return {
      layouts: ['nhwc'],
      run: ([x]) => {
        const padded = tf.pad(toNhwc(tf, x!, xDesc), paddings);
        return [tf.div(tf.avgPool(padded as never, w.kernel, w.strides, 'valid'), divisor)];
      },
    };
  },
};

function globalPool(kind: 'mean' | 'max'): OpImpl {
  return {
    infer(ctx): InferResult {
      const x = required(ctx, 0);
      if (x.shape.length !== 4)
        throw notImplemented(ctx.node, `${ctx.node.opType} on a rank-${x.shape.length} input`);
      return { outputs: [{ shape: [x.shape[0] as number, x.shape[1] as number, 1, 1], batched: x.batched }] };
    },
    build(ctx): Built {
      const { tf } = ctx;
      const xDesc = required(ctx, 0);
      return {
        layouts: ['nhwc'],
        run: ([x]) => {
          const t = toNhwc(tf, x!, xDesc);
          return [kind === 'mean' ? tf.mean(t, [1, 2], true) : tf.max(t, [1, 2], true)];
        },
      };
    },
  };
}

export const poolOps: Record<string, OpImpl> = {
  MaxPool: maxPool,
  AveragePool: averagePool,
  GlobalAveragePool: globalPool('mean'),
  GlobalMaxPool: globalPool('max'),
};
