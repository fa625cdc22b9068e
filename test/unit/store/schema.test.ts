import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Database } from 'better-sqlite3';
import { parseArgs } from '../../../src/api/dispatch.ts';
import { buildImageQuery, COUNT_QUERIES } from '../../../src/store/images.ts';
import { memoryDb } from './memory-db.ts';

function plan(db: Database, sql: string, params: unknown[]): string {
  const rows = db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[];
  return rows.map((r) => r.detail).join(' | ');
}

test('every table is STRICT', () => {
  const db = memoryDb();
  const tables = db
    .prepare("SELECT name, strict FROM pragma_table_list WHERE schema = 'main' AND name NOT LIKE 'sqlite_%'")
    .all() as {
    name: string;
    strict: number;
  }[];
  assert.ok(tables.length >= 7);
  for (const t of tables) assert.equal(t.strict, 1, `${t.name} is STRICT`);
});

/**
 * Each main query and the index its plan must name. A class sorted by path sorts its own
 * members (a temporary B-tree); no other page sorts rows.
 */
const PAGE_CASES: [string, Parameters<typeof parseArgs<'images.query'>>[1], RegExp][] = [
  ['all by path', { sort: 'path' }, /SCAN i USING COVERING INDEX sqlite_autoindex_images_1/],
  ['all by name', { sort: 'name' }, /SCAN i USING COVERING INDEX images_name/],
  [
    'class by added',
    { filter: { kind: 'class', classId: 1 } },
    /SEARCH l USING COVERING INDEX labels_class \(class_id=\?\)/,
  ],
  ['class by path', { filter: { kind: 'class', classId: 1 }, sort: 'path' }, /labels_class \(class_id=\?\)/],
  // The labels table's own key is the image id: walking it is the "added" order.
  ['labeled', { filter: { kind: 'labeled' } }, /^SCAN l$/],
  ['failed', { filter: { kind: 'failed' } }, /SEARCH i USING COVERING INDEX images_status \(status=\?\)/],
  ['missing', { filter: { kind: 'missing' } }, /SEARCH i USING COVERING INDEX images_status \(status=\?\)/],
  [
    'split',
    { filter: { kind: 'split', split: 'test' } },
    /SEARCH i USING COVERING INDEX images_split \(split=\?\)/,
  ],
  ['ids', { filter: { kind: 'ids', ids: [1, 2] } }, /SEARCH i USING INTEGER PRIMARY KEY \(rowid=\?\)/],
  ['unlabeled', { filter: { kind: 'unlabeled' } }, /SEARCH l USING INTEGER PRIMARY KEY \(rowid=\?\)/],
];

for (const [name, args, expected] of PAGE_CASES) {
  test(`images.query (${name}) picks its page on an index`, () => {
    const db = memoryDb();
    const built = buildImageQuery(parseArgs('images.query', args));
    const p = plan(db, built.pageSql, [...built.params, 100, 0]);
    assert.match(p, expected, p);
    if (name !== 'class by path') assert.doesNotMatch(p, /TEMP B-TREE FOR ORDER BY/, p);
    // The outer query joins only the page's ids to their rows.
    const outer = plan(db, built.sql, [...built.params, 100, 0]);
    assert.match(outer, /SEARCH i USING INTEGER PRIMARY KEY \(rowid=\?\)/, outer);
    assert.match(outer, /SEARCH l USING INTEGER PRIMARY KEY \(rowid=\?\) LEFT-JOIN/, outer);
  });
}

/**
 * The prediction filters walk the current run's rows of an index that holds their order (no
 * sort, no scan of other runs' predictions) and probe labels and images by primary key.
 */
const PREDICTION_CASES: [string, Parameters<typeof parseArgs<'images.query'>>[1], RegExp][] = [
  [
    'suggestions, most uncertain first',
    { filter: { kind: 'suggestions' } },
    /^SEARCH pr USING COVERING INDEX predictions_by_margin \(run_id=\?\)/,
  ],
  [
    'suggestions, most confident first',
    { filter: { kind: 'suggestions', order: 'confident', minProbability: 0.5 } },
    /^SEARCH pr USING COVERING INDEX predictions_by_probability \(run_id=\? AND probability>\?\)/,
  ],
  [
    'suggestions with a search',
    { filter: { kind: 'suggestions', search: 'x' } },
    /^SEARCH pr USING COVERING INDEX predictions_by_margin \(run_id=\?\)/,
  ],
  [
    'mislabeled',
    { filter: { kind: 'mislabeled' } },
    /^SEARCH r USING INTEGER PRIMARY KEY \(rowid=\?\).*SEARCH pr USING COVERING INDEX predictions_by_oof \(run_id=\? AND oof_probability>\?\)/,
  ],
];

for (const [name, args, expected] of PREDICTION_CASES) {
  test(`images.query (${name}) walks the run's rows of a prediction index in order`, () => {
    const db = memoryDb();
    const built = buildImageQuery(parseArgs('images.query', args));
    const p = plan(db, built.pageSql, [...built.params, 100, 0]);
    assert.match(p, expected, p);
    assert.doesNotMatch(p, /TEMP B-TREE/, p);
    assert.doesNotMatch(p, /\bSCAN\b/, p);
    // Images that are not 'ok' come from their status index (a search probes each image row).
    assert.match(
      p,
      /SEARCH images USING COVERING INDEX images_status \(status=\?\)|SEARCH i USING INTEGER PRIMARY KEY \(rowid=\?\)/,
      p,
    );
    assert.match(p, /SEARCH l USING INTEGER PRIMARY KEY \(rowid=\?\)/, p);
    const count = plan(db, built.countSql, built.countParams);
    assert.match(count, /SEARCH pr USING COVERING INDEX predictions_by_\w+ \(run_id=\?/, count);
    assert.doesNotMatch(count, /\bSCAN\b/, count);
    const outer = plan(db, built.sql, [...built.params, 100, 0]);
    assert.match(outer, /SEARCH i USING INTEGER PRIMARY KEY \(rowid=\?\)/, outer);
    assert.match(
      outer,
      /SEARCH pr USING INDEX sqlite_autoindex_predictions_1 \(run_id=\? AND image_id=\?\) LEFT-JOIN/,
      outer,
    );
  });
}

test("images.query (duplicates) reads only the current run's pairs, by primary key", () => {
  const db = memoryDb();
  for (const search of [undefined, 'x']) {
    const built = buildImageQuery(
      parseArgs('images.query', { filter: { kind: 'duplicates', ...(search ? { search } : {}) } }),
    );
    const queries: [string, unknown[]][] = [
      [built.pageSql, [...built.params, 100, 0]],
      [built.countSql, built.countParams],
    ];
    for (const [sql, params] of queries) {
      const p = plan(db, sql, params);
      const reads = p.split(' | ').filter((d) => /near_duplicates/.test(d));
      assert.ok(reads.length === 2, p);
      for (const r of reads)
        assert.match(
          r,
          /^SEARCH near_duplicates USING (COVERING INDEX near_duplicates_b|PRIMARY KEY) \(run_id=\?\)$/,
          p,
        );
      assert.doesNotMatch(p, /SCAN (i|images|predictions|pr)\b/, p);
    }
  }
});

test('the import and label writes look rows up by index', () => {
  const db = memoryDb();
  const cases: [string, RegExp][] = [
    ['SELECT id FROM images WHERE path = ?', /USING (COVERING )?INDEX sqlite_autoindex_images_1 \(path=\?\)/],
    [
      "SELECT id FROM images WHERE hash = ? AND status <> 'unreadable' ORDER BY id LIMIT 1",
      /USING INDEX images_hash \(hash=\?\)/,
    ],
    [
      'SELECT id FROM classes WHERE name_key = ?',
      /USING COVERING INDEX sqlite_autoindex_classes_1 \(name_key=\?\)/,
    ],
    [
      'SELECT step FROM label_history WHERE undone = 0 ORDER BY step DESC LIMIT 1',
      /label_history_undone \(undone=\?\)/,
    ],
    ['SELECT count(*) FROM labels WHERE class_id = ?', /labels_class \(class_id=\?\)/],
    [
      "UPDATE images SET status = 'missing' WHERE path >= ? AND path < ? AND scan_id <> ?",
      /sqlite_autoindex_images_1 \(path>\? AND path<\?\)/,
    ],
  ];
  for (const [sql, expected] of cases) {
    const params = Array.from(sql.matchAll(/\?/g), () => 1);
    const p = plan(db, sql, params);
    assert.match(p, expected, `${sql}: ${p}`);
  }
});

test('the counts read covering indexes', () => {
  const db = memoryDb();
  assert.match(plan(db, COUNT_QUERIES.byStatus, []), /COVERING INDEX images_status/);
  assert.match(plan(db, COUNT_QUERIES.bySplit, []), /COVERING INDEX images_split/);
  assert.match(
    plan(db, COUNT_QUERIES.byClassAndSplit, []),
    /COVERING INDEX images_split.*SEARCH l USING INTEGER PRIMARY KEY/,
  );
  assert.match(plan(db, COUNT_QUERIES.labeled, []), /COVERING INDEX/);
  assert.match(plan(db, COUNT_QUERIES.unreadableByClassAndSplit, []), /SEARCH i USING INDEX images_status/);
});
