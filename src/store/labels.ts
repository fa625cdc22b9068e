/**
 * Label changes and their undo history. Every change a person makes (set, clear, merge,
 * delete a class, a CSV of labels) is one transaction and one history step that records each
 * image's label before and after, plus snapshots of the classes the step created or deleted.
 * Undo and redo replay a step's before or after values, set-wise in SQL.
 *
 * Labels from a folder import are not history steps: importing is not an edit to take back.
 */
import type { Database } from 'better-sqlite3';
import type { HistoryState, LabelChange, LabelSource } from '../domain/dataset.ts';
import { ApiError } from '../domain/errors.ts';
import { classRow, removeEmptyClass, requireClassRow, restoreClass, type ClassRow } from './classes.ts';
import { nowIso, stmt } from './statements.ts';

/** Older steps are forgotten; a step holds one row per image it changed. */
export const HISTORY_LIMIT = 500;

export function historyState(db: Database): HistoryState {
  const undo = stmt<[], { summary: string }>(
    db,
    'SELECT summary FROM label_history WHERE undone = 0 ORDER BY step DESC LIMIT 1',
  ).get();
  const redo = stmt<[], { summary: string }>(
    db,
    'SELECT summary FROM label_history WHERE undone = 1 ORDER BY step ASC LIMIT 1',
  ).get();
  return {
    canUndo: undo !== undefined,
    canRedo: redo !== undefined,
    undoLabel: undo?.summary ?? null,
    redoLabel: redo?.summary ?? null,
  };
}

/** Opens a step; call inside a transaction and end it with `finishStep` or `dropStep`. */
export function beginStep(db: Database, action: string, summary: string): number {
  const info = stmt(db, 'INSERT INTO label_history (action, summary, created_at) VALUES (?, ?, ?)').run(
    action,
    summary,
    nowIso(),
  );
  return Number(info.lastInsertRowid);
}

function dropStep(db: Database, step: number): void {
  stmt(db, 'DELETE FROM label_history WHERE step = ?').run(step);
}

/** A new step starts a new future: the redo stack goes, and the oldest steps beyond the limit. */
function finishStep(db: Database, step: number): void {
  stmt(db, 'DELETE FROM label_history WHERE undone = 1 AND step <> ?').run(step);
  stmt(db, 'DELETE FROM label_history WHERE step <= ?').run(step - HISTORY_LIMIT);
}

/**
 * Records, for `step`, the change of each image to its new class (null: unlabeled), skipping
 * images already so labeled, and applies it. Returns how many images changed.
 */
export function recordAndApply(
  db: Database,
  step: number,
  pairs: [imageId: number, classId: number | null][],
  source: LabelSource,
): number {
  if (pairs.length === 0) return 0;
  // The last word on an image wins (a CSV may name a file twice).
  const latest = new Map<number, number | null>();
  for (const [id, cls] of pairs) latest.set(id, cls);
  const now = nowIso();
  const recorded = stmt(
    db,
    `INSERT INTO label_history_changes
       (step, image_id, old_class_id, old_source, old_at, new_class_id, new_source, new_at)
     SELECT @step, i.id, l.class_id, l.source, l.labeled_at, j.value ->> 1,
            CASE WHEN j.value ->> 1 IS NULL THEN NULL ELSE @source END,
            CASE WHEN j.value ->> 1 IS NULL THEN NULL ELSE @now END
     FROM json_each(@pairs) j
     JOIN images i ON i.id = j.value ->> 0
     LEFT JOIN labels l ON l.image_id = i.id
     WHERE l.class_id IS NOT (j.value ->> 1)`,
  ).run({ step, source, now, pairs: JSON.stringify([...latest]) }).changes;
  applyStep(db, step, 'new');
  return recorded;
}

/**
 * `recordAndApply` for many images given one class (null: unlabeled): the ids go to SQLite as
 * one flat JSON array, which it reads faster than pairs (a lasso labels tens of thousands).
 */
function recordAndApplyClass(
  db: Database,
  step: number,
  imageIds: readonly number[],
  classId: number | null,
  source: LabelSource,
): number {
  if (imageIds.length === 0) return 0;
  const recorded = stmt(
    db,
    `INSERT INTO label_history_changes
       (step, image_id, old_class_id, old_source, old_at, new_class_id, new_source, new_at)
     SELECT @step, i.id, l.class_id, l.source, l.labeled_at, @classId,
            CASE WHEN @classId IS NULL THEN NULL ELSE @source END,
            CASE WHEN @classId IS NULL THEN NULL ELSE @now END
     FROM json_each(@ids) j
     JOIN images i ON i.id = j.value
     LEFT JOIN labels l ON l.image_id = i.id
     WHERE l.class_id IS NOT @classId`,
  ).run({ step, source, now: nowIso(), classId, ids: JSON.stringify(imageIds) }).changes;
  applyStep(db, step, 'new');
  return recorded;
}

/** Writes a step's old or new labels into `labels`; returns the number of images touched. */
function applyStep(db: Database, step: number, side: 'old' | 'new'): number {
  const cleared = stmt(
    db,
    `DELETE FROM labels WHERE image_id IN
       (SELECT image_id FROM label_history_changes WHERE step = ? AND ${side}_class_id IS NULL)`,
  ).run(step).changes;
  const set = stmt(
    db,
    `INSERT INTO labels (image_id, class_id, source, labeled_at)
     SELECT image_id, ${side}_class_id, ${side}_source, ${side}_at
     FROM label_history_changes WHERE step = ? AND ${side}_class_id IS NOT NULL
     ON CONFLICT (image_id) DO UPDATE SET
       class_id = excluded.class_id, source = excluded.source, labeled_at = excluded.labeled_at`,
  ).run(step).changes;
  return cleared + set;
}

function recordClass(
  db: Database,
  step: number,
  classId: number,
  before: ClassRow | null,
  after: ClassRow | null,
): void {
  stmt(db, 'INSERT INTO label_history_classes (step, class_id, before, after) VALUES (?, ?, ?, ?)').run(
    step,
    classId,
    before && JSON.stringify(before),
    after && JSON.stringify(after),
  );
}

/** Notes in `step` that it created this class, so that undoing the step removes it. */
export function recordClassCreated(db: Database, step: number, classId: number): void {
  recordClass(db, step, classId, null, classRow(db, classId) ?? null);
}

/** The images a step changed (at most `limit`; null when it changed more). */
export function stepImageIds(db: Database, step: number, limit: number): number[] | null {
  const ids = stmt<[number, number], { image_id: number }>(
    db,
    'SELECT image_id FROM label_history_changes WHERE step = ? LIMIT ?',
  )
    .all(step, limit + 1)
    .map((r) => r.image_id);
  return ids.length > limit ? null : ids;
}

function changeCount(db: Database, step: number): number {
  return stmt<[number], { n: number }>(
    db,
    'SELECT count(*) AS n FROM label_history_changes WHERE step = ?',
  ).get(step)!.n;
}

/** Closes a step opened with `beginStep`: kept when it changed something, dropped otherwise. */
export function endStep(db: Database, step: number, changed: number): LabelChange {
  const hasClassChanges =
    stmt<[number], { n: number }>(db, 'SELECT count(*) AS n FROM label_history_classes WHERE step = ?').get(
      step,
    )!.n > 0;
  if (changed === 0 && !hasClassChanges) {
    dropStep(db, step);
    return { step: null, changed: 0, history: historyState(db) };
  }
  finishStep(db, step);
  return { step, changed, history: historyState(db) };
}

function assertImagesExist(db: Database, ids: number[]): void {
  const missing = stmt<[string], { id: number }>(
    db,
    `SELECT j.value AS id FROM json_each(?) j LEFT JOIN images i ON i.id = j.value
     WHERE i.id IS NULL LIMIT 10`,
  )
    .all(JSON.stringify(ids))
    .map((r) => r.id);
  if (missing.length) {
    throw new ApiError(
      'not_found',
      `No image with id ${missing.join(', ')}${missing.length === 10 ? ' (and maybe more)' : ''} in this project. ` +
        'Query the images again; nothing was changed.',
      { imageIds: missing },
    );
  }
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** Labels images with a class, or clears their labels (classId null); one step. */
export function setLabels(
  db: Database,
  imageIds: number[],
  classId: number | null,
  source: LabelSource = 'human',
): LabelChange {
  const ids = [...new Set(imageIds)];
  return db
    .transaction(() => {
      const cls = classId === null ? null : requireClassRow(db, classId);
      assertImagesExist(db, ids);
      const summary = cls
        ? `label ${plural(ids.length, 'image')} "${cls.name}"`
        : `clear the label of ${plural(ids.length, 'image')}`;
      const step = beginStep(db, cls ? 'set' : 'clear', summary);
      const changed = recordAndApplyClass(db, step, ids, classId, source);
      return endStep(db, step, changed);
    })
    .immediate();
}

/** Accepted suggestions, whatever their classes, are one step: one undo takes them all back. */
export function acceptSuggestions(db: Database, picks: { imageId: number; classId: number }[]): LabelChange {
  return db
    .transaction(() => {
      const step = beginStep(db, 'accept', `accept ${plural(picks.length, 'suggestion')}`);
      const changed = recordAndApply(
        db,
        step,
        picks.map((p) => [p.imageId, p.classId]),
        'accepted-suggestion',
      );
      return endStep(db, step, changed);
    })
    .immediate();
}

/** Records the labels of a class's images moving to `to` (null: unlabeled) in `step`. */
function moveClassLabels(db: Database, step: number, from: number, to: number | null): number {
  return stmt(
    db,
    `INSERT INTO label_history_changes
       (step, image_id, old_class_id, old_source, old_at, new_class_id, new_source, new_at)
     SELECT @step, l.image_id, l.class_id, l.source, l.labeled_at, @to,
            CASE WHEN @to IS NULL THEN NULL ELSE l.source END,
            CASE WHEN @to IS NULL THEN NULL ELSE l.labeled_at END
     FROM labels l WHERE l.class_id = @from`,
  ).run({ step, to, from }).changes;
}

function deleteClassInStep(db: Database, step: number, row: ClassRow): void {
  recordClass(db, step, row.id, row, null);
  stmt(db, 'DELETE FROM classes WHERE id = ?').run(row.id);
}

/** Moves every image of the source classes to the target, then deletes the sources; one step. */
export function mergeClasses(db: Database, sourceIds: number[], targetId: number): LabelChange {
  const sources = [...new Set(sourceIds)];
  if (sources.includes(targetId)) {
    throw new ApiError(
      'invalid_args',
      'A class cannot be merged into itself: leave the target out of sourceIds.',
    );
  }
  return db
    .transaction(() => {
      const target = requireClassRow(db, targetId);
      const rows = sources.map((id) => requireClassRow(db, id));
      const step = beginStep(
        db,
        'merge',
        `merge ${rows.map((r) => `"${r.name}"`).join(', ')} into "${target.name}"`,
      );
      let moved = 0;
      for (const row of rows) moved += moveClassLabels(db, step, row.id, targetId);
      applyStep(db, step, 'new');
      for (const row of rows) deleteClassInStep(db, step, row);
      return endStep(db, step, moved);
    })
    .immediate();
}

/** Deletes a class; its images become unlabeled, which needs `confirm`. One step. */
export function deleteClass(db: Database, id: number, confirm: boolean): LabelChange {
  return db
    .transaction(() => {
      const row = requireClassRow(db, id);
      const used = stmt<[number], { n: number }>(
        db,
        'SELECT count(*) AS n FROM labels WHERE class_id = ?',
      ).get(id)!.n;
      if (used > 0 && !confirm) {
        throw new ApiError(
          'precondition',
          `Class "${row.name}" labels ${plural(used, 'image')}; deleting it leaves them unlabeled. ` +
            'Call again with confirm: true to go ahead (it can be undone), or merge it into another class.',
          { count: used },
        );
      }
      const step = beginStep(db, 'delete-class', `delete class "${row.name}"`);
      const unlabeled = moveClassLabels(db, step, id, null);
      applyStep(db, step, 'new');
      deleteClassInStep(db, step, row);
      return endStep(db, step, unlabeled);
    })
    .immediate();
}

interface ClassChange {
  class_id: number;
  before: string | null;
  after: string | null;
}

function classChanges(
  db: Database,
  step: number,
): { id: number; before: ClassRow | null; after: ClassRow | null }[] {
  return stmt<[number], ClassChange>(
    db,
    'SELECT class_id, before, after FROM label_history_classes WHERE step = ?',
  )
    .all(step)
    .map((c) => ({
      id: c.class_id,
      before: c.before === null ? null : (JSON.parse(c.before) as ClassRow),
      after: c.after === null ? null : (JSON.parse(c.after) as ClassRow),
    }));
}

/** Takes back the latest step. */
export function undo(db: Database): LabelChange {
  return db
    .transaction(() => {
      const top = stmt<[], { step: number }>(
        db,
        'SELECT step FROM label_history WHERE undone = 0 ORDER BY step DESC LIMIT 1',
      ).get();
      if (!top) return { step: null, changed: 0, history: historyState(db) };
      const classes = classChanges(db, top.step);
      for (const c of classes) if (c.before && !c.after) restoreClass(db, c.before);
      applyStep(db, top.step, 'old');
      for (const c of classes) if (!c.before && c.after) removeEmptyClass(db, c.id, 'Cannot undo');
      stmt(db, 'UPDATE label_history SET undone = 1 WHERE step = ?').run(top.step);
      return { step: top.step, changed: changeCount(db, top.step), history: historyState(db) };
    })
    .immediate();
}

/** Applies again the step undone last. */
export function redo(db: Database): LabelChange {
  return db
    .transaction(() => {
      const next = stmt<[], { step: number }>(
        db,
        'SELECT step FROM label_history WHERE undone = 1 ORDER BY step ASC LIMIT 1',
      ).get();
      if (!next) return { step: null, changed: 0, history: historyState(db) };
      const classes = classChanges(db, next.step);
      for (const c of classes) if (!c.before && c.after) restoreClass(db, c.after);
      applyStep(db, next.step, 'new');
      for (const c of classes) if (c.before && !c.after) removeEmptyClass(db, c.id, 'Cannot redo');
      stmt(db, 'UPDATE label_history SET undone = 0 WHERE step = ?').run(next.step);
      return { step: next.step, changed: changeCount(db, next.step), history: historyState(db) };
    })
    .immediate();
}
