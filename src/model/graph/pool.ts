/**
 * MaxPool, AveragePool and their global forms. ONNX pads are often asymmetric (Caffe's ceil-mode
 * pooling is exported as pads [0, 0, 1, 1]), so padding is explicit: tf.pad, then a 'valid' pool.
 * MaxPool pads with -Infinity; AveragePool divides by the count ONNX prescribes.
 */
import { hasPadding, isTfSame, nhwcPaddings, window2D, type Window2D } from './geometry.ts';
import { toNhwc } from './layout.ts';
import { tfPad } from './conv.ts';
import {
  FLOAT,
  copyToOnnx,
  tfInts,
  tfStr,
  type TfAttrValue,
  type TfExportCtx,
  type TfValue,
} from './export-writers.ts';
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

const maxPool: Pick<OpImpl, 'infer' | 'build'> = {
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

const averagePool: Pick<OpImpl, 'infer' | 'build'> = {
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

function globalPool(kind: 'mean' | 'max'): Pick<OpImpl, 'infer' | 'build'> {
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

function poolAttrs(w: Window2D, padding: 'VALID' | 'SAME'): Record<string, TfAttrValue> {
  return {
    T: FLOAT,
    ksize: tfInts([1, w.kernel[0], w.kernel[1], 1]),
    strides: tfInts([1, w.strides[0], w.strides[1], 1]),
    padding: tfStr(padding),
    data_format: tfStr('NHWC'),
  };
}

function maxPoolToTfjs(ctx: TfExportCtx): TfValue[] {
  const { g } = ctx;
  const xDesc = required(ctx, 0);
  const w = poolWindow(ctx);
  const inHW: [number, number] = [xDesc.shape[2] as number, xDesc.shape[3] as number];
  const x = ctx.nhwc(0);
  // TF's SAME max pool ignores the padding, as ONNX's -Infinity padding does.
  if (!hasPadding(w))
    return [{ name: g.op(ctx.name(), 'MaxPool', [x], poolAttrs(w, 'VALID')), layout: 'nhwc' }];
  if (isTfSame(w, inHW))
    return [{ name: g.op(ctx.name(), 'MaxPool', [x], poolAttrs(w, 'SAME')), layout: 'nhwc' }];
  const padded = tfPad(ctx, x, nhwcPaddings(w), -Infinity);
  return [{ name: g.op(ctx.name(), 'MaxPool', [padded], poolAttrs(w, 'VALID')), layout: 'nhwc' }];
}

/**
 * How many of each output window's positions ONNX divides by, over the window size: the real
 * input, plus the declared pads with count_include_pad, never the ceil-mode extra.
 */
function averageShare(w: Window2D, inHW: [number, number], countPads: boolean): Float32Array {
  const [oh, ow] = w.out;
  const share = new Float32Array(oh * ow);
  const counted = (i: 0 | 1, p: number): boolean => {
    const lo = countPads ? -w.pads[i] : 0;
    const hi = countPads ? inHW[i] + (w.pads[i + 2] as number) : inHW[i];
    return p >= lo && p < hi;
  };
  for (let y = 0; y < oh; y++) {
    for (let x = 0; x < ow; x++) {
      let n = 0;
      for (let ky = 0; ky < w.kernel[0]; ky++) {
        const py = y * w.strides[0] - w.pads[0] + ky;
        if (!counted(0, py)) continue;
        for (let kx = 0; kx < w.kernel[1]; kx++) if (counted(1, x * w.strides[1] - w.pads[1] + kx)) n++;
      }
      share[y * ow + x] = n / (w.kernel[0] * w.kernel[1]);
    }
  }
  return share;
}

function averagePoolToTfjs(ctx: TfExportCtx): TfValue[] {
  const { g, node } = ctx;
  const xDesc = required(ctx, 0);
  const w = poolWindow(ctx);
  const inHW: [number, number] = [xDesc.shape[2] as number, xDesc.shape[3] as number];
  const countPads = ctx.opset >= 7 && attrInt(node, 'count_include_pad', 0) === 1;
  const x = ctx.nhwc(0);
  if (!hasPadding(w))
    return [{ name: g.op(ctx.name(), 'AvgPool', [x], poolAttrs(w, 'VALID')), layout: 'nhwc' }];
  // TF's SAME average leaves the padding out, as count_include_pad=0 does.
  if (isTfSame(w, inHW) && !countPads) {
    return [{ name: g.op(ctx.name(), 'AvgPool', [x], poolAttrs(w, 'SAME')), layout: 'nhwc' }];
  }
  // Any other padding: average the zero-padded input, then rescale each position to ONNX's divisor.
  const padded = tfPad(ctx, x, nhwcPaddings(w), 0);
  const avg = g.op(ctx.name('sum_share'), 'AvgPool', [padded], poolAttrs(w, 'VALID'));
  const share = g.constF32(ctx.name('divisor'), [1, w.out[0], w.out[1], 1], averageShare(w, inHW, countPads));
  return [{ name: g.op(ctx.name(), 'RealDiv', [avg, share], { T: FLOAT }), layout: 'nhwc' }];
}

function globalPoolToTfjs(op: 'AvgPool' | 'MaxPool') {
  return (ctx: TfExportCtx): TfValue[] => {
    const [, , h, w] = required(ctx, 0).shape as [number, number, number, number];
    const attrs = {
      T: FLOAT,
      ksize: tfInts([1, h, w, 1]),
      strides: tfInts([1, 1, 1, 1]),
      padding: tfStr('VALID'),
      data_format: tfStr('NHWC'),
    };
    return [{ name: ctx.g.op(ctx.name(), op, [ctx.nhwc(0)], attrs), layout: 'nhwc' }];
  };
}

export const poolOps: Record<string, OpImpl> = {
  MaxPool: {
    ...maxPool,
    toTfjs: maxPoolToTfjs,
    toOnnx: copyToOnnx([
      'auto_pad',
      'ceil_mode',
      'dilations',
      'kernel_shape',
      'pads',
      'storage_order',
      'strides',
    ]),
  },
  AveragePool: {
    ...averagePool,
    toTfjs: averagePoolToTfjs,
    toOnnx: copyToOnnx(['auto_pad', 'ceil_mode', 'count_include_pad', 'kernel_shape', 'pads', 'strides']),
  },
  GlobalAveragePool: { ...globalPool('mean'), toTfjs: globalPoolToTfjs('AvgPool'), toOnnx: copyToOnnx([]) },
  GlobalMaxPool: { ...globalPool('max'), toTfjs: globalPoolToTfjs('MaxPool'), toOnnx: copyToOnnx([]) },
};
