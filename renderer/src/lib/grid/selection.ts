import { IndexSet } from './index-set.ts';

/**
 * Grid selection as plain data: which positions are selected, the anchor that shift-click and
 * shift-arrow extend from, and the cursor (the focused cell). Positions are indices in the
 * current filtered view; every function returns a new value.
 */
export interface Selection {
  readonly set: IndexSet;
  readonly anchor: number | null;
  readonly cursor: number | null;
}

export const emptySelection: Selection = { set: IndexSet.empty, anchor: null, cursor: null };

export interface ClickModifiers {
  /** Shift: select the range from the anchor. */
  shift?: boolean;
  /** Ctrl (Windows/Linux) or Cmd (macOS): add or remove one cell. */
  toggle?: boolean;
}

export function single(index: number): Selection {
  return { set: IndexSet.of(index), anchor: index, cursor: index };
}

export function click(sel: Selection, index: number, mods: ClickModifiers = {}): Selection {
  if (mods.shift && sel.anchor !== null) {
    const lo = Math.min(sel.anchor, index);
    const hi = Math.max(sel.anchor, index) + 1;
    const base = mods.toggle ? sel.set : IndexSet.empty;
    return { set: base.add(lo, hi), anchor: sel.anchor, cursor: index };
  }
  if (mods.toggle) return { set: sel.set.toggle(index), anchor: index, cursor: index };
  return single(index);
}

export function selectAll(sel: Selection, total: number): Selection {
  if (total <= 0) return emptySelection;
  const cursor = sel.cursor ?? 0;
  return { set: IndexSet.range(0, total), anchor: sel.anchor ?? 0, cursor: Math.min(cursor, total - 1) };
}

export type Direction = 'left' | 'right' | 'up' | 'down' | 'home' | 'end' | 'pageUp' | 'pageDown';

export interface MoveContext {
  columns: number;
  total: number;
  /** Rows that fit in the viewport (for Page Up / Page Down). */
  pageRows: number;
  /** Shift held: extend the selection from the anchor instead of moving it. */
  extend?: boolean;
}

/** Where the cursor goes; left/right wrap across row edges, up/down keep the column. */
export function target(from: number | null, dir: Direction, ctx: MoveContext): number | null {
  const { columns, total } = ctx;
  if (total <= 0) return null;
  if (from === null) return dir === 'end' ? total - 1 : 0;
  const last = total - 1;
  const cols = Math.max(1, columns);
  switch (dir) {
    case 'left':
      return Math.max(0, from - 1);
    case 'right':
      return Math.min(last, from + 1);
    case 'up':
      return from - cols >= 0 ? from - cols : from;
    case 'down': {
      if (from + cols <= last) return from + cols;
      // The row below is shorter than this column: land on its last cell, as file managers do.
      const row = Math.floor(from / cols);
      const lastRow = Math.floor(last / cols);
      return lastRow > row ? last : from;
    }
    case 'home':
      return 0;
    case 'end':
      return last;
    case 'pageUp': {
      const step = cols * Math.max(1, ctx.pageRows);
      return from - step >= 0 ? from - step : from % cols;
    }
    case 'pageDown': {
      const step = cols * Math.max(1, ctx.pageRows);
      return Math.min(last, from + step);
    }
  }
}

export function move(sel: Selection, dir: Direction, ctx: MoveContext): Selection {
  const to = target(sel.cursor, dir, ctx);
  if (to === null) return emptySelection;
  if (ctx.extend) {
    const anchor = sel.anchor ?? sel.cursor ?? to;
    const lo = Math.min(anchor, to);
    const hi = Math.max(anchor, to) + 1;
    return { set: IndexSet.range(lo, hi), anchor, cursor: to };
  }
  return single(to);
}

/** The positions an action applies to: the selection, or the cursor cell when nothing is selected. */
export function targets(sel: Selection): IndexSet {
  if (!sel.set.isEmpty) return sel.set;
  return sel.cursor === null ? IndexSet.empty : IndexSet.of(sel.cursor);
}

/**
 * After labeling, move on to the cell after the labeled ones so a person can keep pressing
 * number keys. At the end of the view the selection stays where it is.
 */
export function advance(sel: Selection, total: number): Selection {
  const labeled = targets(sel);
  const max = labeled.max;
  if (max === null) return sel;
  const next = max + 1;
  if (next >= total) return sel;
  return single(next);
}

/** Keeps the selection valid after the view shrank. */
export function clampSelection(sel: Selection, total: number): Selection {
  if (total <= 0) return emptySelection;
  const fit = (i: number | null): number | null => (i === null ? null : Math.min(i, total - 1));
  return { set: sel.set.clamp(total), anchor: fit(sel.anchor), cursor: fit(sel.cursor) };
}
