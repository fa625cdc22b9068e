/// <reference types="svelte" />
// Labeling in the dataset view, run through its rune state classes (compiled by Svelte, see
// test/helpers/svelte-runes.ts) against a fake backend whose change events the test delivers
// itself: before or after the answer of the call that caused them, as the batched feed may.
import '../../helpers/svelte-runes.ts';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeDatasetApi, imageRow } from '../../helpers/fake-dataset-api.ts';

const { DatasetState } = await import('../../../renderer/src/lib/dataset.svelte.ts');
const { Notices } = await import('../../../renderer/src/lib/notices.svelte.ts');

async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
}

/** Ten images; image 2 came labeled with class 3 from its folder. */
async function open(count = 10) {
  const api = new FakeDatasetApi(count, (id) => ({ classId: id === 2 ? 3 : null }));
  const notices = new Notices();
  const dataset = new DatasetState(api, notices);
  // What Workspace does with the feed.
  api.on('dataset.changed', (e) => dataset.onChanged(e));
  await dataset.load();
  return { api, notices, dataset };
}

type Dataset = Awaited<ReturnType<typeof open>>['dataset'];

function shownLabels(d: Dataset, positions: number[]) {
  return positions.map((i) => {
    const row = d.rowAt(i);
    return row ? [row.classId, row.labelSource] : undefined;
  });
}

test('a label shows at once and moves on; a refusal brings the old labels back and says why', async () => {
  const { api, notices, dataset: d } = await open();
  d.click(0, {});
  d.click(2, { shift: true });
  api.failNext('labels.set', 'read_only', 'The project is read-only. Open a copy to change labels.');
  const answer = api.hold('labels.set');

  const saving = d.label(1, { advance: true });
  assert.deepEqual(shownLabels(d, [0, 1, 2, 3]), [
    [1, 'human'],
    [1, 'human'],
    [1, 'human'],
    [null, null],
  ]);
  assert.equal(d.cursor, 3, 'on to the cell after the labeled ones');
  assert.equal(d.selectedCount, 1);

  answer.release();
  assert.equal(await saving, false);
  assert.deepEqual(shownLabels(d, [0, 1, 2]), [
    [null, null],
    [3, 'imported'],
    [null, null],
  ]);
  const error = notices.items.at(-1);
  assert.equal(error?.kind, 'error');
  assert.equal(error?.title, 'The label was not saved: The project is read-only.');
  assert.equal(error?.code, 'read_only');
  assert.equal(d.history?.canUndo, false);
  assert.deepEqual(api.queuedEvents, [], 'the backend changed nothing');
  assert.equal(d.cursor, 3, 'the cursor stays where labeling left it');
});

test('labeling several images is one undo step; undo and redo restore all of them', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const { api, notices, dataset: d } = await open();
  d.click(0, {});
  d.click(2, { shift: true });
  assert.equal(await d.label(5), true);
  assert.deepEqual(api.callsOf('labels.set'), [{ imageIds: [1, 2, 3], classId: 5 }]);
  assert.deepEqual(d.history, {
    canUndo: true,
    canRedo: false,
    undoLabel: 'label 3 images',
    redoLabel: null,
  });
  api.deliverEvents();
  await settle();
  assert.deepEqual(shownLabels(d, [0, 1, 2]), [
    [5, 'human'],
    [5, 'human'],
    [5, 'human'],
  ]);

  await d.undo();
  assert.equal(api.callsOf('labels.undo').length, 1);
  assert.equal(d.history?.canRedo, true);
  assert.equal(d.history?.canUndo, false);
  // The answer came first: the rows change when the event that follows arrives.
  assert.deepEqual(shownLabels(d, [1]), [[5, 'human']]);
  api.deliverEvents();
  await settle();
  assert.deepEqual(shownLabels(d, [0, 1, 2]), [
    [null, null],
    [3, 'imported'],
    [null, null],
  ]);

  d.command({ type: 'redo' });
  await settle();
  api.deliverEvents();
  await settle();
  assert.equal(api.callsOf('labels.redo').length, 1);
  assert.deepEqual(shownLabels(d, [0, 1, 2]), [
    [5, 'human'],
    [5, 'human'],
    [5, 'human'],
  ]);
  assert.deepEqual(d.history, {
    canUndo: true,
    canRedo: false,
    undoLabel: 'label 3 images',
    redoLabel: null,
  });

  await d.redo();
  assert.equal(notices.items.at(-1)?.title, 'Nothing to redo.');
  assert.equal(notices.items.at(-1)?.kind, 'info');
});

test('a change event that arrives before the answer of the label call', async () => {
  const { api, dataset: d } = await open();
  d.click(4, {});
  d.click(5, { toggle: true });
  const answer = api.hold('labels.set');
  const saving = d.label(7);
  await settle();
  assert.deepEqual(api.callsOf('labels.set'), [{ imageIds: [5, 6], classId: 7 }]);

  api.deliverEvents();
  await settle();
  assert.deepEqual(api.callsOf('images.query').at(-1)?.filter, { kind: 'ids', ids: [5, 6] });
  assert.deepEqual(shownLabels(d, [4, 5]), [
    [7, 'human'],
    [7, 'human'],
  ]);
  assert.equal(d.history?.canUndo, true, 'the event refreshed undo before the answer came');
  assert.equal(d.counts?.labeled, 3);

  answer.release();
  assert.equal(await saving, true);
  assert.deepEqual(shownLabels(d, [4, 5]), [
    [7, 'human'],
    [7, 'human'],
  ]);
  assert.equal(d.history?.undoLabel, 'label 2 images');
});

test('an undo whose change event arrives before its answer', async () => {
  const { api, dataset: d } = await open();
  d.focusIndex(8);
  await d.label(2);
  api.deliverEvents();
  await settle();
  assert.deepEqual(shownLabels(d, [8]), [[2, 'human']]);

  const answer = api.hold('labels.undo');
  const undoing = d.undo();
  await settle();
  api.deliverEvents();
  await settle();
  assert.deepEqual(shownLabels(d, [8]), [[null, null]], 'restored before the answer came');
  assert.equal(d.history?.canRedo, true);
  answer.release();
  await undoing;
  assert.deepEqual(shownLabels(d, [8]), [[null, null]]);
  assert.deepEqual(d.history, {
    canUndo: false,
    canRedo: true,
    undoLabel: null,
    redoLabel: 'label 1 images',
  });
});

test('labels changed elsewhere are patched in place; a filter on labels becomes outdated', async () => {
  const { api, dataset: d } = await open();
  await d.setFilter({ kind: 'unlabeled' });
  assert.equal(d.total, 9);
  assert.equal(d.outdated, false);
  d.focusIndex(0);
  await d.label(4);
  // The image keeps its place in "Unlabeled", with its new label, until the view reloads.
  assert.equal(d.outdated, true);
  assert.equal(d.total, 9);
  assert.deepEqual(shownLabels(d, [0]), [[4, 'human']]);

  // Another window labels image 3 (position 1 here) and the event names it.
  api.images = api.images.map((r) => (r.id === 3 ? { ...r, classId: 6, labelSource: 'human' } : r));
  d.onChanged({ reason: 'labels', imageIds: [3] });
  await settle();
  assert.deepEqual(shownLabels(d, [1]), [[6, 'human']]);

  // Choosing the same filter again reloads it now that it is outdated.
  await d.setFilter({ kind: 'unlabeled' });
  assert.equal(d.outdated, false);
  assert.equal(d.total, 7);
  assert.equal(d.rowAt(0)?.id, 4);
});

test('imports reload the view at most twice a second; cancelPendingRefresh drops a waiting reload', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const { api, dataset: d } = await open();
  api.calls.length = 0;
  api.images = [...api.images, imageRow(11), imageRow(12)];

  d.onChanged({ reason: 'import' });
  d.onChanged({ reason: 'import' });
  d.onChanged({ reason: 'rescan' });
  t.mock.timers.tick(499);
  await settle();
  assert.equal(api.calls.length, 0, 'nothing reloads before the burst is gathered');
  t.mock.timers.tick(1);
  await settle();
  assert.deepEqual(api.calls.map((c) => c.method).sort(), [
    'images.counts',
    'images.query',
    'labels.history',
  ]);
  assert.equal(d.total, 12);
  assert.equal(d.counts?.total, 12);

  // The project closes while a reload waits on its timer: it never runs.
  api.calls.length = 0;
  d.onChanged({ reason: 'import' });
  d.cancelPendingRefresh();
  t.mock.timers.tick(2000);
  await settle();
  assert.equal(api.calls.length, 0);

  // After a cancel the next burst schedules its reload again.
  d.onChanged({ reason: 'removed' });
  t.mock.timers.tick(500);
  await settle();
  assert.equal(api.callsOf('images.query').length, 1);
});

test('a label change that names no images refreshes the rows on screen and drops the rest', async () => {
  const { api, dataset: d } = await open(1000);
  d.setScrollTop(20_000); // rows 107–110 on screen: positions 400–447 with overscan
  await settle();
  d.setScrollTop(0);
  await settle();
  assert.equal(d.rowAt(420)?.id, 421, 'a page far from the window is still in memory');
  api.calls.length = 0;
  // A CSV import relabels images 1 and 421.
  api.images = api.images.map((r) =>
    r.id === 1 || r.id === 421 ? { ...r, classId: 9, labelSource: 'imported' } : r,
  );
  d.onChanged({ reason: 'csv' });
  await settle();
  assert.deepEqual(shownLabels(d, [0]), [[9, 'imported']]);
  assert.equal(d.rowAt(420), undefined, 'pages outside the window are dropped, not checked');
  const asked = api.callsOf('images.query').map((a) => a.filter?.ids?.length);
  assert.deepEqual(asked, [200], 'only the window’s page was asked for');
  assert.equal(api.callsOf('images.counts').length, 1);
});
