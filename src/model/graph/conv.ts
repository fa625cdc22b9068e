/**
 * Conv. Weights become tfjs HWIO filters once at build time; a following Relu or
 * BatchNormalization is folded in by optimize.ts (the `incept.activation` attribute).
 */
import { oihwToHwio, toNhwc } from './layout.ts';
import { window2D, type Window2D } from './geometry.ts';
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

const conv: OpImpl = {
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

export const convOps: Record<string, OpImpl> = { Conv: conv };
