import type { Direction } from './selection.ts';

/** The parts of a KeyboardEvent the grid looks at (so the mapping is testable without a DOM). */
export interface KeyLike {
  key: string;
  ctrlKey?: boolean;
  metaKey?: boolean;
  shiftKey?: boolean;
  altKey?: boolean;
}

export type GridCommand =
  | { type: 'label'; classId: number }
  | { type: 'clear' }
  | { type: 'move'; dir: Direction; extend: boolean }
  | { type: 'open' }
  | { type: 'close' }
  | { type: 'selectAll' }
  | { type: 'undo' }
  | { type: 'redo' };

const ARROWS: Record<string, Direction> = {
  ArrowLeft: 'left',
  ArrowRight: 'right',
  ArrowUp: 'up',
  ArrowDown: 'down',
  Home: 'home',
  End: 'end',
  PageUp: 'pageUp',
  PageDown: 'pageDown',
};

/**
 * Maps a key press in the grid or viewer to a command. `hotkeys` maps a class's key (a digit or
 * a letter) to its id. Backspace/Delete clear the label; Ctrl/Cmd+Z undoes,
 * Ctrl/Cmd+Shift+Z and Ctrl+Y redo, Ctrl/Cmd+A selects everything.
 */
export function commandForKey(e: KeyLike, hotkeys: ReadonlyMap<string, number>): GridCommand | null {
  const mod = Boolean(e.ctrlKey || e.metaKey);
  const key = e.key.length === 1 ? e.key.toLowerCase() : e.key;
  if (mod && !e.altKey) {
    if (key === 'z') return e.shiftKey ? { type: 'redo' } : { type: 'undo' };
    if (key === 'y') return { type: 'redo' };
    if (key === 'a' && !e.shiftKey) return { type: 'selectAll' };
    const dir = ARROWS[e.key];
    if (dir === 'home' || dir === 'end') return { type: 'move', dir, extend: Boolean(e.shiftKey) };
    return null;
  }
  if (e.altKey) return null;
  const dir = ARROWS[e.key];
  if (dir) return { type: 'move', dir, extend: Boolean(e.shiftKey) };
  if (e.key === 'Enter') return { type: 'open' };
  if (e.key === 'Escape') return { type: 'close' };
  if (e.key === 'Backspace' || e.key === 'Delete') return { type: 'clear' };
  if (key.length === 1 && !e.shiftKey) {
    const classId = hotkeys.get(key);
    if (classId !== undefined) return { type: 'label', classId };
  }
  return null;
}
