import { mislabeledBounds } from '../domain/mislabeled-rule.ts';

/** Table aliases of the rows the condition reads: predictions, their run, and the labels. */
export interface MislabeledAliases {
  pr: string;
  r: string;
  l: string;
}

/**
 * `isLikelyMislabeled` as an SQL condition, its thresholds bound as parameters (in order). The
 * run's classes map the out-of-fold class index to a class id, the label's.
 */
export function mislabeledCondition(
  { pr, r, l }: MislabeledAliases,
  minProbability = 0,
): { sql: string; params: number[] } {
  const bounds = mislabeledBounds(minProbability);
  return {
    sql: `${pr}.oof_probability >= ? AND ${pr}.oof_class_index IS NOT NULL
      AND COALESCE(${pr}.oof_label_probability, 1 - ${pr}.oof_probability) <= ?
      AND ${l}.class_id != json_extract(${r}.classes, '$[' || ${pr}.oof_class_index || '].id')`,
    params: [bounds.minOtherClassProbability, bounds.maxLabelProbability],
  };
}
