/** Width of one thumbnail of the selection strip, its border and the gap after it (CSS px). */
export const STRIP_CELL = 70;
/** Thumbnails kept on each side of the visible ones, so a short scroll shows no blank cells. */
export const STRIP_OVERSCAN = 6;

/**
 * The positions of the selection strip to render: the ones visible at this horizontal scroll
 * position and width, plus STRIP_OVERSCAN on each side, never past the selection's ends.
 * The strip renders only these, so selecting 100 000 points costs the same as selecting 20.
 */
export function stripWindow(
  scrollLeft: number,
  width: number,
  count: number,
  cell = STRIP_CELL,
  overscan = STRIP_OVERSCAN,
): { start: number; end: number } {
  if (count <= 0 || cell <= 0) return { start: 0, end: 0 };
  const first = Math.floor(Math.max(0, scrollLeft) / cell);
  const last = Math.ceil((Math.max(0, scrollLeft) + Math.max(0, width)) / cell);
  const start = Math.min(count, Math.max(0, first - overscan));
  const end = Math.min(count, Math.max(start, last + overscan));
  return { start, end };
}
