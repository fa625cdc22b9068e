/// <reference types="svelte" />
// The dataset view's state classes run here as the app runs them: their runes are compiled by
// Svelte (see test/helpers/svelte-runes.ts), with a fake backend behind the `Api` boundary.
import '../../helpers/svelte-runes.ts';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { GridWindow } from '../../../renderer/src/lib/grid/virtual.ts';
import { FakeDatasetApi } from '../../helpers/fake-dataset-api.ts';

const { PagedRows, PAGE_SIZE } = await import('../../../renderer/src/lib/dataset/paged-rows.svelte.ts');
const { GridViewport } = await import('../../../renderer/src/lib/dataset/viewport.svelte.ts');
const { SelectionState } = await import('../../../renderer/src/lib/dataset/selection-state.svelte.ts');
const { DatasetState } = await import('../../../renderer/src/lib/dataset.svelte.ts');
const { Notices } = await import('../../../renderer/src/lib/notices.svelte.ts');

/** Lets every answer and callback already due run (the fake backend answers on microtasks). */
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
}

function windowOf(start: number, end: number, visibleStart = start, visibleEnd = end): GridWindow {
  return { start, end, visibleStart, visibleEnd, rows: 0, totalHeight: 0 };
}

function pagedRows(api: FakeDatasetApi, win: { current: GridWindow }) {
  const totals: number[] = [];
  const rows = new PagedRows(api, new Notices(), {
    window: () => win.current,
    onTotal: (t) => totals.push(t),
  });
  return { rows, totals };
}

const offsets = (api: FakeDatasetApi) =>
  api.callsOf('images.query').map((a) => (a.filter?.kind === 'ids' ? 'ids' : a.offset));

test('paging: the first page of the window is loaded and rows are found by position', async () => {
  const api = new FakeDatasetApi(1000);
  const { rows, totals } = pagedRows(api, { current: windowOf(0, 32) });
  assert.equal(rows.loaded, false);
  const loading = rows.reload();
  assert.equal(rows.loading, true);
  await loading;
  assert.equal(rows.loading, false);
  assert.equal(rows.loaded, true);
  assert.equal(rows.total, 1000);
  assert.deepEqual(totals, [1000]);
  assert.deepEqual(api.callsOf('images.query')[0], {
    filter: { kind: 'all' },
    sort: 'added',
    order: 'asc',
    offset: 0,
    limit: PAGE_SIZE,
  });
  assert.equal(rows.rowAt(0)?.id, 1);
  assert.equal(rows.rowAt(PAGE_SIZE - 1)?.id, PAGE_SIZE);
  assert.equal(rows.rowAt(PAGE_SIZE), undefined, 'the next page is not loaded: the window ends at 32');
  assert.deepEqual(offsets(api), [0]);
});

test('paging: visible pages come first, at most two requests are out, pages scrolled past are never asked for', async () => {
  const api = new FakeDatasetApi(21_000);
  const win = { current: windowOf(0, 32) };
  const { rows } = pagedRows(api, win);
  await rows.reload();
  api.calls.length = 0;

  // The window spans pages 20–22; only page 21 is on screen.
  win.current = windowOf(4000, 4600, 4200, 4400);
  const held = api.hold('images.query');
  rows.pump();
  rows.pump(); // a second scroll event while both requests are out asks for nothing more
  assert.deepEqual(offsets(api), [4200, 4000]);

  // A fast scroll far away while those are out: pages 21–22 are never fetched at all then.
  win.current = windowOf(20_000, 20_400, 20_000, 20_200);
  held.release();
  await settle();
  assert.deepEqual(offsets(api), [4200, 4000, 20_000, 20_200]);
  assert.equal(rows.rowAt(20_000)?.id, 20_001);
  assert.equal(rows.rowAt(20_399)?.id, 20_400);
  // Pages answered for the old window are kept while memory allows.
  assert.equal(rows.rowAt(4200)?.id, 4201);
  rows.pump();
  assert.equal(api.calls.length, 4, 'loaded pages of this generation are not fetched again');
});

test('paging: a shorter list reports its length and drops the pages past its end', async () => {
  const api = new FakeDatasetApi(1000);
  const win = { current: windowOf(0, 32) };
  const { rows, totals } = pagedRows(api, win);
  await rows.reload();
  win.current = windowOf(800, 1000);
  rows.pump();
  await settle();
  assert.equal(rows.rowAt(900)?.id, 901);

  api.images = api.images.slice(0, 300);
  win.current = windowOf(0, 32);
  await rows.reload({ keepRows: true });
  assert.deepEqual(totals, [1000, 300]);
  assert.equal(rows.total, 300);
  assert.equal(rows.rowAt(900), undefined);
  assert.equal(rows.rowAt(0)?.id, 1);
});

test('paging: answers for an older generation are dropped', async () => {
  const api = new FakeDatasetApi(50, (id) => ({ classId: id <= 10 ? 1 : null }));
  const { rows } = pagedRows(api, { current: windowOf(0, 32) });
  const held = api.hold('images.query');
  const first = rows.setFilter({ kind: 'all' });
  const held2 = api.hold('images.query');
  const second = rows.setFilter({ kind: 'unlabeled' });
  held.release();
  await first;
  assert.equal(rows.loading, true, 'the newer reload is still out');
  assert.equal(rows.total, 0, 'the answer for "all" came too late and was dropped');
  held2.release();
  await second;
  assert.equal(rows.total, 40);
  assert.equal(rows.rowAt(0)?.id, 11);
});

test('viewport: layout and window follow size and scroll; every move asks for pages', () => {
  let moves = 0;
  const vp = new GridViewport({ total: () => 1000, onMove: () => moves++ });
  // 800 px: four 152 px cells with 8 px gaps and 12 px padding; rows are 178 + 8 px apart.
  assert.equal(vp.layout.columns, 4);
  assert.equal(vp.layout.rowHeight, 186);
  // 600 px show rows 0–3, four rows of overscan below.
  assert.deepEqual(
    { ...vp.window },
    { start: 0, end: 32, visibleStart: 0, visibleEnd: 16, rows: 250, totalHeight: 250 * 186 - 8 + 24 },
  );
  assert.deepEqual(vp.visible.slice(0, 3), [0, 1, 2]);
  assert.equal(vp.visible.length, 32);

  vp.setSize(800, 600);
  assert.equal(moves, 0, 'the same size is no move');
  vp.setSize(1600, 600);
  assert.equal(moves, 1);
  assert.equal(vp.layout.columns, 9);

  vp.setScrollTop(1860); // ten rows down: rows 9–13 visible, 5–17 rendered
  assert.equal(moves, 2);
  assert.deepEqual(
    [vp.window.start, vp.window.end, vp.window.visibleStart, vp.window.visibleEnd],
    [45, 162, 81, 126],
  );
  assert.equal(vp.pageRows, 3);
});

test('viewport: a jump of more than half a screen is a fling until scrolling settles', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const vp = new GridViewport({ total: () => 1000, onMove: () => {} });
  vp.setScrollTop(200);
  assert.equal(vp.flinging, false);
  vp.setScrollTop(5000);
  assert.equal(vp.flinging, true);
  t.mock.timers.tick(100);
  vp.setScrollTop(9000);
  t.mock.timers.tick(100);
  assert.equal(vp.flinging, true, 'each jump restarts the wait');
  t.mock.timers.tick(20);
  assert.equal(vp.flinging, false);
});

test('viewport: reveal scrolls the attached view just enough to show a cell', () => {
  let moves = 0;
  const vp = new GridViewport({ total: () => 1000, onMove: () => moves++ });
  const scrolled: number[] = [];
  const detach = vp.attachView({ scrollTo: (top) => scrolled.push(top) });
  vp.reveal(2); // already on screen
  assert.deepEqual(scrolled, []);
  assert.equal(moves, 0);
  vp.reveal(40); // row 10: its bottom edge (12 + 10·186 + 178 + 12) at the bottom of 600 px
  assert.deepEqual(scrolled, [10 * 186 + 12 + 178 + 12 - 600]);
  assert.equal(vp.scrollTop, scrolled[0]);
  assert.equal(moves, 1);
  vp.reveal(0);
  assert.deepEqual(scrolled.at(-1), 0);
  detach();
  vp.reveal(400);
  assert.equal(scrolled.length, 2, 'a detached view is not scrolled');
  assert.notEqual(vp.scrollTop, 0);
});

test('selection: shift extends from the anchor, toggle adds and removes, clamp drops what is gone', () => {
  const s = new SelectionState();
  assert.equal(s.count, 0);
  assert.equal(s.cursor, null);
  s.click(2, {});
  s.click(5, { shift: true });
  assert.deepEqual(s.current.set.ranges, [[2, 6]]);
  assert.equal(s.count, 4);
  assert.equal(s.cursor, 5);
  s.click(8, { toggle: true });
  s.click(3, { toggle: true });
  assert.deepEqual(s.current.set.ranges, [
    [2, 3],
    [4, 6],
    [8, 9],
  ]);
  assert.equal(s.has(3), false);
  assert.equal(s.has(8), true);
  // Shift with toggle adds the range from the anchor (3, the last click) to what was selected.
  s.click(10, { shift: true, toggle: true });
  assert.deepEqual(s.current.set.ranges, [[2, 11]]);
  s.clamp(5);
  assert.deepEqual(s.current.set.ranges, [[2, 5]]);
  assert.ok(s.cursor === null || s.cursor < 5);
  s.selectAll(7);
  assert.equal(s.count, 7);
  s.clear();
  assert.equal(s.count, 0);
  assert.equal(s.cursor, null);
});

test('dataset view: a new filter, search or sort clears the selection and the viewer', async () => {
  const api = new FakeDatasetApi(300, (id) => ({ classId: id % 2 === 0 ? 1 : null }));
  const d = new DatasetState(api, new Notices());
  const scrolled: number[] = [];
  d.attachView({ scrollTo: (top) => scrolled.push(top) });
  await d.load();
  assert.equal(d.total, 300);
  d.click(1, {});
  d.click(4, { shift: true });
  assert.equal(d.selectedCount, 4);
  d.openViewer();
  assert.equal(d.viewerOpen, true);
  assert.equal(d.cursorRow?.id, 5);

  await d.setFilter({ kind: 'all' });
  assert.equal(d.selectedCount, 4, 'the same filter, still current: nothing changes');
  assert.equal(api.callsOf('images.query').length, 1);

  d.setScrollTop(700);
  await d.setFilter({ kind: 'unlabeled' });
  assert.equal(d.selectedCount, 0);
  assert.equal(d.cursor, null);
  assert.equal(d.viewerOpen, false);
  assert.deepEqual(scrolled, [0]);
  assert.equal(d.total, 150);
  assert.deepEqual(api.callsOf('images.query').at(-1)?.filter, { kind: 'unlabeled' });

  d.click(3, {});
  await d.setSearch('img-1');
  assert.equal(d.selectedCount, 0);
  assert.deepEqual(api.callsOf('images.query').at(-1)?.filter, { kind: 'unlabeled', search: 'img-1' });
  d.click(3, {});
  await d.setSort('name');
  assert.equal(d.selectedCount, 0);
  assert.equal(api.callsOf('images.query').at(-1)?.sort, 'name');
});

test('dataset view: keyboard moves go by the layout and bring the cursor into view', async () => {
  const api = new FakeDatasetApi(1000);
  const d = new DatasetState(api, new Notices());
  const scrolled: number[] = [];
  d.attachView({ scrollTo: (top) => scrolled.push(top) });
  await d.load();
  d.focusIndex(0);
  assert.equal(d.command({ type: 'move', dir: 'down', extend: false }), true);
  assert.equal(d.cursor, 4, 'four columns at 800 px');
  d.move('pageDown');
  assert.equal(d.cursor, 4 + 3 * 4, 'three rows fit in 600 px');
  d.move('down', true);
  assert.deepEqual(d.selection.set.ranges, [[16, 21]], 'shift-down selects through the cell below');
  d.move('end');
  assert.equal(d.cursor, 999);
  assert.ok(scrolled.length > 0 && scrolled.at(-1)! > 40_000, 'the last cell was scrolled into view');
  await settle();
  assert.equal(d.rowAt(999)?.id, 1000, 'the pages there were fetched');
  d.focusIndex(1000);
  assert.equal(d.cursor, 999, 'a position past the end is ignored');
  // In the viewer, up and down step through images one at a time.
  d.focusIndex(10);
  d.openViewer();
  d.command({ type: 'move', dir: 'down', extend: false }, 'viewer');
  assert.equal(d.cursor, 11);
  assert.equal(d.command({ type: 'selectAll' }, 'viewer'), false);
  d.closeViewer();
  assert.equal(d.viewerOpen, false);
});
