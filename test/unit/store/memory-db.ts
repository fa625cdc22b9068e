import BetterSqlite3, { type Database } from 'better-sqlite3';
import { migrate } from '../../../src/store/migrate.ts';

/** A fully migrated project database in memory, for tests of the store's SQL. */
export function memoryDb(): Database {
  const db = new BetterSqlite3(':memory:');
  db.pragma('foreign_keys = ON');
  migrate(db);
  return db;
}

/** Inserts `n` image rows (paths /img/<i>.jpg) and returns their ids. */
export function addImages(db: Database, n: number, prefix = '/img'): number[] {
  const insert = db.prepare(
    `INSERT INTO images (path, name, hash, bytes, mtime_ms, width, height, format, status, split, added_at)
     VALUES (?, ?, ?, 100, 0, 10, 10, 'jpeg', 'ok', 'train', '2024-01-01T00:00:00.000Z')`,
  );
  const ids: number[] = [];
  db.transaction(() => {
    const start = (db.prepare('SELECT count(*) AS n FROM images').get() as { n: number }).n;
    for (let i = 0; i < n; i++) {
      const k = start + i;
      ids.push(Number(insert.run(`${prefix}/${k}.jpg`, `${k}.jpg`, `hash${k}`).lastInsertRowid));
    }
  })();
  return ids;
}

/** image id → class id (or null) for every image: the whole labeling state, comparable with deepEqual. */
export function labelState(db: Database): Record<number, number | null> {
  const rows = db
    .prepare('SELECT i.id, l.class_id FROM images i LEFT JOIN labels l ON l.image_id = i.id ORDER BY i.id')
    .all() as { id: number; class_id: number | null }[];
  return Object.fromEntries(rows.map((r) => [r.id, r.class_id]));
}
