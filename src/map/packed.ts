/**
 * Unpacks a `map.points` page. Uses only atob and typed arrays, so the renderer and the CLI
 * share it (no Node imports here).
 */
import type { MapPoints } from '../domain/map.ts';

/** A `map.points` page (the domain's `MapPoints`, described there field by field). */
export type PackedPoints = MapPoints;

export interface DecodedPoints {
  ids: Int32Array;
  xy: Float32Array;
  label: Int32Array;
  predicted: Int32Array;
  confidence: Float32Array;
  split: Uint8Array;
  mislabeled: Uint8Array;
  /** 32 bytes per point: the image's SHA-256 content hash (all zero when unknown). */
  hashes: Uint8Array;
}

function bytes(b64: string): ArrayBuffer {
  const s = atob(b64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out.buffer;
}

export function decodePoints(p: PackedPoints): DecodedPoints {
  return {
    ids: new Int32Array(bytes(p.ids)),
    xy: new Float32Array(bytes(p.xy)),
    label: new Int32Array(bytes(p.label)),
    predicted: new Int32Array(bytes(p.predicted)),
    confidence: new Float32Array(bytes(p.confidence)),
    split: new Uint8Array(bytes(p.split)),
    mislabeled: new Uint8Array(bytes(p.mislabeled)),
    hashes: new Uint8Array(bytes(p.hashes)),
  };
}

const HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));

/** Point `i`'s content hash as 64 hex digits, or null when the page had none for it. */
export function pointHash(p: DecodedPoints, i: number): string | null {
  const bytes = p.hashes.subarray(i * 32, i * 32 + 32);
  if (bytes.length !== 32 || bytes.every((b) => b === 0)) return null;
  let out = '';
  for (const b of bytes) out += HEX[b];
  return out;
}

/** Appends page `b` to `a` (pages come in id order). */
export function concatPoints(a: DecodedPoints, b: DecodedPoints): DecodedPoints {
  const cat = <T extends Int32Array | Float32Array | Uint8Array>(x: T, y: T): T => {
    const out = new (x.constructor as new (n: number) => T)(x.length + y.length);
    out.set(x);
    out.set(y, x.length);
    return out;
  };
  return {
    ids: cat(a.ids, b.ids),
    xy: cat(a.xy, b.xy),
    label: cat(a.label, b.label),
    predicted: cat(a.predicted, b.predicted),
    confidence: cat(a.confidence, b.confidence),
    split: cat(a.split, b.split),
    mislabeled: cat(a.mislabeled, b.mislabeled),
    hashes: cat(a.hashes, b.hashes),
  };
}

export type ColorBy = 'label' | 'predicted' | 'confidence' | 'split' | 'mislabeled';

export const SPLIT_COLORS = ['#4c78a8', '#f58518', '#54a24b'] as const;
export const NONE_COLOR = '#9aa0a6';
export const MISLABELED_COLOR = '#e45756';

/** The colour of every point, as #rrggbb, for one colouring. */
export function pointColor(
  p: DecodedPoints,
  i: number,
  by: ColorBy,
  classColor: (classId: number) => string | undefined,
): string {
  switch (by) {
    case 'label':
      return classColor(p.label[i]!) ?? NONE_COLOR;
    case 'predicted':
      return classColor(p.predicted[i]!) ?? NONE_COLOR;
    case 'split':
      return SPLIT_COLORS[p.split[i]!] ?? NONE_COLOR;
    case 'mislabeled':
      return p.mislabeled[i] ? MISLABELED_COLOR : NONE_COLOR;
    case 'confidence': {
      const c = p.confidence[i]!;
      if (Number.isNaN(c)) return NONE_COLOR;
      // Low confidence red, high green: where to look first.
      const r = Math.round(230 * (1 - c) + 40 * c);
      const g = Math.round(60 * (1 - c) + 180 * c);
      const hex = (v: number): string => v.toString(16).padStart(2, '0');
      return `#${hex(r)}${hex(g)}${hex(70)}`;
    }
  }
}
