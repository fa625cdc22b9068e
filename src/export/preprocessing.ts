/**
 * The in-graph preprocessing of an export: the graph takes RGB 0..255 and does what
 * `toModelInput` does in the app (RGB → BGR, minus the ImageNet means).
 */
import { MEAN_BGR } from '../model/preprocess.ts';

/** The means in the input's own (RGB) order, subtracted before the channels are reversed. */
export const RGB_MEANS: readonly number[] = Object.freeze([MEAN_BGR[2], MEAN_BGR[1], MEAN_BGR[0]]);
