import {
  layoutFor,
  rowsPerPage,
  scrollToReveal,
  windowFor,
  type CellSize,
  type GridLayout,
  type GridWindow,
} from '../grid/virtual.ts';

export const CELL: CellSize = { width: 152, height: 178, gap: 8, padding: 12 };
const OVERSCAN_ROWS = 4;
/** How long after the last big scroll jump thumbnails start loading again. */
const FLING_SETTLE_MS = 120;

export interface ScrollView {
  scrollTo(top: number): void;
}

/**
 * The grid's scroll box: its size and scroll position give the layout and the window of cells
 * to render. Every move is reported (`onMove`) so the pages under the new window get fetched.
 */
export class GridViewport {
  readonly #total: () => number;
  readonly #onMove: () => void;

  #width = $state(800);
  #height = $state(600);
  #scrollTop = $state(0);
  /** Scrolling by more than half a screen per event: thumbnails wait until it slows down. */
  #flinging = $state(false);
  #flingTimer: ReturnType<typeof setTimeout> | null = null;
  #view: ScrollView | null = null;

  readonly layout: GridLayout = $derived(layoutFor(this.#width, CELL));
  // `.by`: TypeScript refuses `this.#total` (set in the constructor) in a plain field
  // initializer, although a derivation first runs long after construction.
  readonly window: GridWindow = $derived.by(() =>
    windowFor({
      scrollTop: this.#scrollTop,
      viewportHeight: this.#height,
      layout: this.layout,
      total: this.#total(),
      overscanRows: OVERSCAN_ROWS,
    }),
  );
  readonly visible: number[] = $derived(range(this.window.start, this.window.end));
  /** Rows that fit on screen: the Page Up / Page Down step. */
  readonly pageRows: number = $derived(rowsPerPage(this.#height, this.layout));

  constructor(opts: { total: () => number; onMove: () => void }) {
    this.#total = opts.total;
    this.#onMove = opts.onMove;
  }

  get scrollTop(): number {
    return this.#scrollTop;
  }
  get flinging(): boolean {
    return this.#flinging;
  }

  setSize(width: number, height: number): void {
    if (width === this.#width && height === this.#height) return;
    this.#width = width;
    this.#height = height;
    this.#onMove();
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
      }, FLING_SETTLE_MS);
    }
    this.#onMove();
  }

  /** Back to the top without a fetch of its own: the caller reloads the list from there. */
  scrollToTop(): void {
    this.#view?.scrollTo(0);
    this.#scrollTop = 0;
  }

  /** The grid registers how to scroll, so keyboard moves can bring the cursor into view. */
  attachView(view: ScrollView): () => void {
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
    this.#onMove();
  }
}

function range(start: number, end: number): number[] {
  const out = new Array<number>(Math.max(0, end - start));
  for (let i = start; i < end; i++) out[i - start] = i;
  return out;
}
