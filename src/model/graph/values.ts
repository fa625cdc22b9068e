/**
 * How the graph importer describes one value. Kept apart from types.ts so that the export writers,
 * which types.ts's op families refer to, can use it without an import cycle.
 */

/** 'nhwc': a rank-4 activation stored channels-last. 'plain': stored in ONNX's own order. */
export type Layout = 'nhwc' | 'plain';

export interface ConstData {
  dims: number[];
  /** Float values (integers converted). */
  readonly values: Float32Array;
  /** Integer values (floats truncated), for shape constants. */
  readonly ints: number[];
}

export interface ValueDesc {
  name: string;
  /** ONNX order (NCHW for images). When `batched`, dim 0 is the batch and is recorded as 1. */
  shape: number[];
  batched: boolean;
  const?: ConstData;
}
