-- Pretrained models the project has used, identified by the sha256 of the ONNX file.
-- The file itself lives in the app's data folder (shared between projects).
CREATE TABLE models (
  id INTEGER PRIMARY KEY,
  sha256 TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  source TEXT NOT NULL CHECK (source IN ('download', 'file')),
  bytes INTEGER NOT NULL,
  description TEXT NOT NULL, -- JSON ModelDescription
  added_at TEXT NOT NULL
) STRICT;

-- One float32 feature vector per image content, model and augmentation variant
-- (0 = the image itself, 1 = mirrored, 2.. = crops). Keyed by content hash so duplicates and
-- moved files share their vectors.
CREATE TABLE features (
  model_id INTEGER NOT NULL REFERENCES models (id) ON DELETE CASCADE,
  variant INTEGER NOT NULL DEFAULT 0,
  hash TEXT NOT NULL,
  vector BLOB NOT NULL,
  PRIMARY KEY (model_id, variant, hash)
) STRICT, WITHOUT ROWID;

-- Images whose features could not be computed (decode failed), so a job does not retry them
-- forever; cleared when the image changes.
CREATE TABLE feature_failures (
  model_id INTEGER NOT NULL REFERENCES models (id) ON DELETE CASCADE,
  hash TEXT NOT NULL,
  error TEXT NOT NULL,
  PRIMARY KEY (model_id, hash)
) STRICT, WITHOUT ROWID;

-- Every training: settings, the exact labels used, the head weights and the metrics.
CREATE TABLE runs (
  id INTEGER PRIMARY KEY,
  model_id INTEGER NOT NULL REFERENCES models (id),
  created_at TEXT NOT NULL,
  duration_ms INTEGER NOT NULL,
  settings TEXT NOT NULL, -- JSON TrainSettings
  classes TEXT NOT NULL, -- JSON [{id, name}] in output order
  labels_hash TEXT NOT NULL,
  label_snapshot BLOB NOT NULL, -- JSON [[imageId, classId, split], ...]
  weights BLOB NOT NULL, -- float32 [featureDim * classes], row-major
  bias BLOB NOT NULL, -- float32 [classes]
  metrics TEXT NOT NULL -- JSON {train, validation, history, bestEpoch, flags}
) STRICT;

-- Predictions of a run for every image (labeled or not).
CREATE TABLE predictions (
  run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  image_id INTEGER NOT NULL REFERENCES images (id) ON DELETE CASCADE,
  class_index INTEGER NOT NULL,
  probability REAL NOT NULL,
  margin REAL NOT NULL,
  probs BLOB NOT NULL, -- float32 [classes]
  oof_class_index INTEGER, -- out-of-fold prediction for labeled images (likely mislabeled)
  oof_probability REAL,
  PRIMARY KEY (run_id, image_id)
) STRICT;
CREATE INDEX predictions_by_probability ON predictions (run_id, probability);
CREATE INDEX predictions_by_margin ON predictions (run_id, margin);

-- Pairs of images whose features are nearly identical (cosine similarity), found after each
-- training; `leak` marks pairs that sit in different splits.
CREATE TABLE near_duplicates (
  run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  image_a INTEGER NOT NULL REFERENCES images (id) ON DELETE CASCADE,
  image_b INTEGER NOT NULL REFERENCES images (id) ON DELETE CASCADE,
  similarity REAL NOT NULL,
  leak INTEGER NOT NULL CHECK (leak IN (0, 1)),
  PRIMARY KEY (run_id, image_a, image_b)
) STRICT, WITHOUT ROWID;
CREATE INDEX near_duplicates_b ON near_duplicates (run_id, image_b);
