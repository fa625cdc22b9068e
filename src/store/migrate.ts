import { fileURLToPath } from 'node:url';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Database } from 'better-sqlite3';
import { ApiError } from '../domain/errors.ts';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations/', import.meta.url));

/** Reads `NNNN-name.sql` (or `NNNN_name.sql`) files; versions must run 1, 2, 3 ... with no gaps. */
export function loadMigrations(dir = MIGRATIONS_DIR): Migration[] {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .sort();
  const migrations = files.map((file) => {
    const m = /^(\d{4})[-_]([\w-]+)\.sql$/.exec(file);
    if (!m) throw new Error(`Migration file ${file} must be named NNNN-name.sql`);
    return { version: Number(m[1]), name: m[2]!, sql: readFileSync(join(dir, file), 'utf8') };
  });
  migrations.forEach((m, i) => {
    if (m.version !== i + 1)
      throw new Error(`Migrations must be numbered 1..n without gaps; found ${m.version} at ${i + 1}`);
  });
  return migrations;
}

export function latestVersion(migrations = loadMigrations()): number {
  return migrations.length;
}

export function schemaVersion(db: Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/**
 * Brings the schema up to date. A database newer than this app is refused untouched; pending
 * migrations run in one transaction that also sets `user_version`, so a crash leaves the old
 * version intact.
 */
export function migrate(db: Database, migrations = loadMigrations()): { from: number; to: number } {
  const from = schemaVersion(db);
  const to = migrations.length;
  if (from > to) {
    throw new ApiError(
      'newer_schema',
      `This project was written by a newer version of Incept (schema ${from}; this app knows up to ${to}). ` +
        'Update Incept to open it; the file was not changed.',
    );
  }
  if (from === to) return { from, to };
  const pending = migrations.slice(from);
  db.transaction(() => {
    for (const m of pending) db.exec(m.sql);
    db.pragma(`user_version = ${to}`);
  }).immediate();
  return { from, to };
}
