/**
 * What the map shows: every ok image with features for the project's model, at the position
 * its content hash has in the layout, with its label, prediction, split and "likely
 * mislabeled" flag, packed into typed arrays (base64) rather than one object per point.
 */
import type { Layout } from './layout-cache.ts';
import type { PackedPoints } from './packed.ts';

const SPLIT_CODE = { train: 0, validation: 1, test: 2 } as const;

/** One ok image as the store reads it (see src/store/map.ts). */
export interface PointInput {
  id: number;
  hash: string;
  split: keyof typeof SPLIT_CODE;
  class_id: number | null;
  pred: number | null;
  probability: number | null;
  mislabeled: number | null;
}

function pack(a: Int32Array | Float32Array | Uint8Array): string {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
}

/** Bytes of one SHA-256 content hash; `hashes` in a page holds 32 per point. */
export const HASH_BYTES = 32;

export function packMapPoints(
  images: Iterable<PointInput>,
  layout: Layout,
  opts: { offset: number; limit: number; umap: PackedPoints['umap'] },
): PackedPoints {
  const at = new Map<string, number>();
  layout.hashes.forEach((h, i) => at.set(h, i));
  const rows: PointInput[] = [];
  let withoutFeatures = 0;
  for (const r of images) {
    if (at.has(r.hash)) rows.push(r);
    else withoutFeatures++;
  }
  const page = rows.slice(opts.offset, opts.offset + opts.limit);
  const n = page.length;
  const ids = new Int32Array(n);
  const xy = new Float32Array(n * 2);
  const label = new Int32Array(n);
  const predicted = new Int32Array(n);
  const confidence = new Float32Array(n);
  const split = new Uint8Array(n);
  const mislabeled = new Uint8Array(n);
  const hashes = Buffer.alloc(n * HASH_BYTES);
  page.forEach((r, i) => {
    const p = at.get(r.hash)!;
    ids[i] = r.id;
    xy[i * 2] = layout.coords[p * 2]!;
    xy[i * 2 + 1] = layout.coords[p * 2 + 1]!;
    label[i] = r.class_id ?? 0;
    predicted[i] = r.pred ?? 0;
    confidence[i] = r.probability ?? Number.NaN;
    split[i] = SPLIT_CODE[r.split];
    mislabeled[i] = r.mislabeled ? 1 : 0;
    // A hash that is not 64 hex digits (never written by the importer) leaves zeros: its
    // image is then asked for by id alone.
    if (/^[0-9a-f]{64}$/.test(r.hash)) hashes.write(r.hash, i * HASH_BYTES, 'hex');
  });
  return {
    method: layout.method,
    total: rows.length,
    offset: opts.offset,
    count: n,
    withoutFeatures,
    umap: opts.umap,
    ids: pack(ids),
    xy: pack(xy),
    label: pack(label),
    predicted: pack(predicted),
    confidence: pack(confidence),
    split: pack(split),
    mislabeled: pack(mislabeled),
    hashes: hashes.toString('base64'),
  };
}
