import type { IndexSet } from '../grid/index-set.ts';
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
  type MoveContext,
  type Selection,
} from '../grid/selection.ts';

/**
 * Which grid positions are selected, the anchor of shift-ranges and the cursor. The rules live
 * in `grid/selection.ts` as plain functions; this holds the one current value the grid renders.
 */
export class SelectionState {
  #selection = $state.raw<Selection>(emptySelection);

  readonly count: number = $derived(this.#selection.set.size);

  get current(): Selection {
    return this.#selection;
  }
  get cursor(): number | null {
    return this.#selection.cursor;
  }

  has(index: number): boolean {
    return this.#selection.set.has(index);
  }

  /** The positions a command applies to: the selection, or the cursor cell alone. */
  targets(): IndexSet {
    return targets(this.#selection);
  }

  click(index: number, mods: ClickModifiers): void {
    this.#selection = click(this.#selection, index, mods);
  }

  selectAll(total: number): void {
    this.#selection = selectAll(this.#selection, total);
  }

  clear(): void {
    this.#selection = emptySelection;
  }

  focus(index: number): void {
    this.#selection = single(index);
  }

  /** Puts the cursor on the first cell when there is none (the viewer needs one image). */
  ensureCursor(): void {
    if (this.#selection.cursor === null) this.#selection = single(0);
  }

  move(dir: Direction, ctx: MoveContext): void {
    this.#selection = move(this.#selection, dir, ctx);
  }

  /** After labeling: on to the next cell. */
  advance(total: number): void {
    this.#selection = advance(this.#selection, total);
  }

  /** The list shrank: positions past its end no longer exist. */
  clamp(total: number): void {
    this.#selection = clampSelection(this.#selection, total);
  }
}
