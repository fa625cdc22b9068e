/**
 * Relu and Softmax. Softmax before opset 13 flattens everything from `axis` on (default 1) into
 * one row; opset 13 normalises along the single axis (default -1).
 */
import { NCHW_TO_NHWC_AXIS, toPlain } from './layout.ts';
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

const relu: OpImpl = {
  infer(ctx): InferResult {
    return { outputs: [like(required(ctx, 0))] };
  },
  build(ctx): Built {
    const { tf } = ctx;
    return { layouts: [required(ctx, 0).layout], run: ([x]) => [tf.relu(x!)] };
  },
};

const softmax: OpImpl = {
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

export const activationOps: Record<string, OpImpl> = { Relu: relu, Softmax: softmax };
