-- "Likely mislabeled" also needs the out-of-fold probability of the image's own label (the
-- rule: another class is confidently predicted AND the given label is unlikely). Runs stored
-- before this keep NULL there; the rule then bounds it by 1 - oof_probability.
ALTER TABLE predictions ADD COLUMN oof_label_probability REAL;
-- The mislabeled filter reads the new column from the index, so its page stays index-only.
DROP INDEX predictions_by_oof;
CREATE INDEX predictions_by_oof
  ON predictions (run_id, oof_probability DESC, image_id, oof_class_index, oof_label_probability)
  WHERE oof_probability IS NOT NULL;
