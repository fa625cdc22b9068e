import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  cellPosition,
  layoutFor,
  pagesCovering,
  rowsPerPage,
  scrollToReveal,
  windowFor,
  type CellSize,
} from '../../../renderer/src/lib/grid/virtual.ts';
import { patchRows, rowAt, withPage } from '../../../renderer/src/lib/grid/page-cache.ts';

const cell: CellSize = { width: 150, height: 180, gap: 10, padding: 10 };

test('columns follow the width; at least one', () => {
  assert.equal(layoutFor(1000, cell).columns, 6, '(1000 - 20 + 10) / 160 = 6.19');
  assert.equal(layoutFor(170, cell).columns, 1);
  assert.equal(layoutFor(0, cell).columns, 1);
  assert.equal(layoutFor(1000, cell).rowHeight, 190);
  assert.equal(layoutFor(1000, cell).cellWidth, 155, 'cells widen evenly to fill the row');
  assert.equal(layoutFor(100, cell).cellWidth, 150, 'but never below the minimum');
});

test('the window at 100 000 items renders only visible rows plus overscan', () => {
  const layout = layoutFor(1000, cell); // 6 columns, rows of 190 px
  const total = 100_000;
  const top = windowFor({ scrollTop: 0, viewportHeight: 800, layout, total, overscanRows: 2 });
  assert.equal(top.start, 0);
  assert.equal(top.visibleEnd, 5 * 6, 'rows 0..4 are (partly) visible in 800 px');
  assert.equal(top.end, 7 * 6, 'plus two rows of overscan below');
  assert.equal(top.rows, Math.ceil(total / 6));
  assert.equal(top.totalHeight, top.rows * 190 - 10 + 20);

  const mid = windowFor({ scrollTop: 1_000_000, viewportHeight: 800, layout, total, overscanRows: 2 });
  const firstRow = Math.floor((1_000_000 - 10) / 190);
  assert.equal(mid.visibleStart, firstRow * 6);
  assert.equal(mid.start, (firstRow - 2) * 6);
  assert.ok(mid.end - mid.start <= (5 + 4 + 1) * 6, `rendered ${mid.end - mid.start} cells`);

  const bottom = windowFor({
    scrollTop: top.totalHeight - 800,
    viewportHeight: 800,
    layout,
    total,
    overscanRows: 2,
  });
  assert.equal(bottom.end, total, 'the last row is rendered at the bottom');
  assert.ok(bottom.end - bottom.start < 60);

  const past = windowFor({ scrollTop: 1e9, viewportHeight: 800, layout, total, overscanRows: 2 });
  assert.equal(past.end, total, 'a scrollTop past the end (during a resize) still renders the last rows');
  assert.ok(past.start < past.end);
});

test('an empty or tiny list', () => {
  const layout = layoutFor(1000, cell);
  const w = windowFor({ scrollTop: 0, viewportHeight: 800, layout, total: 0, overscanRows: 2 });
  assert.deepEqual([w.start, w.end, w.totalHeight], [0, 0, 0]);
  const one = windowFor({ scrollTop: 0, viewportHeight: 800, layout, total: 3, overscanRows: 2 });
  assert.deepEqual([one.start, one.end], [0, 3]);
});

test('cell positions and scrolling a cell into view', () => {
  const layout = layoutFor(1000, cell);
  assert.deepEqual(cellPosition(0, layout), { x: 10, y: 10 });
  assert.deepEqual(cellPosition(7, layout), { x: 10 + 165, y: 10 + 190 });
  assert.equal(scrollToReveal(7, layout, 0, 800), null, 'already visible');
  const below = scrollToReveal(60, layout, 0, 800)!; // row 10, y = 1910
  assert.equal(below, 1910 + 180 + 10 - 800);
  assert.equal(scrollToReveal(0, layout, 500, 800), 0, 'above: scroll up to it');
  assert.equal(rowsPerPage(800, layout), 4);
});

test('pages covering a window', () => {
  assert.deepEqual(pagesCovering(0, 50, 200), [0]);
  assert.deepEqual(pagesCovering(190, 250, 200), [0, 1]);
  assert.deepEqual(pagesCovering(99_950, 100_000, 200), [499]);
  assert.deepEqual(pagesCovering(5, 5, 200), []);
});

test('page cache evicts the pages farthest from the window and keeps the window', () => {
  let pages: ReadonlyMap<number, readonly number[]> = new Map();
  for (let p = 0; p < 10; p++) pages = withPage(pages, p, [p * 10], { maxPages: 4, keep: [p] });
  assert.equal(pages.size, 4);
  assert.deepEqual(
    [...pages.keys()].sort((a, b) => a - b),
    [6, 7, 8, 9],
  );
  pages = withPage(pages, 0, [0], { maxPages: 4, keep: [0, 1] });
  assert.ok(pages.has(0), 'the page just loaded for the window stays');
  assert.ok(!pages.has(9), 'the farthest page went');
  assert.equal(rowAt(pages, 3, 10), undefined);
  assert.equal(rowAt(pages, 0, 10), 0);
});

test('patching rows replaces only the pages that changed', () => {
  const a = [{ id: 1, c: 0 }];
  const b = [{ id: 2, c: 0 }];
  const pages = new Map([
    [0, a],
    [1, b],
  ]);
  const next = patchRows(pages, (r) => (r.id === 2 ? { ...r, c: 5 } : null));
  assert.notEqual(next, pages);
  assert.equal(next.get(0), a, 'untouched page keeps its identity');
  assert.deepEqual(next.get(1), [{ id: 2, c: 5 }]);
  assert.equal(
    patchRows(pages, () => null),
    pages,
  );
});
