/**
 * How a network wants its pixels: channel order, scale, and per-channel mean and std, applied to
 * 224×224 RGB bytes as value = (pixel · scale − mean[c]) / std[c], channels in `channelOrder`.
 * Each pretrained network was trained with one of these; feeding another gives features that are
 * off by orders of magnitude while still looking plausible, so the choice belongs to the model.
 */
import { ModelError } from './errors.ts';
import { PRESETS, type ChannelOrder, type PresetName, type Preprocessing } from '../domain/preprocessing.ts';

/** A custom preset from its parts, checked. */
export function customPreprocessing(parts: {
  channelOrder: ChannelOrder;
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
  | { channelOrder: ChannelOrder; scale: number; mean: number[]; std: number[] };

export function fromChoice(choice: PreprocessingChoice): Preprocessing {
  return typeof choice === 'string' ? PRESETS[choice] : customPreprocessing(choice);
}
