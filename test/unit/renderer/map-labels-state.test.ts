/// <reference types="svelte" />
// Label changes reaching the map: the map's state class (compiled by Svelte, see
// test/helpers/svelte-runes.ts) against a fake backend that announces label changes the way
// the real one does (ids up to MAX_IDS_IN_EVENT, none for bigger changes). Reading every point
// again (map.points) for each change was what made a lasso's labeling slow.
import '../../helpers/svelte-runes.ts';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  MAX_IDS_IN_EVENT,
  type Api,
  type EventName,
  type Events,
  type ImageRow,
  type MethodArgs,
  type MethodName,
  type MethodResult,
} from '../../../src/api/contract.ts';
import { packMapPoints } from '../../../src/map/map-data.ts';

const { MapState, indexOfId } = await import('../../../renderer/src/lib/map.svelte.ts');
const { JobsState } = await import('../../../renderer/src/lib/jobs.svelte.ts');
const { Notices } = await import('../../../renderer/src/lib/notices.svelte.ts');

type Listener = (payload: never) => void;

/** Images 1…n (ids 10, 20, …: not positions), all unlabeled, on a line. */
class FakeMapApi implements Api {
  readonly labels = new Map<number, number | null>();
  readonly predicted = new Map<number, number>();
  readonly calls: string[] = [];
  readonly #listeners = new Map<string, Set<Listener>>();
  readonly #undo: { ids: number[]; before: (number | null)[] }[] = [];
  /** When set, events of labels.set are delivered after its answer (HTTP and WebSocket race). */
  eventsAfterAnswer = false;

  constructor(readonly ids: number[]) {
    for (const id of ids) this.labels.set(id, null);
  }

  on<E extends EventName>(event: E, listener: (payload: Events[E]) => void): () => void {
    const set = this.#listeners.get(event) ?? new Set<Listener>();
    set.add(listener as Listener);
    this.#listeners.set(event, set);
    return () => set.delete(listener as Listener);
  }

  emit<E extends EventName>(event: E, payload: Events[E]): void {
    for (const l of this.#listeners.get(event) ?? []) (l as (p: Events[E]) => void)(payload);
  }

  /** What the dataset handlers announce for a label change of these images. */
  announce(ids: number[]): void {
    this.emit(
      'dataset.changed',
      ids.length <= MAX_IDS_IN_EVENT ? { reason: 'labels', imageIds: ids } : { reason: 'labels' },
    );
  }

  /** A change made elsewhere (the grid, another window). */
  setElsewhere(ids: number[], classId: number | null): void {
    for (const id of ids) this.labels.set(id, classId);
    this.announce(ids);
  }

  async call<M extends MethodName>(method: M, args: MethodArgs<M>): Promise<MethodResult<M>> {
    await Promise.resolve();
    this.calls.push(method);
    const a = args as Record<string, unknown>;
    switch (method) {
      case 'map.points': {
        const { offset, limit } = a as { offset: number; limit: number };
        return this.#page(offset, limit) as MethodResult<M>;
      }
      case 'map.check': {
        // The real key (src/map/map-data.ts): labels aside, so a label change keeps it.
        const { key } = this.#page(0, 1);
        return { unchanged: key === (a as { key: string }).key, key } as MethodResult<M>;
      }
      case 'images.query': {
        const { ids } = (a as { filter: { ids: number[] } }).filter;
        const items = ids.map((id) => ({ id, classId: this.labels.get(id) ?? null }) as ImageRow);
        return { total: items.length, offset: 0, items } as MethodResult<M>;
      }
      case 'labels.set': {
        const { imageIds, classId } = a as { imageIds: number[]; classId: number | null };
        this.#undo.push({ ids: imageIds, before: imageIds.map((id) => this.labels.get(id) ?? null) });
        for (const id of imageIds) this.labels.set(id, classId);
        if (this.eventsAfterAnswer) setTimeout(() => this.announce(imageIds), 5);
        else this.announce(imageIds);
        return { changed: imageIds.length } as MethodResult<M>;
      }
      case 'labels.undo': {
        const step = this.#undo.pop()!;
        step.ids.forEach((id, k) => this.labels.set(id, step.before[k]!));
        this.announce(step.ids);
        return { changed: step.ids.length } as MethodResult<M>;
      }
      default:
        throw new Error(`the fake has no ${method}`);
    }
  }

  #page(offset: number, limit: number) {
    const rows = this.ids.map((id) => ({
      id,
      hash: id.toString(16).padStart(64, '0'),
      split: 'train' as const,
      class_id: this.labels.get(id) ?? null,
      pred: this.predicted.get(id) ?? null,
      probability: null,
      mislabeled: null,
    }));
    const layout = {
      method: 'pca' as const,
      key: 'k',
      hashes: rows.map((r) => r.hash),
      coords: Float32Array.from(rows.flatMap((_, i) => [i / rows.length, 0])),
      seconds: 0,
      createdAt: '',
      placed: 0,
    };
    return packMapPoints(rows, layout, { offset, limit, umap: 'none' });
  }

  count(method: string): number {
    return this.calls.filter((c) => c === method).length;
  }
}

async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
}

async function openMap(n: number) {
  const api = new FakeMapApi(Array.from({ length: n }, (_, i) => (i + 1) * 10));
  const notices = new Notices();
  const map = new MapState(api, new JobsState(api, notices), notices);
  // What Workspace does: the feed goes to the map, which is told when its tab shows.
  api.on('dataset.changed', (e) => void map.onChanged(e));
  await map.show();
  api.calls.length = 0;
  return { api, map, notices };
}

type Map = Awaited<ReturnType<typeof openMap>>['map'];

function labelOf(map: Map, id: number): number {
  return map.points!.label[indexOfId(map.points!.ids, id)]!;
}

test('a label change that names its images patches those points without reading the map again', async () => {
  const { api, map } = await openMap(50);
  const before = map.points;
  const version = map.version;
  api.setElsewhere([20, 40, 500], 3);
  await settle();
  assert.equal(api.count('map.points'), 0, 'no map.points');
  assert.equal(api.count('images.query'), 1, 'one query for the named images');
  assert.equal(map.points, before, 'the same points, patched');
  assert.deepEqual(
    [20, 40, 500, 30].map((id) => labelOf(map, id)),
    [3, 3, 3, 0],
  );
  assert.ok(map.version > version, 'the plot is told to recolour');
  assert.equal(map.labelPatch?.version, map.version, 'only the patched points');
  assert.deepEqual(
    [...map.labelPatch.indices].map((i) => before!.ids[i]).sort((a, b) => a! - b!),
    [20, 40, 500].filter((id) => indexOfId(before!.ids, id) >= 0),
  );
});

test('a label change without ids reads every point again and keeps the selection', async () => {
  const { api, map } = await openMap(50);
  map.select([1, 2, 3]);
  for (const id of [10, 20]) api.labels.set(id, 2);
  api.emit('dataset.changed', { reason: 'labels' });
  await settle();
  assert.equal(api.count('map.points'), 1);
  assert.deepEqual(
    [10, 20, 30].map((id) => labelOf(map, id)),
    [2, 2, 0],
  );
  assert.deepEqual(map.selected, [1, 2, 3]);
});

test('other changes (an import, classes) read every point again', async () => {
  const { api } = await openMap(10);
  api.emit('dataset.changed', { reason: 'import', imageIds: [10] });
  await settle();
  assert.equal(api.count('map.points'), 1);
});

for (const size of [MAX_IDS_IN_EVENT + 200, 40]) {
  for (const late of [false, true]) {
    test(`labeling a lasso of ${size} patches the map itself: its echo reads nothing (event ${late ? 'after' : 'before'} the answer)`, async () => {
      const { api, map, notices } = await openMap(MAX_IDS_IN_EVENT + 500);
      api.eventsAfterAnswer = late;
      map.select(Array.from({ length: size }, (_, i) => i + 3));
      assert.equal(await map.labelSelection(4), true);
      await new Promise((resolve) => setTimeout(resolve, 20));
      await settle();
      assert.equal(api.count('labels.set'), 1);
      assert.equal(api.count('map.points'), 0, 'no map.points');
      assert.equal(api.count('images.query'), 0, 'no images.query');
      const p = map.points!;
      assert.deepEqual([p.label[2], p.label[3], p.label[size + 2], p.label[size + 3]], [0, 4, 4, 0]);
      assert.equal(notices.items.at(-1)?.title, `Labeled ${size} images.`);
      assert.equal(map.labelPatch?.version, map.version, 'the plot recolours only the selection');
      assert.deepEqual(map.labelPatch.indices, map.selected);

      // A change made elsewhere after that is still applied.
      api.setElsewhere(late ? [10] : [10, 20], 1);
      await settle();
      assert.equal(labelOf(map, 10), 1);
    });
  }
}

test('undo of a lasso labeling updates the map', async () => {
  const { api, map } = await openMap(100);
  map.select([0, 1, 2, 3, 4]);
  await map.labelSelection(2);
  await settle();
  assert.equal(labelOf(map, 10), 2);
  await api.call('labels.undo', {} as MethodArgs<'labels.undo'>);
  await settle();
  assert.deepEqual(
    [10, 20, 30, 40, 50].map((id) => labelOf(map, id)),
    [0, 0, 0, 0, 0],
  );
  assert.equal(api.count('map.points'), 0);
});

test('"likely mislabeled" flags are read again before they show after a patch', async () => {
  const { api, map } = await openMap(20);
  api.setElsewhere([10], 1);
  await settle();
  assert.equal(api.count('map.points'), 0);
  map.colorBy = 'mislabeled';
  await settle();
  assert.equal(api.count('map.points'), 1, 'the flags depend on the labels');
  map.colorBy = 'label';
  map.colorBy = 'mislabeled';
  await settle();
  assert.equal(api.count('map.points'), 1, 'read once per change');
  api.setElsewhere([20], 1);
  await settle();
  assert.equal(api.count('map.points'), 2, 'while they show, a label change reads them again');
});

test('opening the map again with nothing changed asks map.check, not map.points', async () => {
  const { api, map } = await openMap(30);
  const points = map.points;
  map.select([1, 2]);
  map.hide();
  await map.show();
  map.hide();
  await map.show();
  assert.equal(api.count('map.points'), 0, 'the points are kept');
  assert.equal(api.count('map.check'), 2);
  assert.equal(map.points, points);
  assert.deepEqual(map.selected, [1, 2], 'and the selection with them');
});

test('label changes while the map is hidden read nothing, and show when it opens', async () => {
  const { api, map } = await openMap(30);
  map.hide();
  api.setElsewhere([20, 40], 5);
  api.setElsewhere([40], 6);
  await settle();
  assert.deepEqual(api.calls, [], 'nothing is read while hidden');
  await map.show();
  await settle();
  assert.equal(api.count('map.points'), 0);
  assert.equal(api.count('images.query'), 1, 'one query for the images named while hidden');
  assert.deepEqual(
    [10, 20, 40].map((id) => labelOf(map, id)),
    [0, 5, 6],
  );
});

test('a label change without ids, or classes, while hidden reads every point once on opening', async () => {
  for (const event of [{ reason: 'labels' }, { reason: 'classes' }] as const) {
    const { api, map } = await openMap(30);
    map.hide();
    api.labels.set(10, 2);
    api.emit('dataset.changed', event);
    await settle();
    assert.deepEqual(api.calls, []);
    await map.show();
    assert.equal(api.count('map.points'), 1, event.reason);
    assert.equal(labelOf(map, 10), 2);
    map.hide();
    await map.show();
    assert.equal(api.count('map.points'), 1, 'once');
  }
});

test('new images with features or new predictions while hidden: the check says so and the map reloads', async () => {
  const { api, map } = await openMap(30);
  map.hide();
  api.ids.push(310);
  api.emit('dataset.changed', { reason: 'splits' });
  await map.show();
  assert.equal(api.count('map.check'), 1);
  assert.equal(api.count('map.points'), 1);
  assert.equal(map.points!.ids.length, 31);
  map.hide();
  api.predicted.set(10, 3);
  await map.show();
  assert.equal(api.count('map.points'), 2, 'a prediction changed');
  assert.equal(map.points!.predicted[0], 3);
});

test('indexOfId finds positions in sorted ids', () => {
  const ids = Int32Array.from([3, 8, 9, 40]);
  assert.deepEqual(
    [3, 8, 9, 40, 1, 10, 41].map((id) => indexOfId(ids, id)),
    [0, 1, 2, 3, -1, -1, -1],
  );
});
