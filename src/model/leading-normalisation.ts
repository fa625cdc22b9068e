/**
 * Some exporters put the normalisation into the graph: the input first goes through Sub / Div /
 * Mul / Add by constant per-channel values (torchvision's mean and std, Caffe's means, …). Such a
 * model normalises itself, so Incept must feed it plain pixels; normalising them as well would
 * apply the mean and std twice. This reads that prefix as one affine map per channel
 * (y = a·x + b) and names the preset it undoes.
 */
import { tensorDims, tensorFloat32, type OnnxModel } from './onnx/read.ts';
import type { Preprocessing } from '../domain/preprocessing.ts';
import type { ITensorProto } from './onnx/proto.ts';

export interface LeadingNormalisation {
  /** Node names of the prefix, in order. */
  nodes: string[];
  /** Per input channel: the prefix computes a·x + b. */
  a: [number, number, number];
  b: [number, number, number];
  /** The preset whose mean/std/scale the prefix applies, or 'custom'. */
  preset: 'caffe' | 'torchvision' | 'tf' | 'custom';
  /** What Incept feeds the model instead: the pixels in the preset's order and range, nothing else. */
  preprocessing: Preprocessing | null;
  /** The input range the prefix expects: 255 (0..255) or 1 (0..1); null when it cannot tell. */
  range: 255 | 1 | null;
}

const OPS = new Set(['Sub', 'Div', 'Mul', 'Add']);

/** A per-channel constant of an NCHW input: a scalar, or 3 values on axis 1 ([3,1,1], [1,3,1,1]). */
function channelValues(t: ITensorProto): [number, number, number] | null {
  const dims = tensorDims(t);
  let values: Float32Array;
  try {
    values = tensorFloat32(t);
  } catch {
    return null;
  }
  const size = dims.reduce((p, d) => p * d, 1);
  if (size === 1) {
    const v = values[0] as number;
    return [v, v, v];
  }
  const channelAxis =
    dims.length === 4 && dims[0] === 1 && dims[1] === 3 && dims[2] === 1 && dims[3] === 1
      ? true
      : dims.length === 3 && dims[0] === 3 && dims[1] === 1 && dims[2] === 1;
  if (!channelAxis || size !== 3) return null;
  return [values[0] as number, values[1] as number, values[2] as number];
}

function constantOf(model: OnnxModel, name: string): ITensorProto | null {
  const init = model.initializers.get(name);
  if (init) return init;
  const producer = model.nodes.find((n) => n.opType === 'Constant' && n.outputs[0] === name);
  const value = producer?.attrs.get('value');
  return value && typeof value === 'object' && !Array.isArray(value) ? value : null;
}

const close = (x: number, y: number) => Math.abs(x - y) <= 1e-3 * Math.max(Math.abs(x), Math.abs(y), 1e-6);

/**
 * The chain of constant Sub/Div/Mul/Add nodes that the model's input goes through first, as one
 * per-channel affine map, or null when the graph starts otherwise.
 */
export function leadingNormalisation(
  model: OnnxModel,
  presets: readonly Preprocessing[],
): LeadingNormalisation | null {
  const input = model.inputs[0];
  if (!input || input.dims.length !== 4 || input.dims[1] !== 3) return null;
  const a: [number, number, number] = [1, 1, 1];
  const b: [number, number, number] = [0, 0, 0];
  const names: string[] = [];
  let current = input.name;
  for (;;) {
    const readers = model.nodes.filter((n) => n.inputs.includes(current));
    const node = readers[0];
    if (readers.length !== 1 || !node || !OPS.has(node.opType) || node.inputs.length !== 2) break;
    const side = node.inputs[0] === current ? 1 : 0;
    // x − c and x / c only; c − x and c / x are no normalisation.
    if (side === 0 && (node.opType === 'Sub' || node.opType === 'Div')) break;
    const constant = constantOf(model, node.inputs[side] as string);
    const c = constant ? channelValues(constant) : null;
    if (!c) break;
    for (let k = 0; k < 3; k++) {
      const v = c[k] as number;
      if (node.opType === 'Sub') b[k] = (b[k] as number) - v;
      else if (node.opType === 'Add') b[k] = (b[k] as number) + v;
      else {
        const m = node.opType === 'Mul' ? v : 1 / v;
        a[k] = (a[k] as number) * m;
        b[k] = (b[k] as number) * m;
      }
    }
    names.push(node.name);
    current = node.outputs[0] as string;
  }
  if (names.length === 0) return null;
  return { nodes: names, a, b, ...matchPreset(a, b, presets) };
}

/**
 * Which preset the prefix applies: preset P maps pixels p to (p·scale − mean)/std. With input
 * x = p·k (k = 1 for 0..255, 1/255 for 0..1), the prefix gives a·k·p + b, so it is P when
 * a·k = scale/std and b = −mean/std per channel.
 */
function matchPreset(
  a: [number, number, number],
  b: [number, number, number],
  presets: readonly Preprocessing[],
): Pick<LeadingNormalisation, 'preset' | 'preprocessing' | 'range'> {
  for (const p of presets) {
    for (const range of [255, 1] as const) {
      const k = range === 255 ? 1 : 1 / 255;
      const fits = [0, 1, 2].every(
        (c) =>
          close((a[c] as number) * k, p.scale / (p.std[c] as number)) &&
          close(b[c] as number, -(p.mean[c] as number) / (p.std[c] as number)),
      );
      if (fits) {
        return {
          preset: p.preset,
          range,
          preprocessing: {
            preset: 'custom',
            channelOrder: p.channelOrder,
            scale: k,
            mean: [0, 0, 0],
            std: [1, 1, 1],
          },
        };
      }
    }
  }
  return { preset: 'custom', range: null, preprocessing: null };
}

/** One line for people: what the prefix does and what Incept will feed. */
export function describeLeadingNormalisation(n: LeadingNormalisation): string {
  const fmt = (v: number[]) => v.map((x) => +x.toPrecision(4)).join(', ');
  const what = `the model normalises its input itself (${n.nodes.length} leading node${n.nodes.length > 1 ? 's' : ''}: ×(${fmt(n.a)}) + (${fmt(n.b)}) per channel`;
  if (!n.preprocessing) {
    return `${what}, matching no known preset), so Incept cannot tell its channel order or range: choose them, without mean or std`;
  }
  const range = n.range === 255 ? '0..255' : '0..1';
  return `${what}, ${n.preset}'s normalisation), so Incept feeds plain ${n.preprocessing.channelOrder} ${range} pixels and does not normalise again`;
}
