import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiError } from '../../../src/domain/errors.ts';
import { createClass, listClasses, reorderClasses, updateClass } from '../../../src/store/classes.ts';
import {
  deleteClass,
  HISTORY_LIMIT,
  historyState,
  mergeClasses,
  redo,
  setLabels,
  undo,
} from '../../../src/store/labels.ts';
import { addImages, labelState, memoryDb } from './memory-db.ts';

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ApiError, `expected an ApiError, got ${String(err)}`);
    return err.code;
  }
  assert.fail('expected an error');
}

test('class names are unique ignoring case, in every script; colours and keys are handed out', () => {
  const db = memoryDb();
  const cat = createClass(db, { name: 'Cat' });
  assert.equal(cat.key, '1');
  assert.match(cat.color, /^#[0-9a-f]{6}$/);
  assert.equal(
    code(() => createClass(db, { name: 'cAT' })),
    'conflict',
  );
  createClass(db, { name: 'Ärger' });
  assert.equal(
    code(() => createClass(db, { name: 'äRGER' })),
    'conflict',
  );
  const dog = createClass(db, { name: 'dog', key: null, color: '#ABCDEF' });
  assert.equal(dog.key, null);
  assert.equal(dog.color, '#abcdef');
  assert.equal(
    code(() => createClass(db, { name: 'bird', key: '1' })),
    'conflict',
    'key 1 belongs to Cat',
  );
  assert.deepEqual(
    listClasses(db).map((c) => [c.name, c.order]),
    [
      ['Cat', 0],
      ['Ärger', 1],
      ['dog', 2],
    ],
  );
});

test('rename, recolour, rebind and reorder classes', () => {
  const db = memoryDb();
  const a = createClass(db, { name: 'a' });
  const b = createClass(db, { name: 'b' });
  assert.equal(updateClass(db, { id: a.id, name: 'A' }).name, 'A', 'a change of case alone is allowed');
  assert.equal(
    code(() => updateClass(db, { id: a.id, name: 'B' })),
    'conflict',
  );
  assert.equal(updateClass(db, { id: b.id, key: 'x', color: '#000000' }).key, 'x');
  assert.equal(updateClass(db, { id: b.id, key: null }).key, null);
  assert.equal(
    code(() => updateClass(db, { id: 99, name: 'z' })),
    'not_found',
  );
  assert.deepEqual(
    reorderClasses(db, [b.id, a.id]).map((c) => c.id),
    [b.id, a.id],
  );
  assert.equal(
    code(() => reorderClasses(db, [b.id])),
    'invalid_args',
  );
  assert.equal(
    code(() => reorderClasses(db, [b.id, a.id, a.id])),
    'invalid_args',
  );
});

test('labels.set refuses unknown classes and images and changes nothing', () => {
  const db = memoryDb();
  const [i1] = addImages(db, 2);
  const c = createClass(db, { name: 'c' });
  assert.equal(
    code(() => setLabels(db, [i1!], 999)),
    'not_found',
  );
  assert.equal(
    code(() => setLabels(db, [i1!, 12345], c.id)),
    'not_found',
  );
  assert.deepEqual(Object.values(labelState(db)), [null, null]);
  assert.equal(historyState(db).canUndo, false);
});

test('a change that changes nothing records no step', () => {
  const db = memoryDb();
  const ids = addImages(db, 3);
  const c = createClass(db, { name: 'c' });
  assert.equal(setLabels(db, ids, c.id).changed, 3);
  const again = setLabels(db, ids, c.id);
  assert.equal(again.step, null);
  assert.equal(again.changed, 0);
  assert.equal(setLabels(db, ids.slice(0, 1), null).changed, 1);
});

test('undo and redo walk back and forth through exact states, deletions and merges included', () => {
  const db = memoryDb();
  const ids = addImages(db, 10);
  const cat = createClass(db, { name: 'cat' });
  const dog = createClass(db, { name: 'dog', color: '#112233' });
  const bird = createClass(db, { name: 'bird' });
  const states = [labelState(db)];
  const classLists = [listClasses(db)];
  const record = (): void => {
    states.push(labelState(db));
    classLists.push(listClasses(db));
  };
  setLabels(db, ids.slice(0, 6), cat.id);
  record();
  setLabels(db, ids.slice(4, 9), dog.id, 'accepted-suggestion');
  record();
  setLabels(db, [ids[0]!], null);
  record();
  assert.equal(
    code(() => deleteClass(db, dog.id, false)),
    'precondition',
  );
  assert.deepEqual(labelState(db), states[3], 'refused without confirm: nothing changed');
  deleteClass(db, dog.id, true);
  record();
  setLabels(db, [ids[9]!], bird.id);
  record();
  mergeClasses(db, [bird.id], cat.id);
  record();
  assert.equal(listClasses(db).length, 1);

  for (let k = states.length - 1; k > 0; k--) {
    const r = undo(db);
    assert.notEqual(r.step, null);
    assert.deepEqual(labelState(db), states[k - 1], `undo back to state ${k - 1}`);
    assert.deepEqual(listClasses(db), classLists[k - 1], `classes at state ${k - 1}`);
  }
  assert.equal(undo(db).step, null, 'nothing left to undo');
  assert.equal(historyState(db).canUndo, false);
  for (let k = 1; k < states.length; k++) {
    redo(db);
    assert.deepEqual(labelState(db), states[k], `redo to state ${k}`);
    assert.deepEqual(listClasses(db), classLists[k], `classes at state ${k}`);
  }
  assert.equal(redo(db).step, null, 'nothing left to redo');
  const sources = db.prepare('SELECT DISTINCT source FROM labels ORDER BY source').all();
  assert.deepEqual(sources, [{ source: 'human' }], 'bird, merged into cat, kept its source');
});

test('a new change after an undo drops the redo stack', () => {
  const db = memoryDb();
  const ids = addImages(db, 2);
  const c = createClass(db, { name: 'c' });
  setLabels(db, [ids[0]!], c.id);
  setLabels(db, [ids[1]!], c.id);
  undo(db);
  assert.equal(historyState(db).canRedo, true);
  assert.match(historyState(db).redoLabel!, /label 1 image "c"/);
  setLabels(db, [ids[1]!], null);
  assert.equal(historyState(db).canRedo, true, 'a change that changes nothing leaves the future alone');
  setLabels(db, [ids[0]!], null);
  assert.equal(historyState(db).canRedo, false);
});

test('undoing a class deletion refuses when the name was taken meanwhile, and changes nothing', () => {
  const db = memoryDb();
  const ids = addImages(db, 2);
  const cat = createClass(db, { name: 'cat' });
  setLabels(db, ids, cat.id);
  deleteClass(db, cat.id, true);
  createClass(db, { name: 'CAT' });
  const before = labelState(db);
  assert.equal(
    code(() => undo(db)),
    'conflict',
  );
  assert.deepEqual(labelState(db), before);
  assert.equal(historyState(db).canUndo, true);
});

test('history keeps the most recent steps only', () => {
  const db = memoryDb();
  const [id] = addImages(db, 1);
  const a = createClass(db, { name: 'a' });
  const b = createClass(db, { name: 'b' });
  for (let i = 0; i < HISTORY_LIMIT + 20; i++) setLabels(db, [id!], i % 2 ? a.id : b.id);
  const n = (db.prepare('SELECT count(*) AS n FROM label_history').get() as { n: number }).n;
  assert.equal(n, HISTORY_LIMIT);
  let undone = 0;
  while (undo(db).step !== null) undone++;
  assert.equal(undone, HISTORY_LIMIT);
});
