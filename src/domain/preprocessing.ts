/**
 * How a network wants its pixels, and the presets of the networks Incept knows (src/model/pixel-presets.ts
 * detects them in a file and checks custom ones).
 */

/** Presets chosen by name; 'custom' is any other set of parts. */
export const NAMED_PRESETS = ['caffe', 'torchvision', 'tf'] as const;
export const PRESET_NAMES = [...NAMED_PRESETS, 'custom'] as const;
export const CHANNEL_ORDERS = ['RGB', 'BGR'] as const;
export type ChannelOrder = (typeof CHANNEL_ORDERS)[number];
export type PresetName = (typeof PRESET_NAMES)[number];

export interface Preprocessing {
  preset: PresetName;
  channelOrder: ChannelOrder;
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

/** One line for people: what Incept will do to each pixel. */
export function describePreprocessing(p: Preprocessing): string {
  const range =
    p.scale === 1 ? '0..255' : p.scale === 1 / 255 ? '0..1' : `0..${+(255 * p.scale).toPrecision(6)}`;
  const fmt = (v: number[]) => v.map((x) => +x.toPrecision(6)).join(', ');
  const std = p.std.every((s) => s === 1) ? '' : `, divided by std (${fmt(p.std)})`;
  const mean = p.mean.every((m) => m === 0) ? '' : ` minus mean (${fmt(p.mean)})`;
  return `${p.preset}: ${p.channelOrder} ${range}${mean}${std}`;
}

export function samePreprocessing(a: Preprocessing, b: Preprocessing): boolean {
  return (
    a.channelOrder === b.channelOrder &&
    a.scale === b.scale &&
    a.mean.every((m, i) => m === b.mean[i]) &&
    a.std.every((s, i) => s === b.std[i])
  );
}
