/**
 * Output size and padding of 2-D convolution and pooling windows, as ONNX defines them.
 */
import type { OnnxNode } from '../onnx/read.ts';
import { attrInts, attrString, badModel, notImplemented } from './types.ts';

export interface Window2D {
  kernel: [number, number];
  strides: [number, number];
  dilations: [number, number];
  /** Declared padding: top, left, bottom, right. */
  pads: [number, number, number, number];
  /** Extra bottom/right padding that ceil_mode adds; never counted as real padding. */
  ceilExtra: [number, number];
  out: [number, number];
}

function pair(node: OnnxNode, name: string, dflt: number): [number, number] {
  const v = attrInts(node, name, [dflt, dflt]);
  if (v.length !== 2)
    throw notImplemented(node, `${node.opType} with ${v.length}-D ${name} (only 2-D is supported)`);
  return [v[0] as number, v[1] as number];
}

export function window2D(
  node: OnnxNode,
  inHW: [number, number],
  kernel: [number, number],
  opts: { ceilMode?: boolean } = {},
): Window2D {
  const strides = pair(node, 'strides', 1);
  const dilations = pair(node, 'dilations', 1);
  const autoPad = attrString(node, 'auto_pad', 'NOTSET');
  const eff = [0, 1].map((i) => ((kernel[i] as number) - 1) * (dilations[i] as number) + 1) as [
    number,
    number,
  ];
  let pads: [number, number, number, number];
  if (autoPad === 'NOTSET') {
    const p = attrInts(node, 'pads', [0, 0, 0, 0]);
    if (p.length !== 4) throw notImplemented(node, `${node.opType} with ${p.length / 2}-D pads`);
    pads = p as [number, number, number, number];
  } else if (autoPad === 'VALID') {
    pads = [0, 0, 0, 0];
  } else if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
    const total = [0, 1].map((i) => {
      const out = Math.ceil((inHW[i] as number) / (strides[i] as number));
      return Math.max(0, (out - 1) * (strides[i] as number) + (eff[i] as number) - (inHW[i] as number));
    }) as [number, number];
    const begin = total.map((t) => (autoPad === 'SAME_UPPER' ? Math.floor(t / 2) : Math.ceil(t / 2)));
    pads = [
      begin[0] as number,
      begin[1] as number,
      total[0] - (begin[0] as number),
      total[1] - (begin[1] as number),
    ];
  } else {
    throw badModel(node, `has an unknown auto_pad "${autoPad}"`);
  }
  const out: [number, number] = [0, 0];
  const ceilExtra: [number, number] = [0, 0];
  for (const i of [0, 1] as const) {
    const padded = inHW[i] + pads[i] + pads[i + 2]!;
    const span = (padded - eff[i]) / strides[i];
    let o = (opts.ceilMode ? Math.ceil(span) : Math.floor(span)) + 1;
    // As onnxruntime and PyTorch do: the last window must start inside the input or its left pad.
    if (opts.ceilMode && (o - 1) * strides[i] >= inHW[i] + pads[i]) o--;
    if (o < 1)
      throw badModel(node, `has a ${eff[i]}-wide window that does not fit its ${inHW[i]}-wide input`);
    out[i] = o;
    ceilExtra[i] = Math.max(0, (o - 1) * strides[i] + eff[i] - padded);
  }
  return { kernel, strides, dilations, pads, ceilExtra, out };
}

export function hasPadding(w: Window2D): boolean {
  return w.pads.some((p) => p !== 0) || w.ceilExtra.some((p) => p !== 0);
}

/**
 * True when TensorFlow's 'same' padding is exactly this window's padding, so a pool can skip the
 * explicit tf.pad copy (Caffe's ceil-mode pools in GoogLeNet all come out this way).
 */
export function isTfSame(w: Window2D, inHW: [number, number]): boolean {
  for (const i of [0, 1] as const) {
    if (w.dilations[i] !== 1) return false;
    const out = Math.ceil(inHW[i] / w.strides[i]);
    const total = Math.max(0, (out - 1) * w.strides[i] + w.kernel[i] - inHW[i]);
    const before = Math.floor(total / 2);
    if (out !== w.out[i] || before !== w.pads[i] || total - before !== w.pads[i + 2]! + w.ceilExtra[i])
      return false;
  }
  return true;
}

/** tf.pad paddings for an NHWC tensor, declared pads plus the ceil-mode extra. */
export function nhwcPaddings(w: Window2D): [number, number][] {
  return [
    [0, 0],
    [w.pads[0], w.pads[2] + w.ceilExtra[0]],
    [w.pads[1], w.pads[3] + w.ceilExtra[1]],
    [0, 0],
  ];
}
