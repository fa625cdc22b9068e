/**
 * The in-graph preprocessing of an export: the graph takes RGB 0..255 and does what
 * `toModelInput` does in the app with the model's own preset, as a per-channel multiply and
 * subtract in RGB order followed by a channel reversal for BGR models.
 */
import type { Preprocessing } from '../domain/preprocessing.ts';

export interface InGraphPreprocessing {
  /** Per RGB input channel: value = pixel · multiply − subtract. */
  multiply: [number, number, number];
  subtract: [number, number, number];
  /** Whether the channels are then reversed (BGR models). */
  reverse: boolean;
}

export function inGraphPreprocessing(p: Preprocessing): InGraphPreprocessing {
  // Model channel c reads RGB channel src[c].
  const src = p.channelOrder === 'BGR' ? [2, 1, 0] : [0, 1, 2];
  const multiply: [number, number, number] = [1, 1, 1];
  const subtract: [number, number, number] = [0, 0, 0];
  for (let c = 0; c < 3; c++) {
    const k = src[c] as number;
    multiply[k] = p.scale / (p.std[c] as number);
    subtract[k] = (p.mean[c] as number) / (p.std[c] as number);
  }
  return { multiply, subtract, reverse: p.channelOrder === 'BGR' };
}
