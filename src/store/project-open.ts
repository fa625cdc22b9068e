/**
 * How a project file is opened without changing it: its identity and schema version are read
 * before anything is written, and a project this account may not write is opened read-only
 * without leaving journal files beside it.
 */
import {
  accessSync,
  closeSync,
  constants,
  existsSync,
  openSync,
  readFileSync,
  readSync,
  statSync,
} from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3, { type Database } from 'better-sqlite3';
import { ApiError } from '../domain/errors.ts';

/** Electron loads its own build of better-sqlite3 (electron/native-paths.ts); Node uses the default. */
export const nativeBinding = process.env.INCEPT_SQLITE_BINDING || undefined;

const HEADER_BYTES = 100;
// Offsets in SQLite's file header (https://sqlite.org/fileformat.html#the_database_header).
const USER_VERSION_OFFSET = 60;
const APPLICATION_ID_OFFSET = 68;
const WRITE_VERSION_OFFSET = 18;
const READ_VERSION_OFFSET = 19;
const ROLLBACK_JOURNAL = 1;

export interface ProjectIdentity {
  applicationId: number;
  schemaVersion: number;
}

function hasHotWal(path: string): boolean {
  const wal = `${path}-wal`;
  return existsSync(wal) && statSync(wal).size > 0;
}

/**
 * The application id and schema version, read without writing. Without a write-ahead log the
 * file header is the truth. With one, the newest values may be in the log: a read-only
 * connection reads them, and (unlike a writable one) never checkpoints the log into the file
 * or deletes it when it closes.
 */
export function readIdentity(path: string): ProjectIdentity {
  if (hasHotWal(path)) {
    let db: Database | null = null;
    try {
      db = new BetterSqlite3(path, { readonly: true, fileMustExist: true, nativeBinding });
      return {
        applicationId: db.pragma('application_id', { simple: true }) as number,
        schemaVersion: db.pragma('user_version', { simple: true }) as number,
      };
    } catch (err) {
      // A folder where the shared-memory file can't be made: the header is the best there is.
      if (!String((err as { code?: unknown }).code).startsWith('SQLITE_CANTOPEN') && !isReadOnlyError(err))
        throw explainSqliteError(err, path);
    } finally {
      db?.close();
    }
  }
  const header = readHeader(path);
  return {
    applicationId: header.readInt32BE(APPLICATION_ID_OFFSET),
    schemaVersion: header.readInt32BE(USER_VERSION_OFFSET),
  };
}

function readHeader(path: string): Buffer {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(HEADER_BYTES);
    const n = readSync(fd, buf, 0, HEADER_BYTES, 0);
    if (n < HEADER_BYTES) throw damaged(path, `the file is only ${n} bytes long`);
    return buf;
  } finally {
    closeSync(fd);
  }
}

/** Why this account can't write the project, or null if it can. */
export function whyReadOnly(path: string): string | null {
  try {
    accessSync(path, constants.W_OK);
  } catch {
    return `the file ${path} is read-only for this account`;
  }
  try {
    accessSync(dirname(path), constants.W_OK);
  } catch {
    return `its folder ${dirname(path)} is read-only for this account (SQLite keeps a journal beside the file)`;
  }
  return null;
}

/**
 * A read-only connection that leaves nothing beside the file. With a write-ahead log present,
 * SQLite reads through it (read-only, no checkpoint). Without one, SQLite would still want to
 * create its shared-memory file (impossible in a read-only folder, and foreign files in someone
 * else's folder), so the file is read into memory as a rollback-journal database instead.
 */
export function openReadOnly(path: string): Database {
  if (hasHotWal(path)) return new BetterSqlite3(path, { readonly: true, fileMustExist: true, nativeBinding });
  const bytes = readFileSync(path);
  if (bytes.length >= HEADER_BYTES) {
    bytes[WRITE_VERSION_OFFSET] = ROLLBACK_JOURNAL;
    bytes[READ_VERSION_OFFSET] = ROLLBACK_JOURNAL;
  }
  return new BetterSqlite3(bytes, { readonly: true, nativeBinding });
}

export function isReadOnlyError(err: unknown): boolean {
  return String((err as { code?: unknown }).code ?? '').startsWith('SQLITE_READONLY');
}

function isDamageError(err: unknown): boolean {
  const code = String((err as { code?: unknown }).code ?? '');
  return code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB';
}

function damaged(path: string, what: string): ApiError {
  return new ApiError(
    'damaged',
    `The project ${path} is damaged (${what}). Nothing was written to it. Restore it from a backup, ` +
      `or try "sqlite3 ${path} .recover" on a copy to save what is left.`,
  );
}

export function readOnlyError(path: string, why: string): ApiError {
  return new ApiError(
    'read_only',
    `The project ${path} is open read-only because ${why}: you can browse, predict and export, ` +
      'but not change it. To label or import, give this account write access to the file and its ' +
      'folder, or copy the project to a folder you can write and open the copy.',
  );
}

/** SQLite's terse errors, said with the project's path and what to do; others pass through. */
export function explainSqliteError(err: unknown, path: string, readOnlyWhy?: string | null): unknown {
  if (err instanceof ApiError) return err;
  if (isDamageError(err)) return damaged(path, (err as Error).message);
  if (isReadOnlyError(err)) {
    return readOnlyError(path, readOnlyWhy ?? whyReadOnly(path) ?? 'the file or its folder is read-only');
  }
  return err;
}
