/**
 * The prediction filters (suggestions, likely mislabeled, duplicates, and every prediction), written
 * once: `images.query` joins the page to image rows, `predictions.query` to prediction items, and
 * both pick and order the page here, so the grid and the queues always list the same images.
 */
import { lowerBound32 } from '../domain/float32-bounds.ts';
import { mislabeledCondition } from './mislabeled-sql.ts';

/** The current run's id, or NULL when there is none (the prediction filters then match nothing). */
export const CURRENT_RUN = `(SELECT CAST(value AS INTEGER) FROM project_settings WHERE key = 'current_run_id')`;

/** The current run's near-duplicate pairs. */
export const CURRENT_PAIRS = `near_duplicates WHERE run_id = ${CURRENT_RUN}`;

/** `LIKE` pattern that matches `text` literally anywhere (ASCII case-insensitive). */
export function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

export interface PredictionFilter {
  /** 'predicted': every image the current run predicted, labeled or not. */
  kind: 'suggestions' | 'mislabeled' | 'duplicates' | 'predicted';
  /** Suggestions and 'predicted': smallest margin first (default) or most probable first. */
  order?: 'uncertain' | 'confident' | undefined;
  /**
   * The probability each listed image shows is at least this: the run's prediction for
   * suggestions and 'predicted', the out-of-fold one for mislabeled (which never goes below the
   * rule's own threshold). Duplicates ignore it.
   */
  minProbability?: number | undefined;
  /** Case-insensitive text the image's path must contain. */
  search?: string | undefined;
}

export interface PredictionPage {
  /** Picks and orders the page's ids (`id`, and `k` that carries the order); ends in LIMIT ? OFFSET ?. */
  pageSql: string;
  /** The order of the page's rows once joined, in terms of its `p.k` and `p.id`. */
  outerOrder: string;
  countSql: string;
  params: unknown[];
  countParams: unknown[];
}

/**
 * Suggestions, mislabeled and 'predicted' walk the current run's rows of an index that holds
 * their order and the filtered column (migrations 0003 and 0005), probing labels by primary key;
 * duplicates read the run's pairs by primary key and number each image once, at its best pair
 * (leaks first, then similarity), so the two images of a pair sit side by side unless one of
 * them already stood beside a better match.
 */
export function predictionPage(f: PredictionFilter): PredictionPage {
  const search = f.search?.trim() ?? '';
  const params: unknown[] = [];
  const searchSql = search === '' ? '' : ` AND i.path LIKE ? ESCAPE '\\'`;
  if (f.kind === 'duplicates') {
    const sides = `SELECT image_a AS id, leak, similarity, image_a AS a, image_b AS b, 0 AS side FROM ${CURRENT_PAIRS}
      UNION ALL SELECT image_b, leak, similarity, image_a, image_b, 1 FROM ${CURRENT_PAIRS}`;
    const firsts = `SELECT id, leak, similarity, a, b, side,
      row_number() OVER (PARTITION BY id ORDER BY leak DESC, similarity DESC, a, b) AS n FROM (${sides})`;
    const from =
      search === ''
        ? `(${firsts}) d WHERE d.n = 1`
        : `(${firsts}) d JOIN images i ON i.id = d.id WHERE d.n = 1${searchSql}`;
    if (search !== '') params.push(containsPattern(search));
    const pageSql =
      `SELECT d.id AS id, row_number() OVER (ORDER BY d.leak DESC, d.similarity DESC, d.a, d.b, d.side) AS k ` +
      `FROM ${from} ORDER BY k LIMIT ? OFFSET ?`;
    const ids = `SELECT image_a AS id FROM ${CURRENT_PAIRS} UNION SELECT image_b FROM ${CURRENT_PAIRS}`;
    const countSql =
      search === ''
        ? `SELECT count(*) AS n FROM (${ids})`
        : `SELECT count(*) AS n FROM (${ids}) d JOIN images i ON i.id = d.id WHERE 1${searchSql}`;
    return { pageSql, outerOrder: 'p.k', countSql, params, countParams: params };
  }
  // Without a search, the few images that are not 'ok' are read once from their index instead
  // of probing every image row (a third faster at 100 000 predictions); a search reads the rows.
  const images = search === '' ? '' : ' CROSS JOIN images i ON i.id = pr.image_id';
  const ok =
    search === ''
      ? "pr.image_id NOT IN (SELECT id FROM images WHERE status IN ('missing', 'unreadable'))"
      : "i.status = 'ok'";
  let from: string;
  let where: string;
  let key: string;
  let order: string;
  if (f.kind === 'mislabeled') {
    from = `runs r CROSS JOIN predictions pr ON pr.run_id = r.id
      CROSS JOIN labels l ON l.image_id = pr.image_id${images}`;
    const rule = mislabeledCondition({ pr: 'pr', r: 'r', l: 'l' }, f.minProbability);
    where = `r.id = ${CURRENT_RUN} AND ${rule.sql} AND ${ok}`;
    params.push(...rule.params);
    key = 'pr.oof_probability';
    order = 'DESC';
  } else {
    // Predictions stay the outer loop (LEFT and CROSS JOIN fix the order): the index yields the
    // page in order and labels are probed by primary key.
    from = `predictions pr LEFT JOIN labels l ON l.image_id = pr.image_id${images}`;
    const unlabeled = f.kind === 'suggestions' ? ' AND l.image_id IS NULL' : '';
    where = `pr.run_id = ${CURRENT_RUN} AND pr.probability >= ?${unlabeled} AND ${ok}`;
    params.push(lowerBound32(f.minProbability ?? 0));
    const confident = f.order === 'confident';
    key = confident ? 'pr.probability' : 'pr.margin';
    order = confident ? 'DESC' : 'ASC';
  }
  if (search !== '') params.push(containsPattern(search));
  const whereSql = `WHERE ${where}${searchSql}`;
  const pageSql =
    `SELECT pr.image_id AS id, ${key} AS k FROM ${from} ${whereSql} ` +
    `ORDER BY ${key} ${order}, pr.image_id LIMIT ? OFFSET ?`;
  return {
    pageSql,
    outerOrder: `p.k ${order}, p.id`,
    countSql: `SELECT count(*) AS n FROM ${from} ${whereSql}`,
    params,
    countParams: params,
  };
}
