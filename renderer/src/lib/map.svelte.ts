import type { ClusterProposal, ImageRow } from '../../../src/api/contract.ts';
import { concatPoints, decodePoints, type ColorBy, type DecodedPoints } from '../../../src/map/packed.ts';
import type { Api } from './api.ts';
import type { JobsState } from './jobs.svelte.ts';
import type { Notices } from './notices.svelte.ts';

const PAGE = 100_000;

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
  withoutFeatures = $state(0);
  loading = $state(false);
  error = $state<string | null>(null);
  colorBy = $state<ColorBy>('label');
  /** Point indices in the lasso selection. */
  selected = $state.raw<number[]>([]);
  layoutJob = $state<string | null>(null);
  clusters = $state.raw<ClusterGroup[] | null>(null);
  clusterInfo = $state<string>('');
  clustering = $state(false);
  accepting = $state(false);
  /** Bumped whenever labels change, so the plot recolours. */
  version = $state(0);

  constructor(api: Api, jobs: JobsState, notices: Notices) {
    this.#api = api;
    this.#jobs = jobs;
    this.#notices = notices;
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
      this.withoutFeatures = first.withoutFeatures;
      this.points = points;
      this.selected = [];
      this.version++;
    } catch (err) {
      this.error = err instanceof Error ? err.message : String(err);
    } finally {
      this.loading = false;
    }
  }

  async computeUmap(): Promise<void> {
    try {
      const { jobId } = await this.#api.call('map.layout', { method: 'umap', force: false });
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
    try {
      await this.#api.call('labels.set', { imageIds: ids, classId });
      const p = this.points!;
      for (const i of this.selected) p.label[i] = classId ?? 0;
      this.version++;
      const images = `${ids.length} image${ids.length === 1 ? '' : 's'}`;
      this.#notices.success(classId === null ? `Cleared the labels of ${images}.` : `Labeled ${images}.`);
      return true;
    } catch (err) {
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

  /** Labels changed elsewhere (undo, the grid): read them again, keeping the selection. */
  async refreshLabels(): Promise<void> {
    if (!this.points) return;
    const keep = this.selected;
    await this.load();
    this.selected = keep.filter((i) => i < (this.points?.ids.length ?? 0));
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
