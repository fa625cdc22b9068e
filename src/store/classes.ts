import type { Database } from 'better-sqlite3';
import type { ClassInfo } from '../domain/dataset.ts';
import { ApiError } from '../domain/errors.ts';
import { nowIso, stmt } from './statements.ts';

/** A `classes` row, also the JSON snapshot the undo history keeps of a deleted class. */
export interface ClassRow {
  id: number;
  name: string;
  name_key: string;
  color: string;
  sort_order: number;
  hotkey: string | null;
  created_at: string;
}

/** Distinct on white and dark backgrounds and for the common kinds of colour blindness. */
export const PALETTE = [
  '#4e79a7',
  '#f28e2b',
  '#e15759',
  '#76b7b2',
  '#59a14f',
  '#edc948',
  '#b07aa1',
  '#ff9da7',
  '#9c755f',
  '#17becf',
  '#bcbd22',
  '#bab0ac',
] as const;

/**
 * Keys handed out to new classes: the digits 1–9, then the letter rows from the top. 0 is left
 * out (it sits apart from 1–9 and people read it as "none"); Backspace and Delete clear.
 */
export const AUTO_KEYS: readonly string[] = [...'123456789', ...'qwertyuiop', ...'asdfghjkl', ...'zxcvbnm'];

/** What makes two class names "the same": Unicode-aware case folding, not just ASCII. */
export function nameKey(name: string): string {
  return name.trim().normalize('NFC').toLowerCase();
}

const SELECT_CLASS = `SELECT c.id, c.name, c.color, c.sort_order, c.hotkey,
  (SELECT count(*) FROM labels l WHERE l.class_id = c.id) AS count FROM classes c`;

interface ClassQueryRow {
  id: number;
  name: string;
  color: string;
  sort_order: number;
  hotkey: string | null;
  count: number;
}

function toInfo(r: ClassQueryRow): ClassInfo {
  return { id: r.id, name: r.name, color: r.color, order: r.sort_order, key: r.hotkey, count: r.count };
}

export function listClasses(db: Database): ClassInfo[] {
  return stmt<[], ClassQueryRow>(db, `${SELECT_CLASS} ORDER BY c.sort_order, c.id`).all().map(toInfo);
}

export function getClass(db: Database, id: number): ClassInfo {
  const row = stmt<[number], ClassQueryRow>(db, `${SELECT_CLASS} WHERE c.id = ?`).get(id);
  if (!row)
    throw new ApiError('not_found', `No class with id ${id} in this project. List the classes first.`);
  return toInfo(row);
}

export function classRow(db: Database, id: number): ClassRow | undefined {
  return stmt<[number], ClassRow>(db, 'SELECT * FROM classes WHERE id = ?').get(id);
}

export function requireClassRow(db: Database, id: number): ClassRow {
  const row = classRow(db, id);
  if (!row)
    throw new ApiError('not_found', `No class with id ${id} in this project. List the classes first.`);
  return row;
}

function assertNameFree(db: Database, name: string, exceptId?: number): void {
  const other = stmt<[string], { id: number; name: string }>(
    db,
    'SELECT id, name FROM classes WHERE name_key = ?',
  ).get(nameKey(name));
  if (other && other.id !== exceptId) {
    throw new ApiError(
      'conflict',
      `A class named "${other.name}" already exists (id ${other.id}); names ignore case. ` +
        'Pick another name, or merge the two classes.',
      { classId: other.id },
    );
  }
}

function assertKeyFree(db: Database, key: string, exceptId?: number): void {
  const other = stmt<[string], { id: number; name: string }>(
    db,
    'SELECT id, name FROM classes WHERE hotkey = ?',
  ).get(key);
  if (other && other.id !== exceptId) {
    throw new ApiError(
      'conflict',
      `The key "${key}" already labels class "${other.name}". Free it there first, or pick another key.`,
      { classId: other.id },
    );
  }
}

function nextColor(db: Database): string {
  const used = new Set(
    stmt<[], { color: string }>(db, 'SELECT color FROM classes')
      .all()
      .map((r) => r.color.toLowerCase()),
  );
  return PALETTE.find((c) => !used.has(c)) ?? PALETTE[used.size % PALETTE.length]!;
}

function nextKey(db: Database): string | null {
  const used = new Set(
    stmt<[], { hotkey: string }>(db, 'SELECT hotkey FROM classes WHERE hotkey IS NOT NULL')
      .all()
      .map((r) => r.hotkey),
  );
  return AUTO_KEYS.find((k) => !used.has(k)) ?? null;
}

export interface NewClass {
  name: string;
  color?: string | undefined;
  /** undefined: the next free digit; null: no key. */
  key?: string | null | undefined;
}

/** Adds a class at the end of the list. Call inside a transaction when it is part of more. */
export function createClass(db: Database, c: NewClass): ClassInfo {
  const name = c.name.trim();
  assertNameFree(db, name);
  if (c.key) assertKeyFree(db, c.key);
  const order = stmt<[], { n: number }>(
    db,
    'SELECT coalesce(max(sort_order) + 1, 0) AS n FROM classes',
  ).get()!.n;
  const key = c.key === undefined ? nextKey(db) : c.key;
  const info = stmt(
    db,
    'INSERT INTO classes (name, name_key, color, sort_order, hotkey, created_at) VALUES (?, ?, ?, ?, ?, ?)',
  ).run(name, nameKey(name), (c.color ?? nextColor(db)).toLowerCase(), order, key, nowIso());
  return getClass(db, Number(info.lastInsertRowid));
}

/** The class with this name (ignoring case), created when missing. */
export function findOrCreateClass(db: Database, name: string): { id: number; created: boolean } {
  const existing = stmt<[string], { id: number }>(db, 'SELECT id FROM classes WHERE name_key = ?').get(
    nameKey(name),
  );
  if (existing) return { id: existing.id, created: false };
  return { id: createClass(db, { name }).id, created: true };
}

export interface ClassUpdate {
  id: number;
  name?: string | undefined;
  color?: string | undefined;
  key?: string | null | undefined;
}

export function updateClass(db: Database, u: ClassUpdate): ClassInfo {
  return db.transaction(() => {
    const row = requireClassRow(db, u.id);
    const name = u.name?.trim() ?? row.name;
    if (u.name !== undefined) assertNameFree(db, name, u.id);
    if (u.key) assertKeyFree(db, u.key, u.id);
    stmt(db, 'UPDATE classes SET name = ?, name_key = ?, color = ?, hotkey = ? WHERE id = ?').run(
      name,
      nameKey(name),
      (u.color ?? row.color).toLowerCase(),
      u.key === undefined ? row.hotkey : u.key,
      u.id,
    );
    return getClass(db, u.id);
  })();
}

export function reorderClasses(db: Database, ids: number[]): ClassInfo[] {
  return db.transaction(() => {
    const all = stmt<[], { id: number }>(db, 'SELECT id FROM classes')
      .all()
      .map((r) => r.id);
    const given = new Set(ids);
    const missing = all.filter((id) => !given.has(id));
    const unknown = ids.filter((id) => !all.includes(id));
    if (given.size !== ids.length || missing.length || unknown.length) {
      throw new ApiError(
        'invalid_args',
        'classes.reorder needs every class id exactly once' +
          (unknown.length ? `; unknown: ${unknown.join(', ')}` : '') +
          (missing.length ? `; left out: ${missing.join(', ')}` : '') +
          (given.size !== ids.length ? '; some ids are repeated' : '') +
          '. List the classes and send their ids in the new order.',
      );
    }
    const update = stmt(db, 'UPDATE classes SET sort_order = ? WHERE id = ?');
    ids.forEach((id, i) => update.run(i, id));
    return listClasses(db);
  })();
}

/**
 * Puts back a class that a history step deleted, with its id. Its key is dropped when another
 * class took it meanwhile; a name taken meanwhile refuses the undo.
 */
export function restoreClass(db: Database, snapshot: ClassRow): void {
  const clash = stmt<[string], { id: number; name: string }>(
    db,
    'SELECT id, name FROM classes WHERE name_key = ?',
  ).get(snapshot.name_key);
  if (clash && clash.id !== snapshot.id) {
    throw new ApiError(
      'conflict',
      `Cannot bring back class "${snapshot.name}": class "${clash.name}" (id ${clash.id}) has that name now. ` +
        'Rename it, then try again.',
    );
  }
  const keyTaken =
    snapshot.hotkey !== null &&
    stmt<[string], { id: number }>(db, 'SELECT id FROM classes WHERE hotkey = ?').get(snapshot.hotkey) !==
      undefined;
  if (classRow(db, snapshot.id)) return;
  stmt(
    db,
    'INSERT INTO classes (id, name, name_key, color, sort_order, hotkey, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
  ).run(
    snapshot.id,
    snapshot.name,
    snapshot.name_key,
    snapshot.color,
    snapshot.sort_order,
    keyTaken ? null : snapshot.hotkey,
    snapshot.created_at,
  );
}

/** Removes a class that no image is labeled with; the caller records it in the history. */
export function removeEmptyClass(db: Database, id: number, why: string): void {
  const used = stmt<[number], { n: number }>(db, 'SELECT count(*) AS n FROM labels WHERE class_id = ?').get(
    id,
  )!.n;
  if (used > 0) {
    const row = classRow(db, id);
    throw new ApiError(
      'conflict',
      `${why}: class "${row?.name ?? id}" labels ${used} image(s) that were labeled after that step. ` +
        'Relabel or delete them first.',
    );
  }
  stmt(db, 'DELETE FROM classes WHERE id = ?').run(id);
}
