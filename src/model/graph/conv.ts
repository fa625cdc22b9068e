/**
 * Conv. Weights become tfjs HWIO filters once at build time; a following Relu or
 * BatchNormalization is folded in by optimize.ts (the `incept.activation` attribute).
 */
import { oihwToHwio, toNhwc } from './layout.ts';
import { hasPadding, isTfSame, nhwcPaddings, window2D, type Window2D } from './geometry.ts';
import {
  FLOAT,
  INT32,
  copyToOnnx,
  isLargeConvWeight,
  tfInt,
  tfInts,
  tfStr,
  type TfAttrValue,
  type TfExportCtx,
  type TfValue,
} from './export-writers.ts';
import {
  attrInt,
  attrString,
  badModel,
  notImplemented,
  required,
  type BuildCtx,
  type Built,
  type InferCtx,
  type InferResult,
  type OpImpl,
  type Tensor,
  type TF,
} from './types.ts';
import type { OnnxNode } from '../onnx/read.ts';

/** Internal attribute set by optimize.ts when a Relu was fused into the Conv. */
export const FUSED_ACTIVATION_ATTR = 'incept.activation';

interface ConvGeometry {
  window: Window2D;
  group: number;
  inChannels: number;
  outChannels: number;
}

function convGeometry(ctx: InferCtx | BuildCtx): ConvGeometry {
  const { node } = ctx;
  const x = required(ctx, 0);
  const w = required(ctx, 1);
  if (x.shape.length !== 4)
    throw notImplemented(node, `Conv on a rank-${x.shape.length} input (only 2-D images)`);
  if (!w.const) throw notImplemented(node, 'Conv with a computed (non-constant) weight');
  if (w.shape.length !== 4) throw badModel(node, `has a rank-${w.shape.length} weight`);
  const [outChannels, perGroup, kh, kw] = w.shape as [number, number, number, number];
  const group = attrInt(node, 'group', 1);
  const inChannels = x.shape[1] as number;
  if (perGroup * group !== inChannels) {
    throw badModel(
      node,
      `has weight [${w.shape.join(', ')}] with group ${group} for ${inChannels} input channels`,
    );
  }
  const window = window2D(node, [x.shape[2] as number, x.shape[3] as number], [kh, kw]);
  if (window.strides.some((s) => s > 1) && window.dilations.some((d) => d > 1)) {
    throw notImplemented(node, 'Conv with both strides and dilations above 1');
  }
  const b = ctx.inputs[2];
  if (b && !b.const) throw notImplemented(node, 'Conv with a computed (non-constant) bias');
  return { window, group, inChannels, outChannels };
}

function activationOf(node: OnnxNode): 'relu' | 'linear' {
  const a = attrString(node, FUSED_ACTIVATION_ATTR, 'linear');
  return a === 'relu' ? 'relu' : 'linear';
}

function explicitPad(
  w: Window2D,
): 'valid' | [[number, number], [number, number], [number, number], [number, number]] {
  if (w.pads.every((p) => p === 0)) return 'valid';
  return [
    [0, 0],
    [w.pads[0], w.pads[2]],
    [w.pads[1], w.pads[3]],
    [0, 0],
  ];
}

const conv: Pick<OpImpl, 'infer' | 'build'> = {
  infer(ctx): InferResult {
    const x = required(ctx, 0);
    const g = convGeometry(ctx);
    return {
      outputs: [{ shape: [x.shape[0] as number, g.outChannels, ...g.window.out], batched: x.batched }],
    };
  },

  build(ctx): Built {
    const { tf, node } = ctx;
    const g = convGeometry(ctx);
    const xDesc = required(ctx, 0);
    const wDesc = required(ctx, 1);
    const wConst = wDesc.const!;
    const [kh, kw] = g.window.kernel;
    const bias = ctx.keep(
      tf.tensor1d(ctx.inputs[2]?.const?.values ?? new Float32Array(g.outChannels), 'float32'),
    );
    const activation = activationOf(node);
    const pad = explicitPad(g.window);
    const strides = g.window.strides;
    const dilations = g.window.dilations;
    const hwio = oihwToHwio(wConst.values, wConst.dims);
    let run: (x: Tensor) => Tensor;

    if (g.group === 1) {
      const filter = ctx.keep(tf.tensor4d(hwio, [kh, kw, g.inChannels, g.outChannels]));
      run = (x) => tf.fused.conv2d({ x: x as never, filter, strides, pad, dilations, bias, activation });
    } else if (g.group === g.inChannels && g.outChannels % g.inChannels === 0) {
      // Depthwise: ONNX output channel c*m + j reads input channel c, which is tfjs's
      // [kh, kw, C, m] filter reshaped from HWIO [kh, kw, 1, C*m].
      const mult = g.outChannels / g.inChannels;
      const filter = ctx.keep(tf.tensor4d(hwio, [kh, kw, g.inChannels, mult]));
      // The fused depthwise op takes no explicit padding: pad the input instead.
      const paddings = pad === 'valid' ? null : pad;
      run = (x) =>
        tf.fused.depthwiseConv2d({
          x: (paddings ? tf.pad(x, paddings) : x) as never,
          filter,
          strides,
          pad: 'valid',
          dilations,
          bias,
          activation,
        });
    } else {
      run = groupedConv(ctx, tf, hwio, g, pad, bias, activation);
    }
    return {
      layouts: ['nhwc'],
      run: ([x]) => [run(toNhwc(tf, x!, xDesc))],
    };
  },
};

/** Grouped convolution as one conv per group; rare outside AlexNet-era models. */
function groupedConv(
  ctx: BuildCtx,
  tf: TF,
  hwio: Float32Array,
  g: ConvGeometry,
  pad: ReturnType<typeof explicitPad>,
  bias: Tensor,
  activation: 'relu' | 'linear',
): (x: Tensor) => Tensor {
  const [kh, kw] = g.window.kernel;
  const inPer = g.inChannels / g.group;
  const all = tf.tensor4d(hwio, [kh, kw, inPer, g.outChannels]);
  const filters = tf.split(all, g.group, 3).map((f) => ctx.keep(f as never));
  all.dispose();
  return (x) => {
    const parts = tf.split(x, g.group, 3);
    const outs = parts.map((p, i) =>
      tf.conv2d(p as never, filters[i] as never, g.window.strides, pad, 'NHWC', g.window.dilations),
    );
    const y = tf.add(tf.concat(outs, 3), bias);
    return activation === 'relu' ? tf.relu(y) : y;
  };
}

/** TF padding attributes for a conv window: VALID, SAME where it is exactly ONNX's, else EXPLICIT. */
function tfConvPadding(w: Window2D, inHW: [number, number]): Record<string, TfAttrValue> {
  if (!hasPadding(w)) return { padding: tfStr('VALID') };
  if (isTfSame(w, inHW)) return { padding: tfStr('SAME') };
  return {
    padding: tfStr('EXPLICIT'),
    explicit_paddings: tfInts([0, 0, w.pads[0], w.pads[2], w.pads[1], w.pads[3], 0, 0]),
  };
}

function convToTfjs(ctx: TfExportCtx): TfValue[] {
  const { g, node } = ctx;
  const gm = convGeometry(ctx);
  const xDesc = required(ctx, 0);
  const wConst = required(ctx, 1).const!;
  const [kh, kw] = gm.window.kernel;
  const inHW: [number, number] = [xDesc.shape[2] as number, xDesc.shape[3] as number];
  const hwio = oihwToHwio(wConst.values, wConst.dims);
  const x = ctx.nhwc(0);
  const common = {
    T: FLOAT,
    strides: tfInts([1, gm.window.strides[0], gm.window.strides[1], 1]),
    dilations: tfInts([1, gm.window.dilations[0], gm.window.dilations[1], 1]),
    data_format: tfStr('NHWC'),
  };
  const biasValues = ctx.inputs[2]?.const?.values;
  const withBias = (y: string): string => {
    if (!biasValues) return y;
    const b = g.constF32(ctx.name('bias'), [gm.outChannels], Float32Array.from(biasValues));
    return g.op(ctx.name(), 'BiasAdd', [y, b], { T: FLOAT, data_format: tfStr('NHWC') });
  };
  let y: string;
  if (gm.group === 1) {
    const filter = g.constF32(
      ctx.name('filter'),
      [kh, kw, gm.inChannels, gm.outChannels],
      hwio,
      isLargeConvWeight(wConst.dims),
    );
    y = g.op(ctx.name('conv'), 'Conv2D', [x, filter], {
      ...common,
      ...tfConvPadding(gm.window, inHW),
      use_cudnn_on_gpu: { b: true },
    });
  } else if (gm.group === gm.inChannels && gm.outChannels % gm.inChannels === 0) {
    // Depthwise: ONNX output channel c*m + j reads input channel c, which is TF's [kh, kw, C, m]
    // filter, the same values as HWIO [kh, kw, 1, C*m].
    const filter = g.constF32(
      ctx.name('depthwise_filter'),
      [kh, kw, gm.inChannels, gm.outChannels / gm.inChannels],
      hwio,
      isLargeConvWeight(wConst.dims),
    );
    let input = x;
    let padding: Record<string, TfAttrValue> = { padding: tfStr('VALID') };
    if (isTfSame(gm.window, inHW)) padding = { padding: tfStr('SAME') };
    else if (hasPadding(gm.window)) input = tfPad(ctx, x, nhwcPaddings(gm.window), 0);
    y = g.op(ctx.name('depthwise'), 'DepthwiseConv2dNative', [input, filter], { ...common, ...padding });
  } else {
    // Grouped: split the channels, one Conv2D per group, join them again.
    const inPer = gm.inChannels / gm.group;
    const outPer = gm.outChannels / gm.group;
    const axis = g.constI32(ctx.name('split_axis'), [], [3]);
    const split = g.op(ctx.name('split'), 'Split', [axis, x], { T: FLOAT, num_split: tfInt(gm.group) });
    const parts: string[] = [];
    for (let k = 0; k < gm.group; k++) {
      const slice = new Float32Array(kh * kw * inPer * outPer);
      for (let p = 0; p < kh * kw * inPer; p++) {
        for (let o = 0; o < outPer; o++)
          slice[p * outPer + o] = hwio[p * gm.outChannels + k * outPer + o] as number;
      }
      const filter = g.constF32(
        ctx.name(`filter_${k}`),
        [kh, kw, inPer, outPer],
        slice,
        isLargeConvWeight(wConst.dims),
      );
      parts.push(
        g.op(ctx.name(`conv_${k}`), 'Conv2D', [k === 0 ? split : `${split}:${k}`, filter], {
          ...common,
          ...tfConvPadding(gm.window, inHW),
          use_cudnn_on_gpu: { b: true },
        }),
      );
    }
    const catAxis = g.constI32(ctx.name('concat_axis'), [], [3]);
    y = g.op(ctx.name('groups'), 'ConcatV2', [...parts, catAxis], {
      T: FLOAT,
      N: tfInt(gm.group),
      Tidx: INT32,
    });
  }
  void node;
  return [{ name: withBias(y), layout: 'nhwc' }];
}

/** PadV2 of an NHWC tensor with a constant. */
export function tfPad(ctx: TfExportCtx, x: string, paddings: [number, number][], value: number): string {
  const { g } = ctx;
  const p = g.constI32(ctx.name('paddings'), [4, 2], paddings.flat());
  const fill = g.constF32(ctx.name('pad_value'), [], Float32Array.of(value));
  return g.op(ctx.name('padded'), 'PadV2', [x, p, fill], { T: FLOAT, Tpaddings: INT32 });
}

export const convOps: Record<string, OpImpl> = {
  Conv: {
    ...conv,
    toTfjs: convToTfjs,
    toOnnx: copyToOnnx(['auto_pad', 'dilations', 'group', 'kernel_shape', 'pads', 'strides']),
  },
};
