/** What an import or rescan writes: image rows, folder labels, import roots, missing marks. */
import { sep } from 'node:path';
import type { Database } from 'better-sqlite3';
import type { ImageStatus, ImportRoot } from '../domain/dataset.ts';
import { nowIso, stmt } from './statements.ts';

export interface KnownImage {
  id: number;
  bytes: number;
  mtime_ms: number;
  status: ImageStatus;
  hash: string | null;
}

export interface ImageFileRow {
  path: string;
  name: string;
  hash: string | null;
  bytes: number;
  mtimeMs: number;
  width: number | null;
  height: number | null;
  format: string | null;
  status: 'ok' | 'unreadable';
  error: string | null;
  split: string;
}

export function findImageByPath(db: Database, path: string): KnownImage | undefined {
  return stmt<[string], KnownImage>(
    db,
    'SELECT id, bytes, mtime_ms, status, hash FROM images WHERE path = ?',
  ).get(path);
}

/** The image already holding this content, if any (oldest first). */
export function findImageByHash(
  db: Database,
  hash: string,
): { id: number; path: string; status: ImageStatus } | undefined {
  return stmt<[string], { id: number; path: string; status: ImageStatus }>(
    db,
    "SELECT id, path, status FROM images WHERE hash = ? AND status <> 'unreadable' ORDER BY id LIMIT 1",
  ).get(hash);
}

/** The file's facts in the column order of the statements below (named, so the two agree). */
function factParams(row: ImageFileRow, scanId: number): Record<string, string | number | null> {
  return {
    path: row.path,
    name: row.name,
    hash: row.hash,
    bytes: row.bytes,
    mtime: row.mtimeMs,
    width: row.width,
    height: row.height,
    format: row.format,
    status: row.status,
    error: row.error,
    split: row.split,
    scan: scanId,
  };
}

export function insertImage(db: Database, row: ImageFileRow, scanId: number): number {
  const info = stmt(
    db,
    `INSERT INTO images (path, name, hash, bytes, mtime_ms, width, height, format, status, error, split, added_at, scan_id)
     VALUES (@path, @name, @hash, @bytes, @mtime, @width, @height, @format, @status, @error, @split, @added, @scan)`,
  ).run({ ...factParams(row, scanId), added: nowIso() });
  return Number(info.lastInsertRowid);
}

/** New facts for a known image (changed on disk, back from missing, or moved here); keeps its label. */
export function updateImage(db: Database, id: number, row: ImageFileRow, scanId: number): void {
  stmt(
    db,
    `UPDATE images SET path = @path, name = @name, hash = @hash, bytes = @bytes, mtime_ms = @mtime, width = @width,
       height = @height, format = @format, status = @status, error = @error, split = @split, scan_id = @scan
     WHERE id = @id`,
  ).run({ ...factParams(row, scanId), id });
}

export function markSeen(db: Database, id: number, scanId: number): void {
  stmt(db, 'UPDATE images SET scan_id = ? WHERE id = ?').run(scanId, id);
}

/** Gives an unlabeled image the label its folder names; a label already there wins. */
export function labelIfUnlabeled(db: Database, imageId: number, classId: number): boolean {
  return (
    stmt(
      db,
      `INSERT INTO labels (image_id, class_id, source, labeled_at) VALUES (?, ?, 'imported', ?)
       ON CONFLICT (image_id) DO NOTHING`,
    ).run(imageId, classId, nowIso()).changes > 0
  );
}

/** `[low, high)` bounds of the paths under a folder, for a range scan of the path index. */
export function pathRange(folder: string): [string, string] {
  const prefix = folder.endsWith(sep) ? folder : folder + sep;
  return [prefix, prefix.slice(0, -1) + String.fromCharCode(sep.charCodeAt(0) + 1)];
}

export const MISSING_REASON = 'not found at this path by the last scan of its folder';

/**
 * Marks as missing the images under `folder` that scan `scanId` did not see, except under
 * folders the scan could not list. Returns how many.
 */
export function markMissing(db: Database, folder: string, scanId: number, unlisted: string[]): number {
  const [lo, hi] = pathRange(folder);
  const params: unknown[] = [MISSING_REASON, lo, hi, scanId];
  let sql = `UPDATE images SET status = 'missing', error = ?
    WHERE path >= ? AND path < ? AND scan_id <> ? AND status <> 'missing'`;
  for (const dir of unlisted) {
    const [dlo, dhi] = pathRange(dir);
    sql += ' AND NOT (path >= ? AND path < ?)';
    params.push(dlo, dhi);
  }
  return db.prepare(sql).run(...params).changes;
}

/** A fresh number for one scan (stored in project_settings). */
export function nextScanId(db: Database): number {
  return db.transaction(() => {
    const row = stmt<[], { value: string }>(
      db,
      "SELECT value FROM project_settings WHERE key = 'scan_counter'",
    ).get();
    const next = Number(row?.value ?? 0) + 1;
    stmt(
      db,
      `INSERT INTO project_settings (key, value) VALUES ('scan_counter', ?)
       ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
    ).run(String(next));
    return next;
  })();
}

interface RootRow {
  id: number;
  path: string;
  labels_from_folders: number;
  added_at: string;
  scanned_at: string | null;
}

function toRoot(r: RootRow): ImportRoot {
  return {
    id: r.id,
    path: r.path,
    labelsFromFolders: r.labels_from_folders === 1,
    addedAt: r.added_at,
    scannedAt: r.scanned_at,
  };
}

export function listRoots(db: Database): ImportRoot[] {
  return stmt<[], RootRow>(db, 'SELECT * FROM import_roots ORDER BY id').all().map(toRoot);
}

export function findRoot(db: Database, path: string): ImportRoot | undefined {
  const r = stmt<[string], RootRow>(db, 'SELECT * FROM import_roots WHERE path = ?').get(path);
  return r && toRoot(r);
}

export function upsertRoot(db: Database, path: string, labelsFromFolders: boolean): ImportRoot {
  stmt(
    db,
    `INSERT INTO import_roots (path, labels_from_folders, added_at) VALUES (?, ?, ?)
     ON CONFLICT (path) DO UPDATE SET labels_from_folders = excluded.labels_from_folders`,
  ).run(path, labelsFromFolders ? 1 : 0, nowIso());
  return findRoot(db, path)!;
}

export function markRootScanned(db: Database, path: string): void {
  stmt(db, 'UPDATE import_roots SET scanned_at = ? WHERE path = ?').run(nowIso(), path);
}

/** What serving an image's picture needs to know about its row. */
export interface ImageFileInfo {
  path: string;
  hash: string | null;
  format: string | null;
  status: ImageStatus;
  error: string | null;
}

export function imageFileInfo(db: Database, id: number): ImageFileInfo | undefined {
  return stmt<[number], ImageFileInfo>(
    db,
    'SELECT path, hash, format, status, error FROM images WHERE id = ?',
  ).get(id);
}

/** Records that an image's file turned out to be gone or undecodable when it was opened. */
export function markImageUnavailable(
  db: Database,
  id: number,
  status: 'missing' | 'unreadable',
  error: string,
): void {
  stmt(db, 'UPDATE images SET status = ?, error = ? WHERE id = ?').run(status, error, id);
}
