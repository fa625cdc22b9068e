import {
  MAX_IDS_IN_EVENT,
  type Api,
  type ClusterProposal,
  type Events,
  type ImageRow,
} from '../../../src/api/contract.ts';
import { concatPoints, decodePoints, type ColorBy, type DecodedPoints } from '../../../src/map/packed.ts';
import type { JobsState } from './jobs.svelte.ts';
import type { Notices } from './notices.svelte.ts';

const PAGE = 100_000;
/** Ids per images.query when patching changed labels (the grid asks in the same sizes). */
const IDS_PER_QUERY = 1000;
/** Past this many images relabeled while hidden, reading every point is cheaper than patching. */
const MAX_HIDDEN_LABEL_IDS = 10_000;
/** An own label change whose event has not arrived by then is taken as lost. */
const OWN_CHANGE_TTL_MS = 10_000;

/** A labels.set this map sent, until its dataset.changed echo arrives. */
interface OwnChange {
  ids: Set<number>;
  at: number;
}

export type ClusterGroup = ClusterProposal['clusters'][number];

/**
 * The map of the dataset: points (packed typed arrays, never one object per point), the lasso
 * selection, and the cluster proposals of cluster-first labeling.
 */
export class MapState {
  readonly #api: Api;
  readonly #jobs: JobsState;
  readonly #notices: Notices;
  points = $state.raw<DecodedPoints | null>(null);
  method = $state<'pca' | 'umap'>('pca');
  umap = $state<'current' | 'stale' | 'none'>('none');
  /** Points of the shown layout placed by their neighbours (or projected) rather than laid out. */
  placed = $state(0);
  withoutFeatures = $state(0);
  loading = $state(false);
  error = $state<string | null>(null);
  #colorBy = $state<ColorBy>('label');
  /** Point indices in the lasso selection. */
  selected = $state.raw<number[]>([]);
  layoutJob = $state<string | null>(null);
  clusters = $state.raw<ClusterGroup[] | null>(null);
  clusterInfo = $state<string>('');
  clustering = $state(false);
  accepting = $state(false);
  /** Bumped whenever labels change, so the plot recolours. */
  version = $state(0);
  /**
   * The points whose labels the change to `version` patched: the plot recolours only them.
   * Not reactive: read together with `version`.
   */
  labelPatch: { version: number; indices: readonly number[] } | null = null;
  /**
   * The "likely mislabeled" flags depend on the labels, and a patched label does not recompute
   * them (that needs the run's out-of-fold probabilities): they are read again before they show.
   */
  #mislabeledStale = false;
  #own: OwnChange[] = [];
  #reloading: Promise<void> | null = null;
  #reloadAgain = false;
  /** The freshness key of the points held (map.points' answer; labels aside). */
  #key: string | null = null;
  #shown = false;
  /** Images whose labels changed elsewhere while the map was hidden: patched when it shows. */
  // eslint-disable-next-line svelte/prefer-svelte-reactivity -- bookkeeping, never read by a template
  #hiddenLabelIds = new Set<number>();
  /** Labels changed while hidden in a way an event does not name (a big change, classes, import). */
  #labelsStale = false;

  constructor(api: Api, jobs: JobsState, notices: Notices) {
    this.#api = api;
    this.#jobs = jobs;
    this.#notices = notices;
  }

  get colorBy(): ColorBy {
    return this.#colorBy;
  }

  set colorBy(by: ColorBy) {
    this.#colorBy = by;
    if (by === 'mislabeled' && this.#mislabeledStale) void this.reloadKeepingSelection();
  }

  /** The running UMAP job, for its progress, ETA and cancel button. */
  get layoutProgress(): ReturnType<JobsState['get']> {
    return this.#jobs.get(this.layoutJob);
  }

  get selectedIds(): number[] {
    const p = this.points;
    return p ? this.selected.map((i) => p.ids[i]!) : [];
  }

  async load(): Promise<void> {
    this.loading = true;
    this.error = null;
    try {
      const first = await this.#api.call('map.points', { layout: 'auto', offset: 0, limit: PAGE });
      const pages = [first];
      let received = first.count;
      while (received < first.total) {
        const next = await this.#api.call('map.points', {
          layout: first.method,
          offset: received,
          limit: PAGE,
        });
        if (next.count === 0) break;
        pages.push(next);
        received += next.count;
      }
      // Read by the map benchmark with the plot's 'map:points-drawn': decoding and drawing count.
      performance.mark('map:data-arrived', { detail: { points: received } });
      let points = decodePoints(first);
      for (const page of pages.slice(1)) points = concatPoints(points, decodePoints(page));
      this.method = first.method;
      this.umap = first.umap;
      this.placed = first.placed;
      this.#key = first.key;
      this.#labelsStale = false;
      this.#hiddenLabelIds.clear();
      this.withoutFeatures = first.withoutFeatures;
      this.points = points;
      this.#mislabeledStale = false;
      this.selected = [];
      this.version++;
    } catch (err) {
      this.error = err instanceof Error ? err.message : String(err);
    } finally {
      this.loading = false;
    }
  }

  /**
   * The Map tab opens. Points held from an earlier visit are kept when the server says they are
   * still current (one small map.check instead of every point again); label changes made
   * meanwhile are patched from what the events named.
   */
  async show(): Promise<void> {
    this.#shown = true;
    if (this.loading) return;
    if (!this.points || this.#key === null || this.#labelsStale) return this.load();
    let unchanged: boolean;
    try {
      ({ unchanged } = await this.#api.call('map.check', { layout: 'auto', key: this.#key }));
    } catch {
      // An answer that did not come is no reason to show old points: read them all.
      unchanged = false;
    }
    if (!unchanged) return this.load();
    const ids = [...this.#hiddenLabelIds];
    this.#hiddenLabelIds.clear();
    if (ids.length > 0) await this.#patchLabels(ids);
  }

  /** The Map tab closes: changes are recorded, not read, until it opens again. */
  hide(): void {
    this.#shown = false;
  }

  /** Lays out UMAP; `force` lays out every point again (not only the ones new since the last layout). */
  async computeUmap(force = false): Promise<void> {
    try {
      const { jobId } = await this.#api.call('map.layout', { method: 'umap', force });
      this.layoutJob = jobId;
      this.#jobs.track(jobId, 'map-layout');
      const info = await this.#jobs.wait(jobId);
      this.layoutJob = null;
      if (info.status === 'succeeded') await this.load();
    } catch (err) {
      this.layoutJob = null;
      this.#notices.error(err, 'The map layout could not start');
    }
  }

  async cancelUmap(): Promise<void> {
    if (this.layoutJob) await this.#api.call('jobs.cancel', { jobId: this.layoutJob });
  }

  select(indices: number[]): void {
    const sorted = Int32Array.from(indices).sort();
    this.selected = Array.from(sorted).filter((v, k) => k === 0 || sorted[k - 1] !== v);
  }

  deselect(index: number): void {
    this.selected = this.selected.filter((i) => i !== index);
  }

  /** Labels the whole selection in one call, which the backend records as one undo step. */
  async labelSelection(classId: number | null): Promise<boolean> {
    const ids = this.selectedIds;
    if (ids.length === 0) return false;
    const indices = this.selected;
    const points = this.points!;
    // Registered before the call: the echo can arrive (WebSocket) before the answer (HTTP).
    // eslint-disable-next-line svelte/prefer-svelte-reactivity -- bookkeeping, never read by a template
    const own: OwnChange = { ids: new Set(ids), at: Date.now() };
    this.#own.push(own);
    try {
      const { changed } = await this.#api.call('labels.set', { imageIds: ids, classId });
      if (changed === 0) this.#forget(own);
      if (this.points === points) {
        for (const i of indices) points.label[i] = classId ?? 0;
        this.#labelsPatched(indices);
      }
      const images = `${ids.length} image${ids.length === 1 ? '' : 's'}`;
      this.#notices.success(classId === null ? `Cleared the labels of ${images}.` : `Labeled ${images}.`);
      return true;
    } catch (err) {
      this.#forget(own);
      this.#notices.error(err, 'The labels were not saved');
      return false;
    }
  }

  /**
   * Accepts the current run's suggested class for the unlabeled images of the selection, in one
   * call the backend records as one undo step. The new labels arrive with 'dataset.changed'.
   */
  async acceptSuggestions(): Promise<number | null> {
    const ids = this.selectedIds;
    if (ids.length === 0) return null;
    this.accepting = true;
    try {
      const { accepted } = await this.#api.call('suggestions.accept', { imageIds: ids });
      if (accepted === 0)
        this.#notices.info(
          'None of the selected images has a suggestion to accept: they are labeled already, or no trained run has predicted them yet.',
        );
      else this.#notices.success(`Accepted ${accepted} suggestion${accepted === 1 ? '' : 's'}.`);
      return accepted;
    } catch (err) {
      this.#notices.error(err, 'Could not accept the suggestions');
      return null;
    } finally {
      this.accepting = false;
    }
  }

  /**
   * `dataset.changed` while the map shows. A label change that names its images patches just
   * those points (one images.query per thousand, no map.points); the echo of the map's own
   * labels.set is already patched; anything else reads every point again.
   */
  async onChanged(e: Events['dataset.changed']): Promise<void> {
    if (!this.points) return;
    if (!this.#shown) return this.#recordHidden(e);
    if (e.reason !== 'labels') return this.reloadKeepingSelection();
    if (this.#consumeOwnEcho(e.imageIds)) return;
    if (!e.imageIds || this.#colorBy === 'mislabeled') return this.reloadKeepingSelection();
    await this.#patchLabels(e.imageIds);
  }

  /** Reads every point again, keeping the selection; calls while one runs share one more read. */
  async reloadKeepingSelection(): Promise<void> {
    if (this.#reloading) {
      this.#reloadAgain = true;
      return this.#reloading;
    }
    this.#reloading = (async () => {
      do {
        this.#reloadAgain = false;
        const keep = this.selected;
        await this.load();
        const n = this.points?.ids.length ?? 0;
        this.selected = keep.filter((i) => i < n);
      } while (this.#reloadAgain);
    })();
    try {
      await this.#reloading;
    } finally {
      this.#reloading = null;
    }
  }

  /**
   * A change while the map is hidden reads nothing. Splits, removals and rescans change what
   * map.check compares; labels do not, so those are remembered (by id when the event names
   * them, else as "read every point again").
   */
  #recordHidden(e: Events['dataset.changed']): void {
    if (e.reason === 'splits' || e.reason === 'removed' || e.reason === 'rescan') return;
    if (e.reason === 'labels' && this.#consumeOwnEcho(e.imageIds)) return;
    if (e.reason !== 'labels' || !e.imageIds || this.#hiddenLabelIds.size > MAX_HIDDEN_LABEL_IDS) {
      this.#labelsStale = true;
      this.#hiddenLabelIds.clear();
      return;
    }
    for (const id of e.imageIds) this.#hiddenLabelIds.add(id);
  }

  #consumeOwnEcho(imageIds: readonly number[] | undefined): boolean {
    const now = Date.now();
    this.#own = this.#own.filter((o) => now - o.at < OWN_CHANGE_TTL_MS);
    // An event names its images only when they are few; a change of more arrives without ids.
    const echo = imageIds
      ? this.#own.find((o) => o.ids.size === imageIds.length && imageIds.every((id) => o.ids.has(id)))
      : this.#own.find((o) => o.ids.size > MAX_IDS_IN_EVENT);
    if (!echo) return false;
    this.#forget(echo);
    return true;
  }

  #forget(own: OwnChange): void {
    this.#own = this.#own.filter((o) => o !== own);
  }

  async #patchLabels(imageIds: readonly number[]): Promise<void> {
    const points = this.points!;
    const fresh: ImageRow[] = [];
    try {
      for (let at = 0; at < imageIds.length; at += IDS_PER_QUERY) {
        const ids = imageIds.slice(at, at + IDS_PER_QUERY);
        const page = await this.#api.call('images.query', {
          filter: { kind: 'ids', ids },
          offset: 0,
          limit: ids.length,
        });
        fresh.push(...page.items);
      }
    } catch {
      return this.reloadKeepingSelection();
    }
    if (this.points !== points) return;
    const indices: number[] = [];
    for (const row of fresh) {
      const i = indexOfId(points.ids, row.id);
      if (i < 0) continue;
      points.label[i] = row.classId ?? 0;
      indices.push(i);
    }
    this.#labelsPatched(indices);
  }

  #labelsPatched(indices: readonly number[]): void {
    this.#mislabeledStale = true;
    this.version++;
    this.labelPatch = { version: this.version, indices };
    if (this.#colorBy === 'mislabeled') void this.reloadKeepingSelection();
  }

  async image(id: number): Promise<ImageRow | null> {
    try {
      return await this.#api.call('images.get', { id });
    } catch {
      return null;
    }
  }

  async proposeClusters(k: number | null): Promise<void> {
    this.clustering = true;
    try {
      const p = await this.#api.call('clusters.propose', {
        ...(k !== null ? { k } : {}),
        scope: 'unlabeled',
        typical: 8,
        atypical: 4,
      });
      this.clusters = p.clusters;
      this.clusterInfo =
        `${p.k} groups of unlabeled images` +
        (p.automatic ? ' (number picked automatically)' : '') +
        (p.withoutFeatures > 0 ? ` · ${p.withoutFeatures} without features left out` : '');
    } catch (err) {
      this.#notices.error(err, 'Could not group the images');
    } finally {
      this.clustering = false;
    }
  }

  /** Names a group: creates the class (or reuses one of that name) and labels every member. */
  async nameGroup(
    group: ClusterGroup,
    name: string,
    existing: { id: number; name: string }[],
  ): Promise<boolean> {
    const trimmed = name.trim();
    if (!trimmed) {
      this.#notices.info('Type a name for the group first.');
      return false;
    }
    try {
      const same = existing.find((c) => c.name.toLocaleLowerCase() === trimmed.toLocaleLowerCase());
      const classId = same ? same.id : (await this.#api.call('classes.create', { name: trimmed })).id;
      await this.#api.call('labels.set', { imageIds: group.imageIds, classId });
      this.clusters = (this.clusters ?? []).filter((g) => g !== group);
      this.#notices.success(`Labeled ${group.size} images "${trimmed}".`);
      return true;
    } catch (err) {
      this.#notices.error(err, 'The group was not named');
      return false;
    }
  }

  /** Splits a group in two by clustering only its members. */
  async splitGroup(group: ClusterGroup): Promise<void> {
    if (group.size < 2) return;
    try {
      const p = await this.#api.call('clusters.propose', {
        k: 2,
        scope: 'unlabeled',
        imageIds: group.imageIds,
        typical: 8,
        atypical: 4,
      });
      const list = [...(this.clusters ?? [])];
      list.splice(list.indexOf(group), 1, ...p.clusters);
      this.clusters = list.map((g, index) => ({ ...g, index }));
    } catch (err) {
      this.#notices.error(err, 'Could not split the group');
    }
  }
}

/** The position of `id` in ids sorted ascending (map.points answers in id order), or -1. */
export function indexOfId(ids: Int32Array, id: number): number {
  let lo = 0;
  let hi = ids.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const v = ids[mid]!;
    if (v === id) return mid;
    if (v < id) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}
