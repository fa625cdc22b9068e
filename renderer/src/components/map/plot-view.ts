/**
 * The map's view: which part of the layout shows, and where. The square [-1, 1]² fills the
 * plot's shorter side at zoom 1; y grows upwards in the layout and downwards on screen.
 */
export interface PlotView {
  center: [number, number];
  zoom: number;
}

export interface PlotSize {
  width: number;
  height: number;
}

/** Layout units → CSS pixels: the same factor on both axes. */
function pixelsPerUnit(view: PlotView, size: PlotSize): number {
  return (view.zoom * Math.min(size.width, size.height)) / 2;
}

/** Where the layout point (x, y) shows, in CSS pixels from the plot's top left. */
export function toScreen(view: PlotView, size: PlotSize, x: number, y: number): [number, number] {
  const k = pixelsPerUnit(view, size);
  return [(x - view.center[0]) * k + size.width / 2, size.height / 2 - (y - view.center[1]) * k];
}

/** The layout point under the CSS pixel (px, py). */
export function toData(view: PlotView, size: PlotSize, px: number, py: number): [number, number] {
  const k = pixelsPerUnit(view, size);
  return [(px - size.width / 2) / k + view.center[0], (size.height / 2 - py) / k + view.center[1]];
}

/**
 * The move and scale (about the top left: screen' = scale · screen + (tx, ty)) that puts a
 * picture drawn in view `drawn` where view `now` would draw it.
 */
export function previewTransform(
  drawn: PlotView,
  now: PlotView,
  size: PlotSize,
): { tx: number; ty: number; scale: number } {
  const kNow = pixelsPerUnit(now, size);
  const scale = kNow / pixelsPerUnit(drawn, size);
  return {
    tx: (size.width / 2) * (1 - scale) + (drawn.center[0] - now.center[0]) * kNow,
    ty: (size.height / 2) * (1 - scale) - (drawn.center[1] - now.center[1]) * kNow,
    scale,
  };
}
