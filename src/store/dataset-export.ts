/** Export as a folder per class (`out/<class>/<image>`), the layout every training tool reads. */
import { constants, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { copyFile, link, symlink } from 'node:fs/promises';
import { extname, join } from 'node:path';
import type { Database } from 'better-sqlite3';
import type { DatasetExportResult } from '../domain/dataset.ts';
import { ApiError } from '../domain/errors.ts';
import type { JobContext } from '../domain/jobs.ts';
import { stmt } from './statements.ts';

export type LinkMode = 'copy' | 'hardlink' | 'symlink';

const PAGE = 500;
const REPORT_LIMIT = 500;
const WINDOWS_RESERVED = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])$/i;

/** A folder name that every OS accepts for a class name. */
export function safeFolderName(name: string): string {
  // eslint-disable-next-line no-control-regex
  let s = name.replace(/[<>:"/\\|?*\u0000-\u001f\u007f]/g, '_').replace(/[. ]+$/, '');
  if (s === '' || s === '.' || s === '..') s = '_';
  if (WINDOWS_RESERVED.test(s)) s = `${s}_`;
  return s;
}

/** Refuses a folder that exists and has anything in it: an export never mixes with old files. */
export function prepareExportFolder(out: string): void {
  if (existsSync(out)) {
    if (!statSync(out).isDirectory())
      throw new ApiError('precondition', `${out} is a file. Choose a new or empty folder to export into.`);
    if (readdirSync(out).length > 0)
      throw new ApiError('precondition', `${out} is not empty. Choose a new or empty folder to export into.`);
  }
  try {
    mkdirSync(out, { recursive: true });
  } catch (err) {
    throw new ApiError('precondition', `Cannot create ${out}: ${(err as Error).message}`);
  }
}

/**
 * Writes each labeled image (missing ones are reported) into `out/<class>/`. Name clashes get
 * the image id appended. Cancelling stops between files; what was written stays.
 */
export async function exportFolders(
  db: Database,
  out: string,
  mode: LinkMode,
  ctx: JobContext,
): Promise<DatasetExportResult> {
  const classes = stmt<[], { id: number; name: string }>(
    db,
    'SELECT id, name FROM classes ORDER BY id',
  ).all();
  const folders = new Map<number, string>();
  const taken = new Set<string>();
  for (const c of classes) {
    let name = safeFolderName(c.name);
    if (taken.has(name.toLowerCase())) name = `${name} (${c.id})`;
    taken.add(name.toLowerCase());
    folders.set(c.id, name);
  }
  const total = stmt<[], { n: number }>(db, 'SELECT count(*) AS n FROM labels').get()!.n;
  const result: DatasetExportResult = { format: 'folders', out, written: 0, skipped: [] };
  const skip = (path: string, reason: string): void => {
    if (result.skipped.length < REPORT_LIMIT) result.skipped.push({ path, reason });
  };
  const made = new Set<number>();
  const page = stmt<
    [number, number],
    { id: number; path: string; name: string; status: string; class_id: number }
  >(
    db,
    `SELECT i.id, i.path, i.name, i.status, l.class_id FROM labels l JOIN images i ON i.id = l.image_id
     WHERE l.image_id > ? ORDER BY l.image_id LIMIT ?`,
  );
  let after = 0;
  let done = 0;
  for (;;) {
    // Paged by id so that 100 000 rows are never held at once and no read stays open across awaits.
    const rows = page.all(after, PAGE);
    if (rows.length === 0) break;
    for (const r of rows) {
      ctx.throwIfCancelled();
      done++;
      const folder = join(out, folders.get(r.class_id)!);
      if (r.status === 'missing') {
        skip(r.path, 'the file is missing');
        continue;
      }
      if (!made.has(r.class_id)) {
        mkdirSync(folder, { recursive: true });
        made.add(r.class_id);
      }
      try {
        await place(r.path, join(folder, r.name), mode, () => {
          const ext = extname(r.name);
          return join(folder, `${r.name.slice(0, r.name.length - ext.length)}-${r.id}${ext}`);
        });
        result.written++;
      } catch (err) {
        skip(r.path, describePlaceError(err, mode));
      }
      ctx.progress({ done, total, phase: `exporting (${mode})` });
    }
    after = rows[rows.length - 1]!.id;
  }
  ctx.progress({ done, total, phase: 'exported' });
  return result;
}

async function place(src: string, dest: string, mode: LinkMode, alternative: () => string): Promise<void> {
  const put = (to: string): Promise<void> =>
    mode === 'copy'
      ? copyFile(src, to, constants.COPYFILE_EXCL | constants.COPYFILE_FICLONE)
      : mode === 'hardlink'
        ? link(src, to)
        : symlink(src, to);
  try {
    await put(dest);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    await put(alternative());
  }
}

function describePlaceError(err: unknown, mode: LinkMode): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'EXDEV') return 'hard links cannot cross drives; export with copy or symlink';
  if (code === 'ENOENT') return 'the file is missing';
  if (code === 'EPERM' && mode === 'symlink')
    return 'this system does not allow symbolic links here (on Windows: enable Developer Mode, or copy)';
  return (err as Error).message;
}
