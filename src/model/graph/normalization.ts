/**
 * LRN and BatchNormalization (inference form). A BatchNormalization right after a Conv is folded
 * into the Conv's weights by optimize.ts; this kernel handles the rest.
 */
import { toNhwc } from './layout.ts';
import { FLOAT, copyToOnnx, tfInt, type TfExportCtx, type TfValue } from './export-writers.ts';
import {
  attrFloat,
  attrInt,
  badModel,
  like,
  notImplemented,
  required,
  type Built,
  type InferCtx,
  type InferResult,
  type OpImpl,
} from './types.ts';

const lrn: Pick<OpImpl, 'infer' | 'build'> = {
  infer(ctx): InferResult {
    const x = required(ctx, 0);
    if (x.shape.length !== 4) throw notImplemented(ctx.node, `LRN on a rank-${x.shape.length} input`);
    const size = attrInt(ctx.node, 'size', 0);
    // ONNX sums channels [c - floor((size-1)/2), c + ceil((size-1)/2)]; tfjs's window is symmetric.
    if (size < 1 || size % 2 === 0) throw notImplemented(ctx.node, `LRN with even size ${size}`);
    return { outputs: [like(x)] };
  },
  build(ctx): Built {
    const { tf, node } = ctx;
    const xDesc = required(ctx, 0);
    const size = attrInt(node, 'size', 0);
    const alpha = attrFloat(node, 'alpha', 1e-4);
    const beta = attrFloat(node, 'beta', 0.75);
    const bias = attrFloat(node, 'bias', 1);
    // ONNX: x / (bias + alpha/size * sum(x^2))^beta; tfjs takes the already divided alpha.
    return {
      layouts: ['nhwc'],
      run: ([x]) => [
        tf.localResponseNormalization(
          toNhwc(tf, x!, xDesc) as never,
          (size - 1) / 2,
          bias,
          alpha / size,
          beta,
        ),
      ],
    };
  },
};

/** Per-channel scale and shift equivalent to an inference-mode BatchNormalization. */
export function batchNormAffine(ctx: Pick<InferCtx, 'node' | 'opset' | 'inputs'>): {
  scale: Float32Array;
  shift: Float32Array;
} {
  const { node } = ctx;
  const params = [1, 2, 3, 4].map((i) => required(ctx, i));
  if (params.some((p) => !p.const)) throw notImplemented(node, 'BatchNormalization with computed parameters');
  if (ctx.opset < 7 && attrInt(node, 'spatial', 1) !== 1) {
    throw notImplemented(node, 'BatchNormalization with spatial=0');
  }
  const [gamma, beta, mean, variance] = params.map((p) => p.const!.values) as [
    Float32Array,
    Float32Array,
    Float32Array,
    Float32Array,
  ];
  const c = gamma.length;
  if ([beta, mean, variance].some((a) => a.length !== c))
    throw badModel(node, 'has parameters of different sizes');
  const eps = attrFloat(node, 'epsilon', 1e-5);
  const scale = new Float32Array(c);
  const shift = new Float32Array(c);
  for (let i = 0; i < c; i++) {
    const s = (gamma[i] as number) / Math.sqrt((variance[i] as number) + eps);
    scale[i] = s;
    shift[i] = (beta[i] as number) - (mean[i] as number) * s;
  }
  return { scale, shift };
}

const batchNormalization: Pick<OpImpl, 'infer' | 'build'> = {
  infer(ctx): InferResult {
    const x = required(ctx, 0);
    const { scale } = batchNormAffine(ctx);
    if (x.shape.length < 2 || x.shape[1] !== scale.length) {
      throw badModel(
        ctx.node,
        `has ${scale.length} channels of parameters for input [${x.shape.join(', ')}]`,
      );
    }
    // Only Y: the running-statistics outputs exist for training.
    return { outputs: [like(x)] };
  },
  build(ctx): Built {
    const { tf } = ctx;
    const xDesc = required(ctx, 0);
    const { scale, shift } = batchNormAffine(ctx);
    const c = scale.length;
    const nhwc = xDesc.shape.length === 4;
    // Channels last broadcasts a [C] vector; ONNX order needs [C, 1, ...] against [N, C, ...].
    const bshape = nhwc ? [c] : [c, ...new Array<number>(xDesc.shape.length - 2).fill(1)];
    const s = ctx.keep(tf.tensor(scale, bshape));
    const b = ctx.keep(tf.tensor(shift, bshape));
    return {
      layouts: [nhwc ? 'nhwc' : 'plain'],
      run: ([x]) => [tf.add(tf.mul(nhwc ? toNhwc(tf, x!, xDesc) : x!, s), b)],
    };
  },
};

function lrnToTfjs(ctx: TfExportCtx): TfValue[] {
  const { node } = ctx;
  // ONNX: x / (bias + alpha/size · Σx²)^beta over `size` channels; TF takes the half-width and
  // the already divided alpha.
  const size = attrInt(node, 'size', 0);
  const attrs = {
    T: FLOAT,
    depth_radius: tfInt((size - 1) / 2),
    bias: { f: attrFloat(node, 'bias', 1) },
    alpha: { f: attrFloat(node, 'alpha', 1e-4) / size },
    beta: { f: attrFloat(node, 'beta', 0.75) },
  };
  return [{ name: ctx.g.op(ctx.name(), 'LRN', [ctx.nhwc(0)], attrs), layout: 'nhwc' }];
}

/** A BatchNormalization no Conv absorbed: y = x·scale + shift per channel. */
function batchNormToTfjs(ctx: TfExportCtx): TfValue[] {
  const { g } = ctx;
  const xDesc = required(ctx, 0);
  const { scale, shift } = batchNormAffine(ctx);
  const c = scale.length;
  const nhwc = xDesc.shape.length === 4;
  const shape = nhwc ? [c] : [c, ...new Array<number>(xDesc.shape.length - 2).fill(1)];
  const x = nhwc ? ctx.nhwc(0) : ctx.plain(0);
  const s = g.constF32(ctx.name('scale'), shape, scale);
  const b = g.constF32(ctx.name('shift'), shape, shift);
  const scaled = g.op(ctx.name('scaled'), 'Mul', [x, s], { T: FLOAT });
  return [{ name: g.op(ctx.name(), 'AddV2', [scaled, b], { T: FLOAT }), layout: nhwc ? 'nhwc' : 'plain' }];
}

export const normalizationOps: Record<string, OpImpl> = {
  LRN: { ...lrn, toTfjs: lrnToTfjs, toOnnx: copyToOnnx(['alpha', 'beta', 'bias', 'size']) },
  BatchNormalization: {
    ...batchNormalization,
    toTfjs: batchNormToTfjs,
    toOnnx: copyToOnnx(['epsilon', 'momentum']),
  },
};
