/**
 * Every image is in one split: trained on, used to pick the epoch, or held out to the end.
 */

export const SPLITS = ['train', 'validation', 'test'] as const;
export type Split = (typeof SPLITS)[number];
