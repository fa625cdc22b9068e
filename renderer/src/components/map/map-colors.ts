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
  // One point's confidence rounded to tenths (reused: one object, not one per point), which
  // keeps the palette small however many points there are.
  const tenth = { ...p, confidence: new Float32Array(1) };
  for (let i = 0; i < p.ids.length; i++) {
    let color: string;
    if (by === 'confidence' && !Number.isNaN(p.confidence[i]!)) {
      tenth.confidence[0] = Math.round(p.confidence[i]! * 10) / 10;
      color = pointColor(tenth, 0, by, classColor);
    } else color = pointColor(p, i, by, classColor);
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
