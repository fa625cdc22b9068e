/* eslint-disable svelte/prefer-svelte-reactivity -- Maps and Sets here are either immutable snapshots
   replaced whole inside $state.raw (so one assignment notifies), or private bookkeeping no template reads. */
import type { Api, ImageRow, LabelSource } from '../../../../src/api/contract.ts';
import type { Notices } from '../notices.svelte.ts';
import { dependsOnLabels, sameFilter, toImageFilter, type GridFilter } from '../filters.ts';
import type { IndexSet } from '../grid/index-set.ts';
import { patchRows, rowAt, withPage, type Pages } from '../grid/page-cache.ts';
import { pagesCovering, type GridWindow } from '../grid/virtual.ts';

export const PAGE_SIZE = 200;
/** Pages kept in memory (~12 000 rows): far-away pages are dropped and fetched again if needed. */
const MAX_PAGES = 60;
const MAX_INFLIGHT = 2;
/** A selection larger than this is resolved to ids by the backend, not from loaded pages. */
const MAX_LOADED_IDS = 5000;
const IDS_PER_QUERY = 1000;

export type SortKey = 'added' | 'name' | 'path';

export interface LabelPatch {
  classId: number | null;
  labelSource: LabelSource | null;
}

/**
 * The filtered, sorted image list as lazily loaded pages. Every reload starts a generation:
 * answers of an older one are dropped, and its pages may still render until their fresh copy
 * arrives. Membership is stable while a person labels (a labeled image stays in "Unlabeled"
 * with its new chip); `outdated` says so until the next reload.
 */
export class PagedRows {
  readonly #api: Api;
  readonly #notices: Notices;
  readonly #window: () => GridWindow;
  readonly #onTotal: (total: number) => void;

  #filter = $state.raw<GridFilter>({ kind: 'all' });
  #search = $state('');
  #sort = $state<SortKey>('added');
  #total = $state(0);
  #loaded = $state(false);
  #loading = $state(false);
  #pages = $state.raw<Pages<ImageRow>>(new Map());
  /** Labels changed since the view was loaded, and the filter depends on labels. */
  #outdated = $state(false);

  // Plain bookkeeping, not shown: which pages belong to the current generation, what is loading.
  #generation = 0;
  #fresh = new Set<number>();
  #inflight = new Set<number>();

  /**
   * `window` is the part of the list on screen (pages are fetched for it); `onTotal` hears
   * when the length of the list changes, before the rows past its end are dropped.
   */
  constructor(
    api: Api,
    notices: Notices,
    opts: { window: () => GridWindow; onTotal: (total: number) => void },
  ) {
    this.#api = api;
    this.#notices = notices;
    this.#window = opts.window;
    this.#onTotal = opts.onTotal;
  }

  get filter(): GridFilter {
    return this.#filter;
  }
  get search(): string {
    return this.#search;
  }
  get sort(): SortKey {
    return this.#sort;
  }
  get total(): number {
    return this.#total;
  }
  get loaded(): boolean {
    return this.#loaded;
  }
  get loading(): boolean {
    return this.#loading;
  }
  get outdated(): boolean {
    return this.#outdated;
  }
  get pages(): Pages<ImageRow> {
    return this.#pages;
  }

  rowAt(index: number): ImageRow | undefined {
    return rowAt(this.#pages, index, PAGE_SIZE);
  }

  /** Whether `filter` is what is shown already, with membership still up to date. */
  shows(filter: GridFilter): boolean {
    return sameFilter(filter, this.#filter) && !this.#outdated;
  }

  async setFilter(filter: GridFilter): Promise<void> {
    this.#filter = filter;
    await this.reload();
  }

  async setSearch(search: string): Promise<void> {
    this.#search = search;
    await this.reload();
  }

  async setSort(sort: SortKey): Promise<void> {
    this.#sort = sort;
    await this.reload();
  }

  /** New generation: with `keepRows`, the old rows stay on screen until fresh ones replace them. */
  async reload(opts: { keepRows?: boolean } = {}): Promise<void> {
    const gen = ++this.#generation;
    this.#fresh = new Set();
    this.#inflight = new Set();
    this.#outdated = false;
    if (!opts.keepRows) this.#pages = new Map();
    this.#loading = true;
    try {
      const first = Math.floor(this.#window().start / PAGE_SIZE);
      await this.#fetchPage(first, gen);
    } finally {
      if (gen === this.#generation) {
        this.#loading = false;
        this.#loaded = true;
      }
    }
  }

  async #fetchPage(page: number, gen: number): Promise<void> {
    this.#inflight.add(page);
    try {
      const result = await this.#api.call('images.query', {
        filter: toImageFilter(this.#filter, this.#search),
        sort: this.#sort,
        order: 'asc',
        offset: page * PAGE_SIZE,
        limit: PAGE_SIZE,
      });
      if (gen !== this.#generation) return;
      this.#notices.resolve('images');
      this.#fresh.add(page);
      if (result.total !== this.#total) {
        this.#total = result.total;
        this.#onTotal(result.total);
        this.#pages = dropBeyond(this.#pages, result.total);
      }
      const { start, end } = this.#window();
      const keep = pagesCovering(start, end, PAGE_SIZE);
      this.#pages = withPage(this.#pages, page, result.items, { maxPages: MAX_PAGES, keep });
    } catch (err) {
      if (gen === this.#generation) this.#notices.error(err, 'Could not load images', 'images');
    } finally {
      this.#inflight.delete(page);
    }
    if (gen === this.#generation) this.pump();
  }

  /**
   * Fetches missing pages of the window as it is *now*: pages scrolled past while a request
   * was out are never asked for, so a fast scroll through 100 000 images stays cheap.
   */
  pump(): void {
    const gen = this.#generation;
    const { start, end, visibleStart, visibleEnd } = this.#window();
    if (end <= start) return;
    const wanted = [
      ...pagesCovering(visibleStart, visibleEnd, PAGE_SIZE),
      ...pagesCovering(start, end, PAGE_SIZE),
    ];
    for (const p of wanted) {
      if (this.#inflight.size >= MAX_INFLIGHT) return;
      if (this.#fresh.has(p) && this.#pages.has(p)) continue;
      if (this.#inflight.has(p)) continue;
      void this.#fetchPage(p, gen);
    }
  }

  /** Labels changed somewhere: a filter on labels no longer shows exactly the right images. */
  markLabelsChanged(): void {
    if (dependsOnLabels(this.#filter)) this.#outdated = true;
  }

  /** Shows new labels on loaded rows at once; returns what they had, for `restoreLabels`. */
  applyLabels(ids: readonly number[], patch: LabelPatch): Map<number, LabelPatch> {
    const wanted = new Set(ids);
    const before = new Map<number, LabelPatch>();
    this.#pages = patchRows(this.#pages, (row) => {
      if (!wanted.has(row.id)) return null;
      before.set(row.id, { classId: row.classId, labelSource: row.labelSource });
      return { ...row, ...patch };
    });
    return before;
  }

  restoreLabels(before: ReadonlyMap<number, LabelPatch>): void {
    this.#pages = patchRows(this.#pages, (row) => {
      const old = before.get(row.id);
      return old ? { ...row, ...old } : null;
    });
  }

  /** Ids at these positions when all of them are loaded (and not too many), else null. */
  loadedIds(set: IndexSet): number[] | null {
    if (set.size > MAX_LOADED_IDS) return null;
    const ids: number[] = [];
    for (const i of set) {
      const row = this.rowAt(i);
      if (!row) return null;
      ids.push(row.id);
    }
    return ids;
  }

  /** Ids at these positions, asked of the backend in the current filter and order. */
  async fetchIds(set: IndexSet): Promise<number[]> {
    const ids: number[] = [];
    const filter = toImageFilter(this.#filter, this.#search);
    for (const [s, e] of set.ranges) {
      for (let offset = s; offset < e; offset += IDS_PER_QUERY) {
        const page = await this.#api.call('images.query', {
          filter,
          sort: this.#sort,
          order: 'asc',
          offset,
          limit: Math.min(IDS_PER_QUERY, e - offset),
        });
        for (const row of page.items) ids.push(row.id);
      }
    }
    return ids;
  }

  /**
   * Fetches the current labels of loaded rows by id (membership of the view stays as it is):
   * the rows in `changed`, or every row in the window when the backend did not say which.
   */
  async refreshLabels(changed: readonly number[] | null): Promise<void> {
    const loaded: number[] = [];
    const { start, end } = this.#window();
    const windowPages = new Set(pagesCovering(start, end, PAGE_SIZE));
    const wanted = changed ? new Set(changed) : null;
    for (const [p, rows] of this.#pages) {
      if (!wanted && !windowPages.has(p)) continue;
      for (const row of rows) if (!wanted || wanted.has(row.id)) loaded.push(row.id);
    }
    if (!wanted) {
      // Without a list of changed ids, pages outside the window are dropped rather than checked.
      const next = new Map(this.#pages);
      for (const p of next.keys()) if (!windowPages.has(p)) next.delete(p);
      this.#pages = next;
      for (const p of this.#fresh) if (!windowPages.has(p)) this.#fresh.delete(p);
    }
    const gen = this.#generation;
    for (let i = 0; i < loaded.length; i += IDS_PER_QUERY) {
      const ids = loaded.slice(i, i + IDS_PER_QUERY);
      let fresh: ImageRow[];
      try {
        fresh = (
          await this.#api.call('images.query', { filter: { kind: 'ids', ids }, offset: 0, limit: ids.length })
        ).items;
      } catch {
        return;
      }
      if (gen !== this.#generation) return;
      const byId = new Map(fresh.map((r) => [r.id, r]));
      this.#pages = patchRows(this.#pages, (row) => {
        const f = byId.get(row.id);
        return f && (f.classId !== row.classId || f.labelSource !== row.labelSource)
          ? { ...row, classId: f.classId, labelSource: f.labelSource }
          : null;
      });
    }
  }
}

function dropBeyond<T>(pages: Pages<T>, total: number): Pages<T> {
  const lastPage = Math.floor(Math.max(0, total - 1) / PAGE_SIZE);
  let next: Map<number, readonly T[]> | null = null;
  for (const p of pages.keys()) {
    if (p > lastPage || total === 0) {
      next ??= new Map(pages);
      next.delete(p);
    }
  }
  return next ?? pages;
}
