-- Project-wide settings as key/value pairs (name, seed, crop mode, model source, ...).
CREATE TABLE project_settings (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
) STRICT;
