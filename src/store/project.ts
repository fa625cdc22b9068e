import { closeSync, existsSync, mkdirSync, openSync, readSync, statSync } from 'node:fs';
import { randomInt } from 'node:crypto';
import { basename, dirname, extname, resolve } from 'node:path';
import BetterSqlite3, { type Database } from 'better-sqlite3';
import { ApiError } from '../domain/errors.ts';
import type { ProjectInfo } from '../domain/project.ts';
import { latestVersion, migrate, schemaVersion } from './migrate.ts';
import {
  explainSqliteError,
  nativeBinding,
  openReadOnly,
  readIdentity,
  readOnlyError,
  whyReadOnly,
} from './project-open.ts';

/** 'INCP' — marks an SQLite file as an Incept project (PRAGMA application_id). */
export const APPLICATION_ID = 0x494e4350;
export const PROJECT_EXTENSION = '.incept';
const SQLITE_HEADER = 'SQLite format 3\0';

/**
 * One project = one SQLite file that references images where they are on disk, plus a cache
 * folder beside it (`<file>-cache/`) for thumbnails.
 */
/** How long after the last label change the write-ahead log is checkpointed (off any request). */
export const IDLE_CHECKPOINT_MS = 300;

export class ProjectStore {
  readonly path: string;
  readonly db: Database;
  /** Why the project is read-only (changes are refused with this reason), or null. */
  readonly readOnly: string | null;

  private constructor(path: string, db: Database, readOnly: string | null = null) {
    this.path = path;
    this.db = db;
    this.readOnly = readOnly;
  }

  #checkpointTimer: ReturnType<typeof setTimeout> | undefined;

  /**
   * Copies the write-ahead log into the database once no change came for `delayMs`. SQLite
   * otherwise does it inside the commit that fills the log past 1000 pages: for a labeling of
   * 10 000 images that was every other commit, ~20 ms more on that request. Emptied while
   * idle, the log rarely reaches that size within one request. Committed changes are already
   * durable in the log; this only moves when they are copied.
   */
  checkpointWhenIdle(delayMs = IDLE_CHECKPOINT_MS): void {
    if (this.readOnly !== null) return;
    clearTimeout(this.#checkpointTimer);
    this.#checkpointTimer = setTimeout(() => {
      this.#checkpointTimer = undefined;
      if (!this.db.open) return;
      if (this.db.inTransaction) return this.checkpointWhenIdle(delayMs);
      // PASSIVE: never waits for readers and never blocks a writer; what it cannot copy now
      // stays in the log for the next checkpoint (or SQLite's own), so a failure here loses
      // nothing and must not end the server from a timer.
      try {
        this.db.pragma('wal_checkpoint(PASSIVE)');
      } catch {
        /* the log stays; it is copied later */
      }
    }, delayMs);
    // A pending checkpoint must not keep a command-line run alive; closing checkpoints anyway.
    this.#checkpointTimer.unref?.();
  }

  /** Refuses a change up front, with the reason, instead of failing part-way through. */
  assertWritable(): void {
    if (this.readOnly !== null) throw readOnlyError(this.path, this.readOnly);
  }

  /**
   * Runs `work` as one write transaction, taking the write lock up front (BEGIN IMMEDIATE) so
   * that two writers wait for each other instead of one failing half-way with SQLITE_BUSY.
   */
  writeTransaction<T>(work: () => T): T {
    return this.db.transaction(work).immediate();
  }

  /** Runs `work` as one transaction (deferred: it takes the write lock at its first write). */
  transaction<T>(work: () => T): T {
    return this.db.transaction(work)();
  }

  get cacheDir(): string {
    return `${this.path}-cache`;
  }

  get name(): string {
    return this.setting('name') ?? basename(this.path, extname(this.path));
  }

  static create(rawPath: string): ProjectStore {
    const path = normalizeProjectPath(rawPath);
    if (existsSync(path)) {
      throw new ApiError('conflict', `${path} already exists. Open it instead, or choose a new name.`);
    }
    const parent = dirname(path);
    if (!existsSync(parent)) {
      throw new ApiError(
        'not_found',
        `The folder ${parent} does not exist. Create it first or pick another place.`,
      );
    }
    const db = new BetterSqlite3(path, { nativeBinding });
    try {
      configure(db);
      db.pragma(`application_id = ${APPLICATION_ID}`);
      migrate(db);
      const insert = db.prepare('INSERT INTO project_settings (key, value) VALUES (?, ?)');
      db.transaction(() => {
        insert.run('name', basename(path, extname(path)));
        insert.run('created_at', new Date().toISOString());
        // The split of every image derives from its content hash and this seed.
        insert.run('split_seed', String(randomInt(1, 2 ** 31 - 1)));
      })();
    } catch (err) {
      db.close();
      throw err;
    }
    return new ProjectStore(path, db);
  }

  static resolvePath(rawPath: string): string {
    return resolve(rawPath);
  }

  static open(rawPath: string): ProjectStore {
    const path = ProjectStore.resolvePath(rawPath);
    if (!existsSync(path)) {
      throw new ApiError('not_found', `No project at ${path}. Check the path, or create a project there.`);
    }
    if (!statSync(path).isFile() || !hasSqliteHeader(path)) {
      throw new ApiError(
        'not_a_project',
        `${path} is not an Incept project (not an SQLite database). If it was one, it is damaged: ` +
          'restore it from a backup.',
      );
    }
    // Identity and version first, without writing: a foreign or newer database, even one with
    // a write-ahead log its own app left behind, stays byte for byte as it was.
    const identity = readIdentity(path);
    if (identity.applicationId !== APPLICATION_ID) {
      throw new ApiError('not_a_project', `${path} is an SQLite database but not an Incept project.`);
    }
    const latest = latestVersion();
    if (identity.schemaVersion > latest) {
      throw new ApiError(
        'newer_schema',
        `This project was written by a newer version of Incept (schema ${identity.schemaVersion}; this app ` +
          `knows up to ${latest}). Update Incept to open it; the file was not changed.`,
      );
    }
    const readOnly = whyReadOnly(path);
    if (readOnly !== null && identity.schemaVersion < latest) {
      throw new ApiError(
        'read_only',
        `The project ${path} needs a schema upgrade (${identity.schemaVersion} → ${latest}) but ${readOnly}. ` +
          'Give this account write access to the file and its folder, or copy the project to a folder ' +
          'you can write and open the copy.',
      );
    }
    let db: Database;
    try {
      db =
        readOnly !== null
          ? openReadOnly(path)
          : new BetterSqlite3(path, { fileMustExist: true, nativeBinding });
    } catch (err) {
      const explained = explainSqliteError(err, path, readOnly);
      if (explained !== err) throw explained;
      throw new ApiError(
        'not_a_project',
        `${path} could not be opened as a project: ${(err as Error).message}`,
      );
    }
    try {
      if (readOnly === null) {
        migrate(db, undefined);
        configure(db);
      } else {
        db.pragma('foreign_keys = ON');
      }
      // Touches the main tables, so a damaged file is found now rather than at the first click.
      db.prepare('SELECT count(*) FROM images').get();
      db.prepare('SELECT count(*) FROM labels').get();
    } catch (err) {
      db.close();
      throw explainSqliteError(err, path, readOnly);
    }
    return new ProjectStore(path, db, readOnly);
  }

  setting(key: string): string | null {
    const row = this.db.prepare('SELECT value FROM project_settings WHERE key = ?').get(key) as
      { value: string } | undefined;
    return row?.value ?? null;
  }

  setSetting(key: string, value: string): void {
    this.db
      .prepare(
        'INSERT INTO project_settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
      )
      .run(key, value);
  }

  ensureCacheDir(): string {
    mkdirSync(this.cacheDir, { recursive: true });
    return this.cacheDir;
  }

  info(): ProjectInfo {
    const count = (sql: string): number => (this.db.prepare(sql).get() as { n: number }).n;
    return {
      path: this.path,
      name: this.name,
      schemaVersion: schemaVersion(this.db),
      createdAt: this.setting('created_at') ?? '',
      imageCount: count('SELECT count(*) AS n FROM images'),
      classCount: count('SELECT count(*) AS n FROM classes'),
      readOnly: this.readOnly,
    };
  }

  close(): void {
    clearTimeout(this.#checkpointTimer);
    this.#checkpointTimer = undefined;
    if (this.db.open) {
      try {
        if (this.readOnly === null) this.db.pragma('wal_checkpoint(TRUNCATE)');
      } finally {
        this.db.close();
      }
    }
  }
}

function configure(db: Database): void {
  db.pragma('journal_mode = WAL');
  // NORMAL in WAL mode is durable against process crashes (kill -9), which is what we promise.
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
}

function hasSqliteHeader(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(16);
    const n = readSync(fd, buf, 0, 16, 0);
    return n === 16 && buf.toString('latin1') === SQLITE_HEADER;
  } finally {
    closeSync(fd);
  }
}

/** Adds the `.incept` extension when the caller left it out. */
export function normalizeProjectPath(raw: string): string {
  const path = resolve(raw);
  return extname(path).toLowerCase() === PROJECT_EXTENSION ? path : `${path}${PROJECT_EXTENSION}`;
}
