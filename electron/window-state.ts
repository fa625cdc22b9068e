/**
 * The window's size, place and theme, remembered in a small JSON file in Electron's userData.
 * A damaged file, or a window last seen on a monitor that is gone, falls back to defaults.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export const MIN_WIDTH = 800;
export const MIN_HEIGHT = 560;
const Int = z.number().int().min(-100_000).max(100_000);

const WindowState = z.object({
  x: Int.optional().catch(undefined),
  y: Int.optional().catch(undefined),
  width: z.number().int().min(MIN_WIDTH).max(100_000).catch(1280),
  height: z.number().int().min(MIN_HEIGHT).max(100_000).catch(820),
  maximized: z.boolean().catch(false),
});
export type WindowState = z.infer<typeof WindowState>;

const DesktopState = z.object({
  window: WindowState.catch({ width: 1280, height: 820, maximized: false }),
  theme: z.enum(['system', 'light', 'dark']).catch('system'),
});
export type DesktopState = z.infer<typeof DesktopState>;

export const DEFAULT_STATE: DesktopState = {
  window: { width: 1280, height: 820, maximized: false },
  theme: 'system',
};

export function parseDesktopState(raw: unknown): DesktopState {
  const parsed = DesktopState.safeParse(raw);
  return parsed.success ? parsed.data : structuredClone(DEFAULT_STATE);
}

export function loadDesktopState(file: string): DesktopState {
  try {
    return parseDesktopState(JSON.parse(readFileSync(file, 'utf8')));
  } catch {
    return structuredClone(DEFAULT_STATE);
  }
}

export function saveDesktopState(file: string, state: DesktopState): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(state, null, 2));
  renameSync(tmp, file);
}

function overlap(a: Rect, b: Rect): { width: number; height: number } {
  return {
    width: Math.max(0, Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x)),
    height: Math.max(0, Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y)),
  };
}

/**
 * Where to open the window: its remembered bounds when enough of its title bar area is still
 * on some display, otherwise centred (no x/y). The size never exceeds the largest display.
 */
export function placeWindow(state: WindowState, workAreas: readonly Rect[]): WindowState {
  const largest = workAreas.reduce<Rect | null>(
    (best, r) => (!best || r.width * r.height > best.width * best.height ? r : best),
    null,
  );
  const width = largest ? Math.max(MIN_WIDTH, Math.min(state.width, largest.width)) : state.width;
  const height = largest ? Math.max(MIN_HEIGHT, Math.min(state.height, largest.height)) : state.height;
  const placed: WindowState = { width, height, maximized: state.maximized };
  if (state.x === undefined || state.y === undefined) return placed;
  // The top strip is what one drags; 120×40 px of it on a display is enough to get hold of it.
  const titleBar: Rect = { x: state.x, y: state.y, width, height: 40 };
  const visible = workAreas.some((area) => {
    const o = overlap(titleBar, area);
    return o.width >= Math.min(120, width) && o.height >= 20;
  });
  return visible ? { ...placed, x: state.x, y: state.y } : placed;
}
