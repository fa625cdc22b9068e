/** Labels in and out as CSV, so that a dataset is never locked into Incept. */
import { closeSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { basename, dirname, isAbsolute, resolve } from 'node:path';
import type { Database } from 'better-sqlite3';
import { ClassName } from '../domain/class-name.ts';
import type { CsvImportResult } from '../domain/dataset.ts';
import { ApiError } from '../domain/errors.ts';
import { findOrCreateClass, nameKey } from './classes.ts';
import { csvLine, parseCsv } from './csv.ts';
import { findImageByPath } from './image-writes.ts';
import { beginStep, endStep, recordAndApply, recordClassCreated } from './labels.ts';
import { stmt } from './statements.ts';

/** Problems listed in a CSV import's result; `problemCount` stays exact. */
const PROBLEM_LIMIT = 1000;

/** A labels CSV of a million rows is ~100 MB; more is not a labels file. */
const MAX_CSV_BYTES = 512 * 1024 * 1024;

export function readCsvFile(file: string): string {
  try {
    // A device or pipe (`/dev/zero`, a FIFO) would be read forever with the event loop held.
    const s = statSync(file);
    if (!s.isFile()) {
      throw new ApiError('invalid_args', `${file} is not a regular file; give the path of a .csv file.`);
    }
    if (s.size > MAX_CSV_BYTES) {
      throw new ApiError(
        'invalid_args',
        `${file} is ${Math.round(s.size / 2 ** 20)} MiB, too large for a labels CSV (up to ${MAX_CSV_BYTES / 2 ** 20} MiB).`,
      );
    }
    return readFileSync(file, 'utf8');
  } catch (err) {
    if (err instanceof ApiError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new ApiError(
      code === 'ENOENT' ? 'not_found' : 'precondition',
      code === 'ENOENT'
        ? `No CSV file at ${file}. Check the path.`
        : `Could not read ${file}: ${(err as Error).message}`,
    );
  }
}

/**
 * Applies `path,label` rows. A header row is recognised by its first cell being "path" (its
 * "label" column is then used wherever it is); without one, the first two columns are read.
 * Relative paths are relative to the CSV's folder. An empty label clears the image's label.
 * The whole file is one transaction and one undo step; rows that cannot be applied are
 * reported with their line and the rest still apply.
 */
export function importLabelsCsv(db: Database, file: string, createClasses: boolean): CsvImportResult {
  const path = resolve(file);
  let records;
  try {
    records = parseCsv(readCsvFile(path));
  } catch (err) {
    if (err instanceof ApiError) throw err;
    throw new ApiError('invalid_args', `${path} is not valid CSV: ${(err as Error).message}`);
  }
  const pathCol = 0;
  let labelCol = 1;
  const first = records[0];
  if (first && first.fields[0]?.trim().toLowerCase() === 'path') {
    const header = first.fields.map((f) => f.trim().toLowerCase());
    const found = header.indexOf('label');
    if (found < 0) throw new ApiError('invalid_args', `${path}: the header names no "label" column.`);
    labelCol = found;
    records = records.slice(1);
  }
  const base = dirname(path);
  const problems: CsvImportResult['problems'] = [];
  let problemCount = 0;
  const problem = (line: number, p: string, reason: string): void => {
    problemCount++;
    if (problems.length < PROBLEM_LIMIT) problems.push({ line, path: p, reason });
  };

  return db
    .transaction((): CsvImportResult => {
      const step = beginStep(db, 'csv', `labels from ${basename(path)}`);
      const createdClasses: string[] = [];
      const classIds = new Map<string, number | null>();
      const pairs: [number, number | null][] = [];
      for (const r of records) {
        const rawPath = r.fields[pathCol]?.trim() ?? '';
        const label = r.fields[labelCol]?.trim() ?? '';
        if (rawPath === '') {
          problem(r.line, rawPath, 'no path in the first column');
          continue;
        }
        const image = findImageByPath(db, isAbsolute(rawPath) ? resolve(rawPath) : resolve(base, rawPath));
        if (!image) {
          problem(r.line, rawPath, 'no image with this path in the project (import its folder first)');
          continue;
        }
        if (label === '') {
          pairs.push([image.id, null]);
          continue;
        }
        const key = nameKey(label);
        let classId = classIds.get(key);
        if (classId === undefined) {
          const valid = ClassName.safeParse(label);
          const existing = stmt<[string], { id: number }>(
            db,
            'SELECT id FROM classes WHERE name_key = ?',
          ).get(key);
          if (existing) classId = existing.id;
          else if (!valid.success) classId = null;
          else if (!createClasses) classId = null;
          else {
            classId = findOrCreateClass(db, valid.data).id;
            recordClassCreated(db, step, classId);
            createdClasses.push(valid.data);
          }
          classIds.set(key, classId);
        }
        if (classId === null) {
          const valid = ClassName.safeParse(label);
          problem(
            r.line,
            rawPath,
            valid.success
              ? `no class named "${label}" (allow new classes to create it)`
              : `"${label}" cannot be a class name: ${valid.error.issues[0]?.message ?? 'invalid'}`,
          );
          continue;
        }
        pairs.push([image.id, classId]);
      }
      const changed = recordAndApply(db, step, pairs, 'imported');
      const distinct = new Set(pairs.map((p) => p[0])).size;
      const end = endStep(db, step, changed);
      return {
        rows: records.length,
        changed,
        unchanged: distinct - changed,
        createdClasses,
        problems,
        problemCount,
        step: end.step,
        history: end.history,
      };
    })
    .immediate();
}

/**
 * Writes every image as `path,label,split` (label empty when unlabeled; absolute paths), to a
 * temporary file renamed into place, so a failed export never leaves half a CSV.
 */
export function exportLabelsCsv(db: Database, out: string): number {
  const tmp = `${out}.${process.pid}.tmp`;
  let fd: number;
  try {
    fd = openSync(tmp, 'w');
  } catch (err) {
    throw new ApiError('precondition', `Cannot write ${out}: ${(err as Error).message}`);
  }
  let n = 0;
  try {
    let chunk = csvLine(['path', 'label', 'split']);
    const rows = stmt<[], { path: string; label: string | null; split: string }>(
      db,
      `SELECT i.path, c.name AS label, i.split FROM images i
       LEFT JOIN labels l ON l.image_id = i.id LEFT JOIN classes c ON c.id = l.class_id ORDER BY i.id`,
    );
    for (const r of rows.iterate()) {
      chunk += csvLine([r.path, r.label ?? '', r.split]);
      n++;
      if (chunk.length > 1 << 16) {
        writeSync(fd, chunk);
        chunk = '';
      }
    }
    writeSync(fd, chunk);
    closeSync(fd);
    renameSync(tmp, out);
  } catch (err) {
    try {
      closeSync(fd);
    } catch {
      // Already closed.
    }
    rmSync(tmp, { force: true });
    throw err;
  }
  return n;
}
