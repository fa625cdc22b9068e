import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import BetterSqlite3, { type Database } from 'better-sqlite3';
import { ApiError } from '../../../src/domain/errors.ts';
import {
  latestVersion,
  loadMigrations,
  migrate,
  schemaVersion,
  type Migration,
} from '../../../src/store/migrate.ts';
import { APPLICATION_ID, ProjectStore } from '../../../src/store/project.ts';

const dir = mkdtempSync(join(tmpdir(), 'incept-migrations-'));
after(() => rmSync(dir, { recursive: true, force: true }));

let counter = 0;
function rawProject(migrations: Migration[]): { path: string; db: Database } {
  const path = join(dir, `p${++counter}.incept`);
  const db = new BetterSqlite3(path);
  db.pragma('journal_mode = WAL');
  db.pragma(`application_id = ${APPLICATION_ID}`);
  migrate(db, migrations);
  return { path, db };
}

/** Rows in every dataset table, written with plain SQL as an older app would have. */
function putData(db: Database): void {
  db.exec(`
    INSERT INTO project_settings (key, value) VALUES ('name', 'old'), ('split_seed', '7');
    INSERT INTO classes (id, name, name_key, color, sort_order, hotkey, created_at)
      VALUES (1, 'Cat', 'cat', '#112233', 0, '1', '2024-01-01');
    INSERT INTO import_roots (path, labels_from_folders, added_at) VALUES ('/photos', 1, '2024-01-01');
    INSERT INTO images (id, path, name, hash, bytes, mtime_ms, width, height, format, status, split, added_at)
      VALUES (1, '/photos/Cat/a.jpg', 'a.jpg', 'abc', 10, 1.5, 4, 3, 'jpeg', 'ok', 'train', '2024-01-01'),
             (2, '/photos/b.jpg', 'b.jpg', NULL, 0, 0, NULL, NULL, NULL, 'unreadable', 'test', '2024-01-02');
    INSERT INTO labels (image_id, class_id, source, labeled_at) VALUES (1, 1, 'human', '2024-01-03');
    INSERT INTO label_history (step, action, summary, created_at) VALUES (1, 'set', 'label 1 image "Cat"', '2024-01-03');
    INSERT INTO label_history_changes (step, image_id, new_class_id, new_source, new_at)
      VALUES (1, 1, 1, 'human', '2024-01-03');
  `);
}

function readData(db: Database): unknown {
  return {
    settings: db
      .prepare("SELECT key, value FROM project_settings WHERE key IN ('name', 'split_seed') ORDER BY key")
      .all(),
    classes: db.prepare('SELECT id, name, color, sort_order, hotkey FROM classes').all(),
    images: db
      .prepare('SELECT id, path, hash, bytes, mtime_ms, width, status, split FROM images ORDER BY id')
      .all(),
    labels: db.prepare('SELECT * FROM labels').all(),
    history: db.prepare('SELECT step, summary, undone FROM label_history').all(),
    changes: db.prepare('SELECT step, image_id, new_class_id FROM label_history_changes').all(),
    roots: db.prepare('SELECT path, labels_from_folders FROM import_roots').all(),
  };
}

const real = loadMigrations();
/** Stands in for a future migration, so the upgrade path is tested even while there is one file. */
const next: Migration = {
  version: real.length + 1,
  name: 'test-next',
  sql: 'ALTER TABLE images ADD COLUMN note TEXT; CREATE TABLE test_next (id INTEGER PRIMARY KEY) STRICT;',
};

for (let k = 1; k <= real.length; k++) {
  test(`a project at schema ${k} opens, migrates to ${real.length} and keeps its data`, () => {
    const { path, db } = rawProject(real.slice(0, k));
    putData(db);
    const before = readData(db);
    db.close();
    const store = ProjectStore.open(path);
    try {
      assert.equal(schemaVersion(store.db), latestVersion());
      assert.deepEqual(readData(store.db), before);
      assert.equal(store.info().imageCount, 2);
      assert.equal(store.info().classCount, 1);
      assert.deepEqual(store.db.pragma('foreign_key_check'), []);
    } finally {
      store.close();
    }
  });
}

test('every migration after the first keeps existing rows (with a stand-in next migration)', () => {
  const { db } = rawProject(real);
  putData(db);
  const before = readData(db);
  assert.deepEqual(migrate(db, [...real, next]), { from: real.length, to: real.length + 1 });
  assert.deepEqual(readData(db), before);
  assert.equal(
    (db.prepare('SELECT count(*) AS n FROM images WHERE note IS NULL').get() as { n: number }).n,
    2,
  );
  db.close();
});

test('a failing migration leaves the database as it was', () => {
  const { db } = rawProject(real);
  putData(db);
  const before = readData(db);
  const broken: Migration = {
    version: real.length + 1,
    name: 'broken',
    sql: 'ALTER TABLE images ADD COLUMN x TEXT; NOT SQL;',
  };
  assert.throws(() => migrate(db, [...real, broken]));
  assert.equal(schemaVersion(db), real.length);
  assert.deepEqual(readData(db), before);
  assert.equal(
    (
      db.prepare("SELECT count(*) AS n FROM pragma_table_info('images') WHERE name = 'x'").get() as {
        n: number;
      }
    ).n,
    0,
  );
  db.close();
});

test('a project written by a newer app is refused with a clear message and left byte-for-byte unchanged', () => {
  const { path, db } = rawProject(real);
  putData(db);
  db.pragma(`user_version = ${real.length + 3}`);
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  const digest = () => createHash('sha256').update(readFileSync(path)).digest('hex');
  const before = digest();
  assert.throws(
    () => ProjectStore.open(path),
    (err: unknown) =>
      err instanceof ApiError &&
      err.code === 'newer_schema' &&
      /newer version of Incept/.test(err.message) &&
      /not changed/.test(err.message),
  );
  assert.equal(digest(), before);
});

test('a new project has the latest schema, WAL, foreign keys and a busy timeout', () => {
  const store = ProjectStore.create(join(dir, 'fresh'));
  try {
    assert.equal(schemaVersion(store.db), latestVersion());
    assert.equal(store.db.pragma('journal_mode', { simple: true }), 'wal');
    assert.equal(store.db.pragma('foreign_keys', { simple: true }), 1);
    assert.ok((store.db.pragma('busy_timeout', { simple: true }) as number) > 0);
    assert.match(store.setting('split_seed') ?? '', /^\d+$/);
  } finally {
    store.close();
  }
});
