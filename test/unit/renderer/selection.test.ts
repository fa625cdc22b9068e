import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IndexSet } from '../../../renderer/src/lib/grid/index-set.ts';
import {
  advance,
  clampSelection,
  click,
  emptySelection,
  move,
  selectAll,
  single,
  target,
  targets,
  type MoveContext,
} from '../../../renderer/src/lib/grid/selection.ts';

const ctx = (over: Partial<MoveContext> = {}): MoveContext => ({
  columns: 4,
  total: 10,
  pageRows: 2,
  ...over,
});

test('IndexSet merges, splits and answers membership by ranges', () => {
  let s = IndexSet.empty.add(2, 5).add(7, 9);
  assert.deepEqual(s.ranges, [
    [2, 5],
    [7, 9],
  ]);
  assert.equal(s.size, 5);
  s = s.add(5, 7);
  assert.deepEqual(s.ranges, [[2, 9]], 'touching ranges merge');
  s = s.remove(4);
  assert.deepEqual(s.ranges, [
    [2, 4],
    [5, 9],
  ]);
  assert.ok(s.has(2) && s.has(8) && !s.has(4) && !s.has(9) && !s.has(1));
  assert.equal(s.toggle(4).size, 7);
  assert.deepEqual(IndexSet.of(3, 1, 2).ranges, [[1, 4]]);
  assert.deepEqual(IndexSet.range(0, 100).clamp(40).ranges, [[0, 40]]);
  assert.equal(IndexSet.empty.min, null);
  assert.equal(s.min, 2);
  assert.equal(s.max, 8);
});

test('IndexSet holds 100 000 selected items as one range', () => {
  const all = IndexSet.range(0, 100_000);
  assert.equal(all.size, 100_000);
  assert.equal(all.ranges.length, 1);
  const holes = all.toggle(500).toggle(99_999).toggle(0);
  assert.equal(holes.size, 99_997);
  assert.equal(holes.ranges.length, 2);
  assert.ok(!holes.has(500) && holes.has(501) && !holes.has(0));
});

test('plain click selects one cell and sets anchor and cursor', () => {
  const s = click(emptySelection, 5);
  assert.deepEqual(s.set.toArray(), [5]);
  assert.equal(s.anchor, 5);
  assert.equal(s.cursor, 5);
  assert.deepEqual(click(s, 2).set.toArray(), [2], 'a second click replaces the selection');
});

test('shift-click selects the range from the anchor, in either direction', () => {
  const a = click(emptySelection, 3);
  const down = click(a, 7, { shift: true });
  assert.deepEqual(down.set.toArray(), [3, 4, 5, 6, 7]);
  assert.equal(down.anchor, 3, 'the anchor stays');
  assert.equal(down.cursor, 7);
  const up = click(down, 1, { shift: true });
  assert.deepEqual(up.set.toArray(), [1, 2, 3], 'a new shift-click re-ranges from the same anchor');
  assert.deepEqual(click(emptySelection, 4, { shift: true }).set.toArray(), [4], 'no anchor: a plain click');
});

test('ctrl/cmd-click toggles one cell and moves the anchor', () => {
  let s = click(emptySelection, 1);
  s = click(s, 4, { toggle: true });
  s = click(s, 6, { toggle: true });
  assert.deepEqual(s.set.toArray(), [1, 4, 6]);
  s = click(s, 4, { toggle: true });
  assert.deepEqual(s.set.toArray(), [1, 6]);
  assert.equal(s.anchor, 4);
  const both = click(s, 8, { shift: true, toggle: true });
  assert.deepEqual(both.set.toArray(), [1, 4, 5, 6, 7, 8], 'ctrl+shift adds the range to the selection');
});

test('select all covers the view and keeps the cursor', () => {
  const s = selectAll(single(3), 10);
  assert.equal(s.set.size, 10);
  assert.equal(s.cursor, 3);
  assert.equal(selectAll(single(3), 0), emptySelection);
  assert.equal(selectAll(emptySelection, 100_000).set.ranges.length, 1);
});

test('arrow keys wrap across row edges left and right, clamp at the ends', () => {
  // 4 columns, 10 items: rows [0..3] [4..7] [8, 9]
  assert.equal(target(3, 'right', ctx()), 4, 'right at the end of a row goes to the next row');
  assert.equal(target(4, 'left', ctx()), 3, 'left at the start of a row goes to the previous row');
  assert.equal(target(0, 'left', ctx()), 0);
  assert.equal(target(9, 'right', ctx()), 9);
  assert.equal(target(null, 'right', ctx()), 0, 'no cursor yet: start at the first image');
  assert.equal(target(5, 'anything' as never, ctx({ total: 0 })), null);
});

test('up and down keep the column; a short last row catches the cursor', () => {
  assert.equal(target(5, 'up', ctx()), 1);
  assert.equal(target(2, 'up', ctx()), 2, 'top row stays');
  assert.equal(target(1, 'down', ctx()), 5);
  assert.equal(target(5, 'down', ctx()), 9, 'column 1 exists in the last row');
  assert.equal(target(7, 'down', ctx()), 9, 'column 3 is past the short last row: go to its last cell');
  assert.equal(target(9, 'down', ctx()), 9, 'already in the last row');
  assert.equal(target(3, 'down', ctx({ total: 4 })), 3, 'a single row');
  assert.equal(target(2, 'down', ctx({ columns: 1, total: 3 })), 2);
});

test('home, end and page keys', () => {
  assert.equal(target(6, 'home', ctx()), 0);
  assert.equal(target(2, 'end', ctx()), 9);
  assert.equal(target(1, 'pageDown', ctx()), 9, 'two rows down');
  assert.equal(target(9, 'pageUp', ctx()), 1);
  assert.equal(target(5, 'pageUp', ctx()), 1, 'not enough rows above: the same column in the first row');
});

test('shift+arrow extends from the anchor; a plain arrow collapses the selection', () => {
  let s = single(5);
  s = move(s, 'right', ctx({ extend: true }));
  s = move(s, 'down', ctx({ extend: true }));
  assert.deepEqual(
    s.set.toArray(),
    [5, 6, 7, 8, 9, 10].filter((i) => i < 10),
  );
  assert.equal(s.anchor, 5);
  assert.equal(s.cursor, 9, 'down from 6 lands on 9 (last cell of the short row)');
  s = move(s, 'left', ctx());
  assert.deepEqual(s.set.toArray(), [8]);
});

test('number-key labeling advances to the cell after the labeled ones', () => {
  assert.deepEqual(advance(single(3), 10).set.toArray(), [4]);
  assert.equal(advance(single(3), 10).cursor, 4);
  const multi = click(single(2), 5, { shift: true });
  assert.deepEqual(advance(multi, 10).set.toArray(), [6], 'after a range, continue after its end');
  const last = single(9);
  assert.equal(advance(last, 10), last, 'at the end it stays');
  const cursorOnly = { set: IndexSet.empty, anchor: 2, cursor: 2 };
  assert.deepEqual(targets(cursorOnly).toArray(), [2], 'nothing selected: the cursor cell is the target');
  assert.equal(advance(cursorOnly, 10).cursor, 3);
});

test('a shrinking view clamps the selection', () => {
  const s = clampSelection(click(single(2), 8, { shift: true }), 5);
  assert.deepEqual(s.set.toArray(), [2, 3, 4]);
  assert.equal(s.cursor, 4);
  assert.equal(clampSelection(single(3), 0), emptySelection);
});
