/**
 * Taking images out of a project and moving them between splits. A removed image's file stays
 * on disk; its path is remembered (a `removed-path:` key in project_settings) so that a rescan of
 * its folder leaves it out instead of importing it again.
 */
import type { Database } from 'better-sqlite3';
import type { Split } from '../domain/splits.ts';
import { nowIso } from './statements.ts';

const REMOVED_PREFIX = 'removed-path:';

export function removeImages(db: Database, ids: readonly number[]): { removed: number; paths: string[] } {
  const get = db.prepare('SELECT path FROM images WHERE id = ?');
  const remember = db.prepare(
    'INSERT INTO project_settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
  );
  const remove = db.prepare('DELETE FROM images WHERE id = ?');
  const paths: string[] = [];
  db.transaction(() => {
    for (const id of new Set(ids)) {
      const row = get.get(id) as { path: string } | undefined;
      if (!row) continue;
      remember.run(`${REMOVED_PREFIX}${row.path}`, nowIso());
      remove.run(id);
      paths.push(row.path);
    }
  })();
  return { removed: paths.length, paths };
}

export function isRemovedPath(db: Database, path: string): boolean {
  return (
    db.prepare('SELECT 1 FROM project_settings WHERE key = ?').get(`${REMOVED_PREFIX}${path}`) !== undefined
  );
}

/** Puts images in one split; returns how many moved. */
export function setSplit(db: Database, ids: readonly number[], split: Split): number {
  const update = db.prepare('UPDATE images SET split = ? WHERE id = ? AND split <> ?');
  let changed = 0;
  db.transaction(() => {
    for (const id of new Set(ids)) changed += update.run(split, id, split).changes;
  })();
  return changed;
}
