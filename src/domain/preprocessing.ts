/**
 * How a network wants its pixels (src/model/pixel-presets.ts holds the presets and detection).
 */

export type PresetName = 'caffe' | 'torchvision' | 'tf' | 'custom';

export interface Preprocessing {
  preset: PresetName;
  channelOrder: 'RGB' | 'BGR';
  scale: number;
  /** In `channelOrder`, after scaling. */
  mean: [number, number, number];
  std: [number, number, number];
}
