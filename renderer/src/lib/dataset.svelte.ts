import type { Api, DatasetCounts, Events, HistoryState, ImageRow } from '../../../src/api/contract.ts';
import type { Notices } from './notices.svelte.ts';
import type { GridFilter } from './filters.ts';
import type { GridCommand } from './grid/keyboard.ts';
import type { ClickModifiers, Direction, Selection } from './grid/selection.ts';
import type { GridLayout, GridWindow } from './grid/virtual.ts';
import { ChangeFeed } from './dataset/change-feed.ts';
import { CountsState } from './dataset/counts.svelte.ts';
import { LabelEdits } from './dataset/label-edits.svelte.ts';
import { PagedRows, type SortKey } from './dataset/paged-rows.svelte.ts';
import { SelectionState } from './dataset/selection-state.svelte.ts';
import { GridViewport, type ScrollView } from './dataset/viewport.svelte.ts';

export { CELL } from './dataset/viewport.svelte.ts';
export { PAGE_SIZE, type SortKey } from './dataset/paged-rows.svelte.ts';

/**
 * The dataset view, composed of one state object per concern: the image list as pages
 * (`PagedRows`), the scroll box and its window (`GridViewport`), the selection, labeling with
 * undo (`LabelEdits`), counts, and the feed of change events (`ChangeFeed`). This class wires
 * them together, owns the viewer's open flag and maps the grid's and viewer's commands onto
 * them; components talk to it alone.
 */
export class DatasetState {
  readonly #rows: PagedRows;
  readonly #viewport: GridViewport;
  readonly #selection: SelectionState;
  readonly #edits: LabelEdits;
  readonly #counts: CountsState;
  readonly #changes: ChangeFeed;
  #viewer = $state(false);

  constructor(api: Api, notices: Notices) {
    this.#selection = new SelectionState();
    this.#viewport = new GridViewport({ total: () => this.#rows.total, onMove: () => this.#rows.pump() });
    this.#rows = new PagedRows(api, notices, {
      window: () => this.#viewport.window,
      onTotal: (total) => this.#selection.clamp(total),
    });
    this.#edits = new LabelEdits(api, notices, this.#rows);
    this.#counts = new CountsState(api);
    this.#changes = new ChangeFeed({
      labels: (ids) => {
        void this.#counts.refresh();
        void this.#edits.refreshHistory();
        void this.#rows.refreshLabels(ids);
        this.#rows.markLabelsChanged();
      },
      reload: () => {
        void this.#counts.refresh();
        void this.#edits.refreshHistory();
        void this.refresh();
      },
    });
  }

  get filter(): GridFilter {
    return this.#rows.filter;
  }
  get search(): string {
    return this.#rows.search;
  }
  get sort(): SortKey {
    return this.#rows.sort;
  }
  get total(): number {
    return this.#rows.total;
  }
  get loaded(): boolean {
    return this.#rows.loaded;
  }
  get loading(): boolean {
    return this.#rows.loading;
  }
  get outdated(): boolean {
    return this.#rows.outdated;
  }
  get counts(): DatasetCounts | null {
    return this.#counts.current;
  }
  get history(): HistoryState | null {
    return this.#edits.history;
  }
  get selection(): Selection {
    return this.#selection.current;
  }
  get cursor(): number | null {
    return this.#selection.cursor;
  }
  get selectedCount(): number {
    return this.#selection.count;
  }
  get viewerOpen(): boolean {
    return this.#viewer;
  }
  get layout(): GridLayout {
    return this.#viewport.layout;
  }
  get window(): GridWindow {
    return this.#viewport.window;
  }
  get visible(): number[] {
    return this.#viewport.visible;
  }
  get flinging(): boolean {
    return this.#viewport.flinging;
  }
  get cursorRow(): ImageRow | undefined {
    const c = this.#selection.cursor;
    return c === null ? undefined : this.#rows.rowAt(c);
  }

  rowAt(index: number): ImageRow | undefined {
    return this.#rows.rowAt(index);
  }

  isSelected(index: number): boolean {
    return this.#selection.has(index);
  }

  // --- loading -------------------------------------------------------------------------------

  /** Counts, undo state and the first page of the current filter. */
  async load(): Promise<void> {
    await Promise.all([this.#counts.refresh(), this.#edits.refreshHistory(), this.#rows.reload()]);
  }

  async setFilter(filter: GridFilter): Promise<void> {
    if (this.#rows.shows(filter)) return;
    this.#selection.clear();
    this.#viewer = false;
    this.#viewport.scrollToTop();
    await this.#rows.setFilter(filter);
  }

  async setSearch(search: string): Promise<void> {
    this.#selection.clear();
    await this.#rows.setSearch(search);
  }

  async setSort(sort: SortKey): Promise<void> {
    this.#selection.clear();
    await this.#rows.setSort(sort);
  }

  /** Reloads the view in place (after "labels changed"), keeping the scroll position. */
  async refresh(): Promise<void> {
    await this.#rows.reload({ keepRows: true });
  }

  async refreshCounts(): Promise<void> {
    await this.#counts.refresh();
  }

  async refreshHistory(): Promise<void> {
    await this.#edits.refreshHistory();
  }

  // --- viewport ------------------------------------------------------------------------------

  setViewport(width: number, height: number): void {
    this.#viewport.setSize(width, height);
  }

  setScrollTop(top: number): void {
    this.#viewport.setScrollTop(top);
  }

  attachView(view: ScrollView): () => void {
    return this.#viewport.attachView(view);
  }

  reveal(index: number): void {
    this.#viewport.reveal(index);
  }

  // --- selection -----------------------------------------------------------------------------

  click(index: number, mods: ClickModifiers): void {
    this.#selection.click(index, mods);
  }

  selectAll(): void {
    this.#selection.selectAll(this.#rows.total);
  }

  selectNone(): void {
    this.#selection.clear();
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
    this.#selection.move(dir, {
      columns: this.#viewport.layout.columns,
      total: this.#rows.total,
      pageRows: this.#viewport.pageRows,
      extend,
    });
    const cursor = this.#selection.cursor;
    if (cursor !== null) this.#viewport.reveal(cursor);
  }

  focusIndex(index: number): void {
    if (index < 0 || index >= this.#rows.total) return;
    this.#selection.focus(index);
    this.#viewport.reveal(index);
  }

  // --- viewer --------------------------------------------------------------------------------

  openViewer(): void {
    if (this.#rows.total === 0) return;
    this.#selection.ensureCursor();
    this.#viewer = true;
  }

  closeViewer(): void {
    this.#viewer = false;
    const cursor = this.#selection.cursor;
    if (cursor !== null) this.#viewport.reveal(cursor);
  }

  // --- labeling ------------------------------------------------------------------------------

  /**
   * Labels the selection (or the cursor cell), shows it at once, and moves on. If the backend
   * refuses, the old labels come back and the reason is shown.
   */
  async label(classId: number | null, opts: { advance?: boolean } = {}): Promise<boolean> {
    const set = this.#selection.targets();
    if (set.isEmpty) return false;
    // Loaded ids are read without waiting, so the label shows (and the cursor moves) before
    // the next key is handled.
    const ids = this.#rows.loadedIds(set) ?? (await this.#rows.fetchIds(set));
    if (ids.length === 0) return false;
    return this.#edits.set(ids, classId, () => {
      if (!opts.advance) return;
      this.#selection.advance(this.#rows.total);
      const cursor = this.#selection.cursor;
      if (cursor !== null) this.#viewport.reveal(cursor);
    });
  }

  async undo(): Promise<void> {
    await this.#edits.undo();
  }

  async redo(): Promise<void> {
    await this.#edits.redo();
  }

  /** Ids of the selected positions, resolving pages that are not loaded. */
  async selectedIds(): Promise<number[]> {
    const set = this.#selection.targets();
    return this.#rows.loadedIds(set) ?? (await this.#rows.fetchIds(set));
  }

  // --- events --------------------------------------------------------------------------------

  /** `dataset.changed`: refresh counts; labels are patched in place, imports reload the view. */
  onChanged(e: Events['dataset.changed']): void {
    this.#changes.onChanged(e);
  }

  /** Drops a reload still waiting on its timer: the project is closing, so there is none to load. */
  cancelPendingRefresh(): void {
    this.#changes.cancelPendingReload();
  }
}
