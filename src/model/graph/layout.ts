/**
 * Moving tensors between ONNX's NCHW order and the NHWC order tfjs kernels want. Weights are
 * converted once (plain JS arrays at build time); activations only where an op needs it.
 */
import type { BuildValue, Tensor, TF } from './types.ts';

/** Where NCHW axis i lives in NHWC. */
export const NCHW_TO_NHWC_AXIS = [0, 3, 1, 2] as const;

/** Batch dimension as -1 so one kernel serves any batch size. */
export function runtimeShape(v: { shape: number[]; batched: boolean }): number[] {
  return v.batched ? [-1, ...v.shape.slice(1)] : [...v.shape];
}

export function nhwcShape(shape: readonly number[]): number[] {
  const [n, c, h, w] = shape as [number, number, number, number];
  return [n, h, w, c];
}

export function toNhwc(tf: TF, t: Tensor, v: BuildValue): Tensor {
  if (v.layout === 'nhwc') return t;
  if (v.shape.length !== 4) throw new Error(`internal: ${v.name} is rank ${v.shape.length}, not 4`);
  return tf.transpose(t, [0, 2, 3, 1]);
}

/** To ONNX order; with 1×1 spatial size that is a free reshape instead of a transpose. */
export function toPlain(tf: TF, t: Tensor, v: BuildValue): Tensor {
  if (v.layout === 'plain') return t;
  const [, c, h, w] = v.shape as [number, number, number, number];
  if (h * w === 1) return tf.reshape(t, [-1, c, 1, 1]);
  return tf.transpose(t, [0, 3, 1, 2]);
}

/** Transposes a dense row-major array: out[perm-ordered index] = data[index]. */
export function transposeData(
  data: Float32Array,
  dims: readonly number[],
  perm: readonly number[],
): Float32Array {
  const rank = dims.length;
  const outDims = perm.map((p) => dims[p] as number);
  const inStrides = new Array<number>(rank).fill(1);
  for (let i = rank - 2; i >= 0; i--) inStrides[i] = (inStrides[i + 1] as number) * (dims[i + 1] as number);
  // Stride in the input for each output axis.
  const strideForOut = perm.map((p) => inStrides[p] as number);
  const out = new Float32Array(data.length);
  const idx = new Array<number>(rank).fill(0);
  for (let o = 0; o < out.length; o++) {
    let src = 0;
    for (let a = 0; a < rank; a++) src += (idx[a] as number) * (strideForOut[a] as number);
    out[o] = data[src] as number;
    for (let a = rank - 1; a >= 0; a--) {
      idx[a] = (idx[a] as number) + 1;
      if ((idx[a] as number) < (outDims[a] as number)) break;
      idx[a] = 0;
    }
  }
  return out;
}

/** ONNX conv weight [O, I, kH, kW] → tfjs filter [kH, kW, I, O]. */
export function oihwToHwio(data: Float32Array, dims: readonly number[]): Float32Array {
  return transposeData(data, dims, [2, 3, 1, 0]);
}

/** A constant that broadcasts against an NCHW rank-4 tensor, re-laid out to broadcast against NHWC. */
export function constForNhwc(
  data: Float32Array,
  dims: readonly number[],
): { data: Float32Array; dims: number[] } {
  const full = [...new Array<number>(Math.max(0, 4 - dims.length)).fill(1), ...dims];
  if (full.length !== 4) throw new Error('internal: constant of rank > 4 against a rank-4 tensor');
  return { data: transposeData(data, full, [0, 2, 3, 1]), dims: nhwcShape(full) };
}
