/**
 * "Likely mislabeled": a labeled image whose out-of-fold prediction (from a model that never saw
 * it) names another class with confidence AND gives the image's own label little chance. The
 * second condition matters with many classes: 0.7 for another class can leave 0.3 for the label,
 * which is doubt about the image, not evidence that its label is wrong.
 *
 * This is the only statement of the rule: the store's SQL binds these numbers as parameters, and
 * tests check the SQL against `isLikelyMislabeled` on the same rows.
 */
import { lowerBound32, upperBound32 } from './float32-bounds.ts';

export const MISLABELED_RULE = Object.freeze({
  /** The out-of-fold prediction is another class with at least this probability ... */
  minOtherClassProbability: 0.7,
  /** ... and the given label gets at most this probability out of fold. */
  maxLabelProbability: 0.15,
});

/** The out-of-fold facts the rule reads, as a run stores them for each labeled image. */
export interface OutOfFold {
  /** The class the held-out model rates highest (an index or an id, compared with `label`). */
  predicted: number;
  /** Its probability. */
  probability: number;
  /**
   * The given label's probability; null for runs stored before it was kept. For those, 1 − the
   * top probability stands in: an upper bound, so the rule never flags more than it would with
   * the true value.
   */
  labelProbability: number | null;
}

/**
 * Whether a label is likely wrong. `minProbability` can only make the rule stricter (a user
 * asking for surer cases); it never flags images the rule itself would not.
 */
export function isLikelyMislabeled(label: number, oof: OutOfFold, minProbability = 0): boolean {
  const bounds = mislabeledBounds(minProbability);
  const labelProbability = oof.labelProbability ?? 1 - oof.probability;
  return (
    oof.predicted !== label &&
    oof.probability >= bounds.minOtherClassProbability &&
    labelProbability <= bounds.maxLabelProbability
  );
}

/** The rule's thresholds as compared with stored (float32) probabilities; SQL binds these. */
export function mislabeledBounds(minProbability = 0): {
  minOtherClassProbability: number;
  maxLabelProbability: number;
} {
  return {
    minOtherClassProbability: lowerBound32(
      Math.max(MISLABELED_RULE.minOtherClassProbability, minProbability),
    ),
    maxLabelProbability: upperBound32(MISLABELED_RULE.maxLabelProbability),
  };
}

/** The out-of-fold facts of one row of n × C probabilities, for a sample labeled `label`. */
export function outOfFoldFacts(
  probs: ArrayLike<number>,
  row: number,
  numClasses: number,
  label: number,
): OutOfFold {
  const at = row * numClasses;
  let best = 0;
  for (let c = 1; c < numClasses; c++) if (probs[at + c]! > probs[at + best]!) best = c;
  return { predicted: best, probability: probs[at + best]!, labelProbability: probs[at + label]! };
}
