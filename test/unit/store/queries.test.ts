import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ImageRow } from '../../../src/api/contract.ts';
import { parseArgs } from '../../../src/api/dispatch.ts';
import { createClass } from '../../../src/store/classes.ts';
import { datasetCounts, queryImages } from '../../../src/store/images.ts';
import { setLabels } from '../../../src/store/labels.ts';
import { memoryDb } from './memory-db.ts';

function setup() {
  const db = memoryDb();
  const insert = db.prepare(
    `INSERT INTO images (path, name, hash, bytes, mtime_ms, status, error, split, added_at)
     VALUES (?, ?, ?, 1, 0, ?, ?, ?, '2024-01-01T00:00:00.000Z')`,
  );
  const names = ['b.jpg', 'a.jpg', 'C.jpg', 'a.jpg', 'e.jpg', 'D.jpg', 'f 100%_x.jpg', 'g.jpg'];
  const ids = names.map((name, i) =>
    Number(
      insert.run(
        `/root/${String.fromCharCode(122 - i)}/${name}`,
        name,
        `h${i}`,
        i === 5 ? 'unreadable' : i === 6 ? 'missing' : 'ok',
        i === 5 ? 'damaged' : null,
        ['train', 'validation', 'test'][i % 3],
      ).lastInsertRowid,
    ),
  );
  const cat = createClass(db, { name: 'cat' });
  const dog = createClass(db, { name: 'dog' });
  setLabels(db, [ids[0]!, ids[2]!, ids[4]!], cat.id);
  setLabels(db, [ids[1]!], dog.id, 'accepted-suggestion');
  return { db, ids, cat, dog };
}

type Q = Parameters<typeof parseArgs<'images.query'>>[1];
const q = (db: ReturnType<typeof memoryDb>, args: Q) => queryImages(db, parseArgs('images.query', args));
const idsOf = (items: ImageRow[]) => items.map((r) => r.id);

test('every filter kind selects what it says', () => {
  const { db, ids, cat, dog } = setup();
  const [i0, i1, i2, i3, i4, i5, i6, i7] = ids as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  assert.deepEqual(idsOf(q(db, {}).items), ids);
  assert.deepEqual(idsOf(q(db, { filter: { kind: 'labeled' } }).items), [i0, i1, i2, i4]);
  assert.deepEqual(idsOf(q(db, { filter: { kind: 'unlabeled' } }).items), [i3, i5, i6, i7]);
  assert.deepEqual(idsOf(q(db, { filter: { kind: 'class', classId: cat.id } }).items), [i0, i2, i4]);
  assert.deepEqual(idsOf(q(db, { filter: { kind: 'class', classId: dog.id } }).items), [i1]);
  assert.deepEqual(idsOf(q(db, { filter: { kind: 'failed' } }).items), [i5]);
  assert.deepEqual(idsOf(q(db, { filter: { kind: 'missing' } }).items), [i6]);
  assert.deepEqual(idsOf(q(db, { filter: { kind: 'split', split: 'validation' } }).items), [i1, i4, i7]);
  assert.deepEqual(idsOf(q(db, { filter: { kind: 'ids', ids: [i7, i2, 9999] } }).items), [i2, i7]);
  const failed = q(db, { filter: { kind: 'failed' } }).items[0]!;
  assert.equal(failed.error, 'damaged');
  const dogRow = q(db, { filter: { kind: 'class', classId: dog.id } }).items[0]!;
  assert.equal(dogRow.classId, dog.id);
  assert.equal(dogRow.labelSource, 'accepted-suggestion');
});

test('search narrows any filter to paths containing the text, literally and ignoring ASCII case', () => {
  const { db, ids, cat } = setup();
  assert.deepEqual(idsOf(q(db, { filter: { kind: 'all', search: 'A.JPG' } }).items), [ids[1], ids[3]]);
  assert.deepEqual(
    idsOf(q(db, { filter: { kind: 'all', search: '100%_' } }).items),
    [ids[6]],
    '% and _ are literal',
  );
  assert.deepEqual(idsOf(q(db, { filter: { kind: 'all', search: '%' } }).items), [ids[6]]);
  assert.deepEqual(idsOf(q(db, { filter: { kind: 'class', classId: cat.id, search: '/x/' } }).items), [
    ids[2],
  ]);
  assert.equal(q(db, { filter: { kind: 'unlabeled', search: 'a.jpg' } }).total, 1);
});

test('sorts by added time, path or name, both ways, and pages with a stable total', () => {
  const { db, ids, cat } = setup();
  assert.deepEqual(idsOf(q(db, { order: 'desc' }).items), [...ids].reverse());
  const byPath = q(db, { sort: 'path' }).items.map((r) => r.path);
  assert.deepEqual(byPath, [...byPath].sort());
  assert.deepEqual(
    q(db, { sort: 'path', order: 'desc' }).items.map((r) => r.path),
    [...byPath].reverse(),
  );
  const byName = q(db, { sort: 'name' }).items;
  assert.deepEqual(
    byName.map((r) => r.name),
    ['a.jpg', 'a.jpg', 'b.jpg', 'C.jpg', 'D.jpg', 'e.jpg', 'f 100%_x.jpg', 'g.jpg'],
    'names sort ignoring case',
  );
  assert.ok(byName[0]!.id < byName[1]!.id, 'equal names fall back to added order');
  const pages = [0, 3, 6].map((offset) => q(db, { sort: 'name', offset, limit: 3 }));
  assert.deepEqual(
    pages.flatMap((p) => idsOf(p.items)),
    idsOf(byName),
  );
  assert.ok(pages.every((p) => p.total === 8));
  assert.deepEqual(
    q(db, { filter: { kind: 'class', classId: cat.id }, sort: 'name', order: 'desc' }).items.map(
      (r) => r.name,
    ),
    ['e.jpg', 'C.jpg', 'b.jpg'],
  );
  assert.equal(q(db, { filter: { kind: 'class', classId: cat.id }, offset: 1, limit: 1 }).total, 3);
});

test('counts by status, label, class and split', () => {
  const { db, cat, dog } = setup();
  const c = datasetCounts(db);
  assert.equal(c.total, 8);
  assert.deepEqual([c.ok, c.unreadable, c.missing], [6, 1, 1]);
  assert.deepEqual([c.labeled, c.unlabeled], [4, 4]);
  // The unreadable image (in the test split by its hash) is in no split until it can be read.
  assert.deepEqual(c.perSplit, { train: 3, validation: 3, test: 1 });
  assert.deepEqual(c.perClass, [
    { classId: cat.id, name: 'cat', count: 3, train: 1, validation: 1, test: 1 },
    { classId: dog.id, name: 'dog', count: 1, train: 0, validation: 1, test: 0 },
  ]);
});
