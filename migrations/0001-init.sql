-- Project-wide settings as key/value pairs (name, seed, crop mode, model source, ...).
CREATE TABLE project_settings (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
) STRICT;

-- Label classes. `name_key` is the name folded (NFC + lower case) so that names are unique
-- case-insensitively for every script, which COLLATE NOCASE (ASCII only) is not.
-- AUTOINCREMENT: an id is never given to a second class, because the undo history refers to
-- deleted classes by id.
CREATE TABLE classes (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  name_key TEXT NOT NULL UNIQUE,
  color TEXT NOT NULL,
  sort_order INTEGER NOT NULL,
  hotkey TEXT UNIQUE,
  created_at TEXT NOT NULL
) STRICT;

-- Folders the person imported; a rescan walks them again.
CREATE TABLE import_roots (
  id INTEGER PRIMARY KEY,
  path TEXT NOT NULL UNIQUE,
  labels_from_folders INTEGER NOT NULL CHECK (labels_from_folders IN (0, 1)),
  added_at TEXT NOT NULL,
  scanned_at TEXT
) STRICT;

-- One row per image file, referenced where it lies on disk. The id grows with every insert,
-- so "sorted by added time" is ORDER BY id and needs no index of its own.
-- `hash` (SHA-256 of the bytes, hex) is NULL only when the bytes could not be read at all.
-- `split` derives from the hash and the project's split_seed (from the path when the hash is
-- unknown); it is stored so that filters and counts can use an index.
-- `scan_id` is the last rescan that saw the file; files under a rescanned folder that the scan
-- did not see become 'missing'.
CREATE TABLE images (
  id INTEGER PRIMARY KEY,
  path TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  hash TEXT,
  bytes INTEGER NOT NULL,
  mtime_ms REAL NOT NULL,
  width INTEGER,
  height INTEGER,
  format TEXT,
  status TEXT NOT NULL CHECK (status IN ('ok', 'missing', 'unreadable')),
  error TEXT,
  split TEXT NOT NULL CHECK (split IN ('train', 'validation', 'test')),
  added_at TEXT NOT NULL,
  scan_id INTEGER NOT NULL DEFAULT 0
) STRICT;
-- Names sort as a person expects ("b.jpg" after "A.jpg"), so the index folds ASCII case.
CREATE INDEX images_name ON images (name COLLATE NOCASE);
CREATE INDEX images_hash ON images (hash);
CREATE INDEX images_status ON images (status);
CREATE INDEX images_split ON images (split);

-- At most one label per image (single-label classification).
CREATE TABLE labels (
  image_id INTEGER PRIMARY KEY REFERENCES images (id) ON DELETE CASCADE,
  class_id INTEGER NOT NULL REFERENCES classes (id),
  source TEXT NOT NULL CHECK (source IN ('human', 'imported', 'accepted-suggestion')),
  labeled_at TEXT NOT NULL
) STRICT;
CREATE INDEX labels_class ON labels (class_id);

-- Undo/redo. One row per user action (however many images it touched); `undone` steps form
-- the redo stack and are dropped when a new step is recorded.
CREATE TABLE label_history (
  step INTEGER PRIMARY KEY,
  action TEXT NOT NULL,
  summary TEXT NOT NULL,
  created_at TEXT NOT NULL,
  undone INTEGER NOT NULL DEFAULT 0 CHECK (undone IN (0, 1))
) STRICT;
CREATE INDEX label_history_undone ON label_history (undone, step);

-- The labels a step changed, before and after (class NULL = unlabeled). Class ids are not
-- foreign keys: a step that deleted a class still refers to it, and undo brings it back.
CREATE TABLE label_history_changes (
  step INTEGER NOT NULL REFERENCES label_history (step) ON DELETE CASCADE,
  image_id INTEGER NOT NULL REFERENCES images (id) ON DELETE CASCADE,
  old_class_id INTEGER,
  old_source TEXT,
  old_at TEXT,
  new_class_id INTEGER,
  new_source TEXT,
  new_at TEXT,
  PRIMARY KEY (step, image_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX label_history_changes_image ON label_history_changes (image_id);

-- Classes a step created or deleted, as JSON snapshots of the row (NULL before = created,
-- NULL after = deleted), so undoing a class deletion restores the class with its id.
CREATE TABLE label_history_classes (
  step INTEGER NOT NULL REFERENCES label_history (step) ON DELETE CASCADE,
  class_id INTEGER NOT NULL,
  before TEXT,
  after TEXT,
  PRIMARY KEY (step, class_id)
) STRICT, WITHOUT ROWID;
