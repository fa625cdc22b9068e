-- How each model wants its pixels (channel order, scale, mean, std), as JSON with where the
-- choice came from. NULL: a model recorded before this column, which was fed the Caffe preset.
ALTER TABLE models ADD COLUMN preprocessing TEXT;
