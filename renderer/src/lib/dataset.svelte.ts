/* eslint-disable svelte/prefer-svelte-reactivity -- Maps and Sets here are either immutable snapshots
   replaced whole inside $state.raw (so one assignment notifies), or private bookkeeping no template reads. */
import type {
  DatasetCounts,
  Events,
  HistoryState,
  ImageRow,
  LabelSource,
} from '../../../src/api/contract.ts';
import type { Api } from './api.ts';
import type { Notices } from './notices.svelte.ts';
import { dependsOnLabels, sameFilter, toImageFilter, type GridFilter } from './filters.ts';
import type { IndexSet } from './grid/index-set.ts';
import type { GridCommand } from './grid/keyboard.ts';
import { patchRows, rowAt, withPage, type Pages } from './grid/page-cache.ts';
import {
  advance,
  clampSelection,
  click,
  emptySelection,
  move,
  selectAll,
  single,
  targets,
  type ClickModifiers,
  type Direction,
  type Selection,
} from './grid/selection.ts';
import {
  layoutFor,
  pagesCovering,
  rowsPerPage,
  scrollToReveal,
  windowFor,
  type CellSize,
} from './grid/virtual.ts';

export const PAGE_SIZE = 200;
/** Pages kept in memory (~12 000 rows): far-away pages are dropped and fetched again if needed. */
const MAX_PAGES = 60;
const MAX_INFLIGHT = 2;
const OVERSCAN_ROWS = 4;
export const CELL: CellSize = { width: 152, height: 178, gap: 8, padding: 12 };

export type SortKey = 'added' | 'name' | 'path';

interface LabelPatch {
  classId: number | null;
  labelSource: LabelSource | null;
}

/**
 * The dataset view: the filtered image list as lazily loaded pages, the visible window of the
 * virtual grid, the selection and cursor, keyboard labeling with optimistic updates, undo/redo,
 * counts and the viewer. Membership of the view is stable while a person labels (a labeled
 * image stays in "Unlabeled" with its new chip) until they refresh or change the filter.
 */
export class DatasetState {
  readonly #api: Api;
  readonly #notices: Notices;

  #filter = $state.raw<GridFilter>({ kind: 'all' });
  #search = $state('');
  #sort = $state<SortKey>('added');
  #total = $state(0);
  #loaded = $state(false);
  #loading = $state(false);
  #pages = $state.raw<Pages<ImageRow>>(new Map());
  #selection = $state.raw<Selection>(emptySelection);
  #counts = $state.raw<DatasetCounts | null>(null);
  #history = $state.raw<HistoryState | null>(null);
  #viewer = $state(false);
  /** Labels changed since the view was loaded, and the filter depends on labels. */
  #outdated = $state(false);

  /** Scrolling by more than half a screen per event: thumbnails wait until it slows down. */
  #flinging = $state(false);
  #flingTimer: ReturnType<typeof setTimeout> | null = null;
  #width = $state(800);
  #height = $state(600);
  #scrollTop = $state(0);

  readonly layout = $derived(layoutFor(this.#width, CELL));
  readonly window = $derived(
    windowFor({
      scrollTop: this.#scrollTop,
      viewportHeight: this.#height,
      layout: this.layout,
      total: this.#total,
      overscanRows: OVERSCAN_ROWS,
    }),
  );
  readonly visible = $derived(range(this.window.start, this.window.end));
  readonly selectedCount = $derived(this.#selection.set.size);

  // Plain bookkeeping, not shown: which pages belong to the current generation, what is loading.
  #generation = 0;
  #fresh = new Set<number>();
  #inflight = new Set<number>();
  #view: { scrollTo(top: number): void } | null = null;
  #refreshTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(api: Api, notices: Notices) {
    this.#api = api;
    this.#notices = notices;
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
  get counts(): DatasetCounts | null {
    return this.#counts;
  }
  get history(): HistoryState | null {
    return this.#history;
  }
  get selection(): Selection {
    return this.#selection;
  }
  get cursor(): number | null {
    return this.#selection.cursor;
  }
  get viewerOpen(): boolean {
    return this.#viewer;
  }
  get outdated(): boolean {
    return this.#outdated;
  }
  get cursorRow(): ImageRow | undefined {
    const c = this.#selection.cursor;
    return c === null ? undefined : this.rowAt(c);
  }

  rowAt(index: number): ImageRow | undefined {
    return rowAt(this.#pages, index, PAGE_SIZE);
  }

  isSelected(index: number): boolean {
    return this.#selection.set.has(index);
  }

  // --- loading -------------------------------------------------------------------------------

  /** Counts, undo state and the first page of the current filter. */
  async load(): Promise<void> {
    await Promise.all([this.refreshCounts(), this.refreshHistory(), this.#reset()]);
  }

  async setFilter(filter: GridFilter): Promise<void> {
    if (sameFilter(filter, this.#filter) && !this.#outdated) return;
    this.#filter = filter;
    this.#selection = emptySelection;
    this.#viewer = false;
    this.#view?.scrollTo(0);
    this.#scrollTop = 0;
    await this.#reset();
  }

  async setSearch(search: string): Promise<void> {
    this.#search = search;
    this.#selection = emptySelection;
    await this.#reset();
  }

  async setSort(sort: SortKey): Promise<void> {
    this.#sort = sort;
    this.#selection = emptySelection;
    await this.#reset();
  }

  /** Reloads the view in place (after "labels changed"), keeping the scroll position. */
  async refresh(): Promise<void> {
    await this.#reset({ keepRows: true });
  }

  async refreshCounts(): Promise<void> {
    try {
      this.#counts = await this.#api.call('images.counts', {});
    } catch {
      // Counts decorate the sidebar; the grid still works without them.
    }
  }

  async refreshHistory(): Promise<void> {
    try {
      this.#history = await this.#api.call('labels.history', {});
    } catch {
      // Undo still works from the keyboard; only its label is missing.
    }
  }

  /** New generation: pages of the old one may still render until their fresh copy arrives. */
  async #reset(opts: { keepRows?: boolean } = {}): Promise<void> {
    const gen = ++this.#generation;
    this.#fresh = new Set();
    this.#inflight = new Set();
    this.#outdated = false;
    if (!opts.keepRows) this.#pages = new Map();
    this.#loading = true;
    try {
      const first = Math.floor(this.window.start / PAGE_SIZE);
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
        this.#selection = clampSelection(this.#selection, result.total);
        this.#pages = dropBeyond(this.#pages, result.total);
      }
      const keep = pagesCovering(this.window.start, this.window.end, PAGE_SIZE);
      this.#pages = withPage(this.#pages, page, result.items, { maxPages: MAX_PAGES, keep });
    } catch (err) {
      if (gen === this.#generation) this.#notices.error(err, 'Could not load images', 'images');
    } finally {
      this.#inflight.delete(page);
    }
    if (gen === this.#generation) this.#pump();
  }

  /**
   * Fetches missing pages of the window as it is *now*: pages scrolled past while a request
   * was out are never asked for, so a fast scroll through 100 000 images stays cheap.
   */
  #pump(): void {
    const gen = this.#generation;
    const { start, end, visibleStart, visibleEnd } = this.window;
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

  // --- viewport ------------------------------------------------------------------------------

  setViewport(width: number, height: number): void {
    if (width === this.#width && height === this.#height) return;
    this.#width = width;
    this.#height = height;
    this.#pump();
  }

  setScrollTop(top: number): void {
    const delta = Math.abs(top - this.#scrollTop);
    this.#scrollTop = top;
    if (delta > this.#height / 2) {
      // A fling or a scrollbar drag: cells fly past faster than their images could arrive, so
      // they show their label at once and fetch their image when the scrolling settles.
      this.#flinging = true;
      if (this.#flingTimer) clearTimeout(this.#flingTimer);
      this.#flingTimer = setTimeout(() => {
        this.#flingTimer = null;
        this.#flinging = false;
      }, 120);
    }
    this.#pump();
  }

  get flinging(): boolean {
    return this.#flinging;
  }

  /** The grid registers how to scroll, so keyboard moves can bring the cursor into view. */
  attachView(view: { scrollTo(top: number): void }): () => void {
    this.#view = view;
    return () => {
      if (this.#view === view) this.#view = null;
    };
  }

  reveal(index: number): void {
    const top = scrollToReveal(index, this.layout, this.#scrollTop, this.#height);
    if (top === null) return;
    this.#scrollTop = top;
    this.#view?.scrollTo(top);
    this.#pump();
  }

  // --- selection -----------------------------------------------------------------------------

  click(index: number, mods: ClickModifiers): void {
    this.#selection = click(this.#selection, index, mods);
  }

  selectAll(): void {
    this.#selection = selectAll(this.#selection, this.#total);
  }

  selectNone(): void {
    this.#selection = emptySelection;
  }

  /**
   * Runs a keyboard command. In the viewer (one image at a time) every arrow steps to the
   * previous or next image and only labeling, moving and undo apply. Returns whether it applied.
   */
  command(cmd: GridCommand, where: 'grid' | 'viewer' = 'grid'): boolean {
    switch (cmd.type) {
      case 'label':
      case 'clear':
        void this.label(cmd.type === 'label' ? cmd.classId : null, { advance: true });
        return true;
      case 'move':
        if (where === 'grid') this.move(cmd.dir, cmd.extend);
        else this.move(cmd.dir === 'up' ? 'left' : cmd.dir === 'down' ? 'right' : cmd.dir);
        return true;
      case 'undo':
        void this.undo();
        return true;
      case 'redo':
        void this.redo();
        return true;
      case 'open':
        if (where === 'grid') this.openViewer();
        return where === 'grid';
      case 'close':
        if (where === 'grid') this.selectNone();
        return where === 'grid';
      case 'selectAll':
        if (where === 'grid') this.selectAll();
        return where === 'grid';
    }
  }

  move(dir: Direction, extend = false): void {
    this.#selection = move(this.#selection, dir, {
      columns: this.layout.columns,
      total: this.#total,
      pageRows: rowsPerPage(this.#height, this.layout),
      extend,
    });
    if (this.#selection.cursor !== null) this.reveal(this.#selection.cursor);
  }

  focusIndex(index: number): void {
    if (index < 0 || index >= this.#total) return;
    this.#selection = single(index);
    this.reveal(index);
  }

  // --- viewer --------------------------------------------------------------------------------

  openViewer(): void {
    if (this.#total === 0) return;
    if (this.#selection.cursor === null) this.#selection = single(0);
    this.#viewer = true;
  }

  closeViewer(): void {
    this.#viewer = false;
    if (this.#selection.cursor !== null) this.reveal(this.#selection.cursor);
  }

  // --- labeling ------------------------------------------------------------------------------

  /**
   * Labels the selection (or the cursor cell), shows it at once, and moves on. If the backend
   * refuses, the old labels come back and the reason is shown.
   */
  async label(classId: number | null, opts: { advance?: boolean } = {}): Promise<boolean> {
    const set = targets(this.#selection);
    if (set.isEmpty) return false;
    const ids = this.#loadedIds(set) ?? (await this.#fetchIds(set));
    if (ids.length === 0) return false;
    const before = new Map<number, LabelPatch>();
    const wanted = new Map<number, LabelPatch>();
    for (const id of ids) wanted.set(id, { classId, labelSource: classId === null ? null : 'human' });
    this.#pages = patchRows(this.#pages, (row) => {
      const next = wanted.get(row.id);
      if (!next) return null;
      before.set(row.id, { classId: row.classId, labelSource: row.labelSource });
      return { ...row, ...next };
    });
    if (opts.advance) this.#selection = advance(this.#selection, this.#total);
    if (this.#selection.cursor !== null && opts.advance) this.reveal(this.#selection.cursor);
    try {
      const change = await this.#api.call('labels.set', { imageIds: ids, classId });
      this.#history = change.history;
      if (dependsOnLabels(this.#filter)) this.#outdated = true;
      return true;
    } catch (err) {
      this.#pages = patchRows(this.#pages, (row) => {
        const old = before.get(row.id);
        return old ? { ...row, ...old } : null;
      });
      this.#notices.error(err, 'The label was not saved');
      return false;
    }
  }

  async undo(): Promise<void> {
    await this.#step('labels.undo', 'Nothing to undo.');
  }

  async redo(): Promise<void> {
    await this.#step('labels.redo', 'Nothing to redo.');
  }

  async #step(method: 'labels.undo' | 'labels.redo', nothing: string): Promise<void> {
    try {
      const change = await this.#api.call(method, {});
      this.#history = change.history;
      if (change.step === null) this.#notices.info(nothing);
      // The `dataset.changed` event that follows brings the restored labels into the grid.
    } catch (err) {
      this.#notices.error(err, method === 'labels.undo' ? 'Undo failed' : 'Redo failed');
    }
  }

  /** Ids of the selected positions, resolving pages that are not loaded. */
  async selectedIds(): Promise<number[]> {
    const set = targets(this.#selection);
    return this.#loadedIds(set) ?? (await this.#fetchIds(set));
  }

  #loadedIds(set: IndexSet): number[] | null {
    if (set.size > 5000) return null;
    const ids: number[] = [];
    for (const i of set) {
      const row = this.rowAt(i);
      if (!row) return null;
      ids.push(row.id);
    }
    return ids;
  }

  async #fetchIds(set: IndexSet): Promise<number[]> {
    const ids: number[] = [];
    const filter = toImageFilter(this.#filter, this.#search);
    for (const [s, e] of set.ranges) {
      for (let offset = s; offset < e; offset += 1000) {
        const page = await this.#api.call('images.query', {
          filter,
          sort: this.#sort,
          order: 'asc',
          offset,
          limit: Math.min(1000, e - offset),
        });
        for (const row of page.items) ids.push(row.id);
      }
    }
    return ids;
  }

  // --- events --------------------------------------------------------------------------------

  /** `dataset.changed`: refresh counts; labels are patched in place, imports reload the view. */
  onChanged(e: Events['dataset.changed']): void {
    if (e.reason === 'labels' || e.reason === 'csv') {
      void this.refreshCounts();
      void this.refreshHistory();
      void this.#refreshLabels(e.imageIds ?? null);
      if (dependsOnLabels(this.#filter)) this.#outdated = true;
      return;
    }
    // Imports and rescans send many events: reload at most twice a second.
    if (this.#refreshTimer) return;
    this.#refreshTimer = setTimeout(() => {
      this.#refreshTimer = null;
      void this.refreshCounts();
      void this.refreshHistory();
      void this.refresh();
    }, 500);
  }

  /** Drops a reload still waiting on its timer: the project is closing, so there is none to load. */
  cancelPendingRefresh(): void {
    if (this.#refreshTimer) clearTimeout(this.#refreshTimer);
    this.#refreshTimer = null;
  }

  /** Fetches the current labels of loaded rows by id (membership of the view stays as it is). */
  async #refreshLabels(changed: number[] | null): Promise<void> {
    const loaded: number[] = [];
    const windowPages = new Set(pagesCovering(this.window.start, this.window.end, PAGE_SIZE));
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
    for (let i = 0; i < loaded.length; i += 1000) {
      const ids = loaded.slice(i, i + 1000);
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

function range(start: number, end: number): number[] {
  const out = new Array<number>(Math.max(0, end - start));
  for (let i = start; i < end; i++) out[i - start] = i;
  return out;
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
