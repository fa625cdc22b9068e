import type { Database } from 'better-sqlite3';
import type {
  DatasetCounts,
  ImagePage,
  ImageRow,
  ImageStatus,
  LabelSource,
  ParsedArgs,
  Split,
} from '../api/contract.ts';
import { ApiError } from '../api/errors.ts';
import { stmt } from './statements.ts';

export type ImageQuery = ParsedArgs<'images.query'>;
export type ParsedImageFilter = ImageQuery['filter'];

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
}

const COLUMNS = `i.id, i.path, i.name, i.hash, i.width, i.height, i.format, i.bytes, i.status, i.error,
  i.split, i.added_at, l.class_id, l.source`;

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
  };
}

export function getImage(db: Database, id: number): ImageRow {
  const row = stmt<[number], ImageSqlRow>(
    db,
    `SELECT ${COLUMNS} FROM images i LEFT JOIN labels l ON l.image_id = i.id WHERE i.id = ?`,
  ).get(id);
  if (!row) throw new ApiError('not_found', `No image with id ${id} in this project.`);
  return toRow(row);
}

/** `LIKE` pattern that matches `text` literally anywhere (ASCII case-insensitive). */
function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

export interface BuiltQuery {
  sql: string;
  countSql: string;
  params: unknown[];
}

/**
 * The SQL for one page of images. Kept apart from running it so that the schema tests can
 * check with EXPLAIN QUERY PLAN that each filter and sort uses an index.
 */
export function buildImageQuery(q: Pick<ImageQuery, 'filter' | 'sort' | 'order'>): BuiltQuery {
  const f = q.filter;
  const where: string[] = [];
  const params: unknown[] = [];
  // Inner-joining labels (labeled, class) lets "added" order follow labels' own index.
  let join = 'LEFT JOIN labels l ON l.image_id = i.id';
  let countJoin = '';
  let idColumn = 'i.id';
  switch (f.kind) {
    case 'all':
      break;
    case 'labeled':
      join = countJoin = 'JOIN labels l ON l.image_id = i.id';
      idColumn = 'l.image_id';
      break;
    case 'unlabeled':
      countJoin = join;
      where.push('l.image_id IS NULL');
      break;
    case 'class':
      join = countJoin = 'JOIN labels l ON l.image_id = i.id';
      idColumn = 'l.image_id';
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
  if (f.search !== undefined && f.search.trim() !== '') {
    where.push("i.path LIKE ? ESCAPE '\\'");
    params.push(containsPattern(f.search.trim()));
  }
  const dir = q.order === 'desc' ? ' DESC' : '';
  const orderBy =
    q.sort === 'path'
      ? `i.path${dir}`
      : q.sort === 'name'
        ? `i.name${dir}, ${idColumn}${dir}`
        : `${idColumn}${dir}`;
  const whereSql = where.length ? `WHERE ${where.join(' AND ')}` : '';
  return {
    sql: `SELECT ${COLUMNS} FROM images i ${join} ${whereSql} ORDER BY ${orderBy} LIMIT ? OFFSET ?`,
    countSql: `SELECT count(*) AS n FROM images i ${countJoin} ${whereSql}`,
    params,
  };
}

export function queryImages(db: Database, q: ImageQuery): ImagePage {
  const built = buildImageQuery(q);
  const read = db.transaction(() => {
    const total = stmt<unknown[], { n: number }>(db, built.countSql).get(...built.params)!.n;
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
  byClassAndSplit: `SELECT l.class_id, i.split, count(*) AS n FROM labels l JOIN images i ON i.id = l.image_id
    GROUP BY l.class_id, i.split`,
  labeled: 'SELECT count(*) AS n FROM labels',
} as const;

export function datasetCounts(db: Database): DatasetCounts {
  return db.transaction((): DatasetCounts => {
    const status: Record<ImageStatus, number> = { ok: 0, missing: 0, unreadable: 0 };
    for (const r of stmt<[], { status: ImageStatus; n: number }>(db, COUNT_QUERIES.byStatus).all())
      status[r.status] = r.n;
    const perSplit: Record<Split, number> = { train: 0, validation: 0, test: 0 };
    for (const r of stmt<[], { split: Split; n: number }>(db, COUNT_QUERIES.bySplit).all()) perSplit[r.split] = r.n;
    const classes = stmt<[], { id: number; name: string }>(db, 'SELECT id, name FROM classes ORDER BY sort_order, id')
      .all()
      .map((c) => ({ classId: c.id, name: c.name, count: 0, train: 0, validation: 0, test: 0 }));
    const byId = new Map(classes.map((c) => [c.classId, c]));
    for (const r of stmt<[], { class_id: number; split: Split; n: number }>(db, COUNT_QUERIES.byClassAndSplit).all()) {
      const c = byId.get(r.class_id);
      if (!c) continue;
      c[r.split] += r.n;
      c.count += r.n;
    }
    const total = status.ok + status.missing + status.unreadable;
    const labeled = stmt<[], { n: number }>(db, COUNT_QUERIES.labeled).get()!.n;
    return { total, ...status, labeled, unlabeled: total - labeled, perClass: classes, perSplit };
  })();
}
