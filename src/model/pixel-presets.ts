/**
 * How a network wants its pixels: channel order, scale, and per-channel mean and std, applied to
 * 224×224 RGB bytes as value = (pixel · scale − mean[c]) / std[c], channels in `channelOrder`.
 * Each pretrained network was trained with one of these; feeding another gives features that are
 * off by orders of magnitude while still looking plausible, so the choice belongs to the model.
 */
import { ModelError } from './errors.ts';

export type PresetName = 'caffe' | 'torchvision' | 'tf' | 'custom';

export interface Preprocessing {
  preset: PresetName;
  channelOrder: 'RGB' | 'BGR';
  scale: number;
  /** In `channelOrder`, after scaling. */
  mean: [number, number, number];
  std: [number, number, number];
}

export const PRESETS: Readonly<Record<Exclude<PresetName, 'custom'>, Preprocessing>> = Object.freeze({
  /** BVLC / ONNX Model Zoo GoogLeNet (Caffe): BGR, 0..255, minus the ImageNet means. */
  caffe: { preset: 'caffe', channelOrder: 'BGR', scale: 1, mean: [103.939, 116.779, 123.68], std: [1, 1, 1] },
  /** torchvision models: RGB scaled to 0..1, ImageNet mean and std. */
  torchvision: {
    preset: 'torchvision',
    channelOrder: 'RGB',
    scale: 1 / 255,
    mean: [0.485, 0.456, 0.406],
    std: [0.229, 0.224, 0.225],
  },
  /** TF-slim / Keras InceptionV1: RGB scaled to [-1, 1]. */
  tf: { preset: 'tf', channelOrder: 'RGB', scale: 1 / 127.5, mean: [1, 1, 1], std: [1, 1, 1] },
});

export const PRESET_NAMES: readonly PresetName[] = ['caffe', 'torchvision', 'tf', 'custom'];

/** One line for people: what Incept will do to each pixel. */
export function describePreprocessing(p: Preprocessing): string {
  const range =
    p.scale === 1 ? '0..255' : p.scale === 1 / 255 ? '0..1' : `0..${+(255 * p.scale).toPrecision(6)}`;
  const fmt = (v: number[]) => v.map((x) => +x.toPrecision(6)).join(', ');
  const std = p.std.every((s) => s === 1) ? '' : `, divided by std (${fmt(p.std)})`;
  const mean = p.mean.every((m) => m === 0) ? '' : ` minus mean (${fmt(p.mean)})`;
  return `${p.preset}: ${p.channelOrder} ${range}${mean}${std}`;
}

/** A custom preset from its parts, checked. */
export function customPreprocessing(parts: {
  channelOrder: 'RGB' | 'BGR';
  scale: number;
  mean: number[];
  std: number[];
}): Preprocessing {
  const three = (v: number[], what: string) => {
    if (v.length !== 3 || v.some((x) => !Number.isFinite(x))) {
      throw new ModelError('bad_input', `Custom preprocessing needs three ${what} values (one per channel).`);
    }
    return v as [number, number, number];
  };
  if (!(parts.scale > 0) || !Number.isFinite(parts.scale)) {
    throw new ModelError(
      'bad_input',
      'Custom preprocessing needs a positive scale (e.g. 1, or 0.00392 for 1/255).',
    );
  }
  const std = three(parts.std, 'std');
  if (std.some((s) => s <= 0))
    throw new ModelError('bad_input', 'Custom preprocessing std values must be positive.');
  return {
    preset: 'custom',
    channelOrder: parts.channelOrder,
    scale: parts.scale,
    mean: three(parts.mean, 'mean'),
    std,
  };
}

/** What a person picks: a preset by name, or the parts of a custom one. */
export type PreprocessingChoice =
  | Exclude<PresetName, 'custom'>
  | { channelOrder: 'RGB' | 'BGR'; scale: number; mean: number[]; std: number[] };

export function fromChoice(choice: PreprocessingChoice): Preprocessing {
  return typeof choice === 'string' ? PRESETS[choice] : customPreprocessing(choice);
}

export function samePreprocessing(a: Preprocessing, b: Preprocessing): boolean {
  return (
    a.channelOrder === b.channelOrder &&
    a.scale === b.scale &&
    a.mean.every((m, i) => m === b.mean[i]) &&
    a.std.every((s, i) => s === b.std[i])
  );
}
