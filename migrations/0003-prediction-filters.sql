-- The grid's prediction filters (images.query kinds "suggestions" and "mislabeled") pick a page
-- of ids from these indexes alone: each holds the filter's order with the image id as the tie
-- break, plus the column it filters on, so a deep page skips index entries, not table rows.
-- They supersede the two single-key indexes of 0002, which are their prefixes.
DROP INDEX predictions_by_probability;
DROP INDEX predictions_by_margin;
CREATE INDEX predictions_by_margin ON predictions (run_id, margin, image_id, probability);
CREATE INDEX predictions_by_probability ON predictions (run_id, probability DESC, image_id);
-- Only labeled images get an out-of-fold prediction, so this one stays small.
CREATE INDEX predictions_by_oof ON predictions (run_id, oof_probability DESC, image_id, oof_class_index)
  WHERE oof_probability IS NOT NULL;
