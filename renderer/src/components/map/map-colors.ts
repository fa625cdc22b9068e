import { NONE_COLOR, pointColor, type ColorBy, type DecodedPoints } from '../../../../src/map/packed.ts';

/**
 * A palette and one palette index per point: the scatter plot colours by category index
 * (valueA), so every colouring is turned into categories here.
 */
export function categories(
  p: DecodedPoints,
  by: ColorBy,
  classColor: (id: number) => string | undefined,
): { palette: string[]; index: Float32Array } {
  const palette: string[] = [NONE_COLOR];
  const slot = new Map<string, number>([[NONE_COLOR, 0]]);
  const index = new Float32Array(p.ids.length);
  const colorOf = colorOfPoint(p, by, classColor);
  for (let i = 0; i < p.ids.length; i++) {
    const color = colorOf(i);
    let s = slot.get(color);
    if (s === undefined) {
      s = palette.length;
      palette.push(color);
      slot.set(color, s);
    }
    index[i] = s;
  }
  return { palette, index };
}

/**
 * One point's colour as the plot draws it. Confidence is rounded to tenths (through one reused
 * object, not one per point), which keeps the palette small however many points there are.
 */
function colorOfPoint(
  p: DecodedPoints,
  by: ColorBy,
  classColor: (id: number) => string | undefined,
): (i: number) => string {
  const tenth = { ...p, confidence: new Float32Array(1) };
  // Asked once per class: the classes' map is reactive, and a read per point (10 000 of them)
  // cost ~18 ms in the plot's effect.
  const known = new Map<number, string | undefined>();
  const classColorOnce = (id: number): string | undefined => {
    if (known.has(id)) return known.get(id);
    const c = classColor(id);
    known.set(id, c);
    return c;
  };
  return (i) => {
    if (by === 'confidence' && !Number.isNaN(p.confidence[i]!)) {
      tenth.confidence[0] = Math.round(p.confidence[i]! * 10) / 10;
      return pointColor(tenth, 0, by, classColorOnce);
    }
    return pointColor(p, i, by, classColorOnce);
  };
}

function hexBytes(hex: string): [number, number, number] {
  const n = Number.parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

/** Every point's colour as r, g, b bytes, what the scatter plot uploads. */
export function pointRgb(
  p: DecodedPoints,
  by: ColorBy,
  classColor: (id: number) => string | undefined,
): Uint8Array {
  const { palette, index } = categories(p, by, classColor);
  const rgb = palette.flatMap(hexBytes);
  const colors = new Uint8Array(p.ids.length * 3);
  for (let i = 0; i < p.ids.length; i++) {
    const k = index[i]! * 3;
    colors[i * 3] = rgb[k]!;
    colors[i * 3 + 1] = rgb[k + 1]!;
    colors[i * 3 + 2] = rgb[k + 2]!;
  }
  return colors;
}

/**
 * Recolours only the points at `indices` in `colors` (from `pointRgb` of the same points and
 * colouring): after the map labels its own selection, the other points' colours are unchanged,
 * and recomputing every point's cost a long task on 100 000 points.
 */
export function patchPointRgb(
  colors: Uint8Array,
  p: DecodedPoints,
  by: ColorBy,
  classColor: (id: number) => string | undefined,
  indices: readonly number[],
): void {
  const colorOf = colorOfPoint(p, by, classColor);
  const bytes = new Map<string, [number, number, number]>();
  for (const i of indices) {
    if (i < 0 || i >= p.ids.length) continue;
    const hex = colorOf(i);
    let b = bytes.get(hex);
    if (!b) {
      b = hexBytes(hex);
      bytes.set(hex, b);
    }
    colors[i * 3] = b[0];
    colors[i * 3 + 1] = b[1];
    colors[i * 3 + 2] = b[2];
  }
}
