import type { Database } from 'better-sqlite3';
import type { DatasetCounts, ImagePage, ImageRow, ImageStatus, LabelSource } from '../domain/dataset.ts';
import { ApiError } from '../domain/errors.ts';
import type { Split } from '../domain/splits.ts';
import type { ImageQuery, ParsedImageFilter } from '../domain/image-query.ts';
import { containsPattern, CURRENT_RUN, predictionPage } from './prediction-filters.ts';
import { stmt } from './statements.ts';

export type { ImageQuery, ParsedImageFilter };

interface ImageSqlRow {
  id: number;
  path: string;
  name: string;
  hash: string | null;
  width: number | null;
  height: number | null;
  format: string | null;
  bytes: number;
  status: ImageStatus;
  error: string | null;
  split: Split;
  added_at: string;
  class_id: number | null;
  source: LabelSource | null;
  pred_class_id: number | null;
  pred_probability: number | null;
  oof_class_id: number | null;
  oof_probability: number | null;
}

// The current run's prediction rides along with each row (one primary-key lookup per row), so
// the grid can badge images without a second round trip.
const COLUMNS = `i.id, i.path, i.name, i.hash, i.width, i.height, i.format, i.bytes, i.status, i.error,
  i.split, i.added_at, l.class_id, l.source,
  json_extract(r.classes, '$[' || pr.class_index || '].id') AS pred_class_id, pr.probability AS pred_probability,
  json_extract(r.classes, '$[' || pr.oof_class_index || '].id') AS oof_class_id, pr.oof_probability AS oof_probability`;
const PREDICTION_JOIN = `LEFT JOIN runs r ON r.id = ${CURRENT_RUN}
  LEFT JOIN predictions pr ON pr.run_id = r.id AND pr.image_id = i.id`;

function toRow(r: ImageSqlRow): ImageRow {
  return {
    id: r.id,
    path: r.path,
    name: r.name,
    hash: r.hash,
    width: r.width,
    height: r.height,
    format: r.format,
    bytes: r.bytes,
    status: r.status,
    error: r.error,
    split: r.split,
    classId: r.class_id,
    labelSource: r.source,
    addedAt: r.added_at,
    prediction:
      r.pred_class_id === null || r.pred_probability === null
        ? null
        : { classId: r.pred_class_id, probability: r.pred_probability },
    outOfFold:
      r.oof_class_id === null || r.oof_probability === null
        ? null
        : { classId: r.oof_class_id, probability: r.oof_probability },
  };
}

export function getImage(db: Database, id: number): ImageRow {
  const row = stmt<[number], ImageSqlRow>(
    db,
    `SELECT ${COLUMNS} FROM images i LEFT JOIN labels l ON l.image_id = i.id ${PREDICTION_JOIN} WHERE i.id = ?`,
  ).get(id);
  if (!row) throw new ApiError('not_found', `No image with id ${id} in this project.`);
  return toRow(row);
}

export interface BuiltQuery {
  /** The page: ids chosen on narrow indexes, then the rows of just those ids. */
  sql: string;
  /** The inner query that picks and orders the ids (what EXPLAIN QUERY PLAN checks). */
  pageSql: string;
  countSql: string;
  params: unknown[];
  countParams: unknown[];
}

/**
 * The SQL for one page of images. The page's ids are chosen first, on indexes alone (a deep
 * OFFSET then skips index entries, not whole rows and their labels), and only those ids are
 * joined to their rows: at 100 000 images a last page by path costs under a millisecond
 * instead of twenty. Kept apart from running it so that the schema tests can check each
 * filter and sort with EXPLAIN QUERY PLAN.
 */
export function buildImageQuery(q: Pick<ImageQuery, 'filter' | 'sort' | 'order'>): BuiltQuery {
  const f = q.filter;
  const search = f.search?.trim() ?? '';
  if (f.kind === 'suggestions' || f.kind === 'mislabeled' || f.kind === 'duplicates') {
    const page = predictionPage({ ...f, kind: f.kind, search });
    return { ...page, sql: pageRowsSql(page.pageSql, page.outerOrder) };
  }
  const where: string[] = [];
  const params: unknown[] = [];
  const key = q.sort === 'path' ? 'i.path' : q.sort === 'name' ? 'i.name COLLATE NOCASE' : null;
  // Label filters start from the labels index (its rowid is the image id, so "added" order
  // comes free) and touch images only for a sort key or a search.
  const fromLabels = f.kind === 'labeled' || f.kind === 'class';
  const needImages = !fromLabels || key !== null || search !== '';
  const from = fromLabels ? `labels l${needImages ? ' JOIN images i ON i.id = l.image_id' : ''}` : 'images i';
  const idColumn = fromLabels ? 'l.image_id' : 'i.id';
  let countSql: string | null = null;
  switch (f.kind) {
    case 'all':
    case 'labeled':
      break;
    case 'unlabeled':
      where.push('NOT EXISTS (SELECT 1 FROM labels l WHERE l.image_id = i.id)');
      if (search === '')
        countSql = 'SELECT (SELECT count(*) FROM images) - (SELECT count(*) FROM labels) AS n';
      break;
    case 'class':
      where.push('l.class_id = ?');
      params.push(f.classId);
      break;
    case 'failed':
      where.push("i.status = 'unreadable'");
      break;
    case 'missing':
      where.push("i.status = 'missing'");
      break;
    case 'split':
      where.push('i.split = ?');
      params.push(f.split);
      break;
    case 'ids':
      where.push('i.id IN (SELECT value FROM json_each(?))');
      params.push(JSON.stringify(f.ids ?? []));
      break;
  }
  if (search !== '') {
    where.push("i.path LIKE ? ESCAPE '\\'");
    params.push(containsPattern(search));
  }
  const dir = q.order === 'desc' ? ' DESC' : '';
  const innerOrder =
    key === 'i.path' ? `i.path${dir}` : key ? `${key}${dir}, ${idColumn}${dir}` : `${idColumn}${dir}`;
  const outerOrder =
    key === 'i.path' ? `p.k${dir}` : key ? `p.k COLLATE NOCASE${dir}, p.id${dir}` : `p.id${dir}`;
  const whereSql = where.length ? `WHERE ${where.join(' AND ')}` : '';
  const pageSql =
    `SELECT ${idColumn} AS id${key ? `, ${key} AS k` : ''} FROM ${from} ${whereSql} ` +
    `ORDER BY ${innerOrder} LIMIT ? OFFSET ?`;
  const countFrom = fromLabels
    ? `labels l${search !== '' ? ' JOIN images i ON i.id = l.image_id' : ''}`
    : 'images i';
  return {
    sql: `SELECT ${COLUMNS} FROM (${pageSql}) p JOIN images i ON i.id = p.id
      LEFT JOIN labels l ON l.image_id = i.id ${PREDICTION_JOIN} ORDER BY ${outerOrder}`,
    pageSql,
    countSql: countSql ?? `SELECT count(*) AS n FROM ${countFrom} ${whereSql}`,
    params,
    countParams: countSql === null ? params : [],
  };
}

/** The page joined to its rows; the page's `k` column carries its order. */
function pageRowsSql(pageSql: string, outerOrder: string): string {
  return `SELECT ${COLUMNS} FROM (${pageSql}) p JOIN images i ON i.id = p.id
      LEFT JOIN labels l ON l.image_id = i.id ${PREDICTION_JOIN} ORDER BY ${outerOrder}`;
}

export function queryImages(db: Database, q: ImageQuery): ImagePage {
  const built = buildImageQuery(q);
  const read = db.transaction(() => {
    const total = stmt<unknown[], { n: number }>(db, built.countSql).get(...built.countParams)!.n;
    const items = stmt<unknown[], ImageSqlRow>(db, built.sql)
      .all(...built.params, q.limit, q.offset)
      .map(toRow);
    return { total, offset: q.offset, items };
  });
  // One read transaction: the total and the page describe the same moment.
  return read();
}

export const COUNT_QUERIES = {
  byStatus: 'SELECT status, count(*) AS n FROM images GROUP BY status',
  bySplit: 'SELECT split, count(*) AS n FROM images GROUP BY split',
  // Walking the narrow split index and probing labels is ~3x faster than the other way round.
  byClassAndSplit: `SELECT l.class_id, i.split, count(*) AS n FROM images i INDEXED BY images_split
    JOIN labels l ON l.image_id = i.id GROUP BY l.class_id, i.split`,
  // Unreadable files are in no split and no class until they can be read. They are few, so
  // they are counted through the status index and taken off, keeping the counts above covering.
  unreadableByClassAndSplit: `SELECT l.class_id, i.split, count(*) AS n FROM images i INDEXED BY images_status
    LEFT JOIN labels l ON l.image_id = i.id WHERE i.status = 'unreadable' GROUP BY l.class_id, i.split`,
  labeled: 'SELECT count(*) AS n FROM labels',
} as const;

export function datasetCounts(db: Database): DatasetCounts {
  return db.transaction((): DatasetCounts => {
    const status: Record<ImageStatus, number> = { ok: 0, missing: 0, unreadable: 0 };
    for (const r of stmt<[], { status: ImageStatus; n: number }>(db, COUNT_QUERIES.byStatus).all())
      status[r.status] = r.n;
    const perSplit: Record<Split, number> = { train: 0, validation: 0, test: 0 };
    for (const r of stmt<[], { split: Split; n: number }>(db, COUNT_QUERIES.bySplit).all())
      perSplit[r.split] = r.n;
    const unreadable = stmt<[], { class_id: number | null; split: Split; n: number }>(
      db,
      COUNT_QUERIES.unreadableByClassAndSplit,
    ).all();
    for (const r of unreadable) perSplit[r.split] -= r.n;
    const classes = stmt<[], { id: number; name: string }>(
      db,
      'SELECT id, name FROM classes ORDER BY sort_order, id',
    )
      .all()
      .map((c) => ({ classId: c.id, name: c.name, count: 0, train: 0, validation: 0, test: 0 }));
    const byId = new Map(classes.map((c) => [c.classId, c]));
    for (const r of stmt<[], { class_id: number; split: Split; n: number }>(
      db,
      COUNT_QUERIES.byClassAndSplit,
    ).all()) {
      const c = byId.get(r.class_id);
      if (!c) continue;
      c[r.split] += r.n;
      c.count += r.n;
    }
    for (const r of unreadable) {
      const c = r.class_id === null ? undefined : byId.get(r.class_id);
      if (!c) continue;
      c[r.split] -= r.n;
      c.count -= r.n;
    }
    const total = status.ok + status.missing + status.unreadable;
    const labeled = stmt<[], { n: number }>(db, COUNT_QUERIES.labeled).get()!.n;
    return { total, ...status, labeled, unlabeled: total - labeled, perClass: classes, perSplit };
  })();
}
