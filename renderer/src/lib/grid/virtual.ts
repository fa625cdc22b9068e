/**
 * Fixed-size cells: every cell has the same box, so positions are arithmetic, not measured. The
 * width is a minimum: cells widen evenly to fill the row; the height never changes.
 */
export interface CellSize {
  width: number;
  height: number;
  gap: number;
  /** Padding inside the scroll container on each side. */
  padding: number;
}

export interface GridLayout {
  columns: number;
  cellWidth: number;
  cellHeight: number;
  gap: number;
  padding: number;
  rowHeight: number;
}

export function layoutFor(viewportWidth: number, cell: CellSize): GridLayout {
  const usable = Math.max(0, viewportWidth - 2 * cell.padding);
  const columns = Math.max(1, Math.floor((usable + cell.gap) / (cell.width + cell.gap)));
  const stretched = Math.floor((usable - (columns - 1) * cell.gap) / columns);
  return {
    columns,
    cellWidth: Math.max(cell.width, stretched),
    cellHeight: cell.height,
    gap: cell.gap,
    padding: cell.padding,
    rowHeight: cell.height + cell.gap,
  };
}

export interface WindowInput {
  scrollTop: number;
  viewportHeight: number;
  layout: GridLayout;
  total: number;
  /** Rows rendered above and below the visible ones, so a scroll step never shows a gap. */
  overscanRows: number;
}

export interface GridWindow {
  /** First index rendered (inclusive) and the end (exclusive). */
  start: number;
  end: number;
  /** Rows fully or partly visible, without overscan. */
  visibleStart: number;
  visibleEnd: number;
  rows: number;
  /** Height of the scrollable content. */
  totalHeight: number;
}

export function rowCount(total: number, columns: number): number {
  return total <= 0 ? 0 : Math.ceil(total / Math.max(1, columns));
}

export function windowFor(input: WindowInput): GridWindow {
  const { layout, total } = input;
  const rows = rowCount(total, layout.columns);
  const totalHeight = rows === 0 ? 0 : rows * layout.rowHeight - layout.gap + 2 * layout.padding;
  if (rows === 0) return { start: 0, end: 0, visibleStart: 0, visibleEnd: 0, rows, totalHeight };
  const top = Math.max(0, input.scrollTop - layout.padding);
  const firstVisibleRow = Math.min(rows - 1, Math.floor(top / layout.rowHeight));
  const lastVisibleRow = Math.min(
    rows - 1,
    Math.floor((top + Math.max(0, input.viewportHeight)) / layout.rowHeight),
  );
  const firstRow = Math.max(0, firstVisibleRow - input.overscanRows);
  const lastRow = Math.min(rows - 1, lastVisibleRow + input.overscanRows);
  const cols = layout.columns;
  return {
    start: firstRow * cols,
    end: Math.min(total, (lastRow + 1) * cols),
    visibleStart: firstVisibleRow * cols,
    visibleEnd: Math.min(total, (lastVisibleRow + 1) * cols),
    rows,
    totalHeight,
  };
}

/** Top-left corner of the cell at `index`, in content coordinates. */
export function cellPosition(index: number, layout: GridLayout): { x: number; y: number } {
  const row = Math.floor(index / layout.columns);
  const col = index % layout.columns;
  return {
    x: layout.padding + col * (layout.cellWidth + layout.gap),
    y: layout.padding + row * layout.rowHeight,
  };
}

/** The scrollTop that brings `index` fully into view, or null when it already is. */
export function scrollToReveal(
  index: number,
  layout: GridLayout,
  scrollTop: number,
  viewportHeight: number,
): number | null {
  const { y } = cellPosition(index, layout);
  const top = y - layout.padding;
  const bottom = y + layout.cellHeight + layout.padding;
  if (top < scrollTop) return Math.max(0, top);
  if (bottom > scrollTop + viewportHeight) return Math.max(0, bottom - viewportHeight);
  return null;
}

/** Rows that fit in the viewport (Page Up / Page Down step). */
export function rowsPerPage(viewportHeight: number, layout: GridLayout): number {
  return Math.max(1, Math.floor(viewportHeight / layout.rowHeight));
}

/** Page numbers (of `pageSize` items) that cover `[start, end)`. */
export function pagesCovering(start: number, end: number, pageSize: number): number[] {
  if (end <= start) return [];
  const first = Math.floor(start / pageSize);
  const last = Math.floor((end - 1) / pageSize);
  const out: number[] = [];
  for (let p = first; p <= last; p++) out.push(p);
  return out;
}
