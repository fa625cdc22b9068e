/**
 * What the map shows: every ok image with features for the project's model, at the position
 * its content hash has in the layout, with its label, prediction, split and "likely
 * mislabeled" flag, packed into typed arrays (base64) rather than one object per point.
 */
import { createHash } from 'node:crypto';
import type { Layout } from './layout-cache.ts';
import type { DecodedPoints, PackedPoints } from './packed.ts';

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

/** Every point of a map in id order, as typed arrays; pages of `map.points` are slices of it. */
export interface AllPoints extends DecodedPoints {
  method: Layout['method'];
  /** Points placed into an earlier layout rather than laid out with the rest (see Layout). */
  placed: number;
  withoutFeatures: number;
  /** Each point's index in the images it was built from. */
  members: Int32Array;
  hashes: Buffer;
  /**
   * Changes when anything the map shows changes except labels (and the "likely mislabeled"
   * flags that follow them): a client that patches label changes from events keeps its points
   * while the key it holds is still the answer's.
   */
  key: string;
}

/**
 * Every point of `images` that `layout` places. `same`, the points built from the same images
 * (ids and hashes in the same order) and the same layout, lends its positions, ids and hashes:
 * after a label or prediction change only what colours the points is read again.
 */
export function allMapPoints(images: readonly PointInput[], layout: Layout, same?: AllPoints): AllPoints {
  let members: Int32Array;
  let ids: Int32Array;
  let xy: Float32Array;
  let hashes: Buffer;
  let withoutFeatures: number;
  if (same) {
    ({ members, ids, xy, hashes, withoutFeatures } = same);
  } else {
    const at = new Map<string, number>();
    layout.hashes.forEach((h, i) => at.set(h, i));
    const rows: number[] = [];
    images.forEach((r, i) => {
      if (at.has(r.hash)) rows.push(i);
    });
    members = Int32Array.from(rows);
    withoutFeatures = images.length - rows.length;
    const n = members.length;
    ids = new Int32Array(n);
    xy = new Float32Array(n * 2);
    hashes = Buffer.alloc(n * HASH_BYTES);
    members.forEach((row, i) => {
      const r = images[row]!;
      const p = at.get(r.hash)!;
      ids[i] = r.id;
      xy[i * 2] = layout.coords[p * 2]!;
      xy[i * 2 + 1] = layout.coords[p * 2 + 1]!;
      // A hash that is not 64 hex digits (never written by the importer) leaves zeros: its
      // image is then asked for by id alone.
      if (/^[0-9a-f]{64}$/.test(r.hash)) hashes.write(r.hash, i * HASH_BYTES, 'hex');
    });
  }
  const n = members.length;
  const label = new Int32Array(n);
  const predicted = new Int32Array(n);
  const confidence = new Float32Array(n);
  const split = new Uint8Array(n);
  const mislabeled = new Uint8Array(n);
  members.forEach((row, i) => {
    const r = images[row]!;
    label[i] = r.class_id ?? 0;
    predicted[i] = r.pred ?? 0;
    confidence[i] = r.probability ?? Number.NaN;
    split[i] = SPLIT_CODE[r.split];
    mislabeled[i] = r.mislabeled ? 1 : 0;
  });
  const key = createHash('sha256')
    .update(`${layout.method} ${layout.key} ${layout.createdAt} ${withoutFeatures}\n`)
    .update(bytesOf(ids))
    .update(bytesOf(xy))
    .update(bytesOf(predicted))
    .update(bytesOf(confidence))
    .update(bytesOf(split))
    .update(hashes)
    .digest('hex')
    .slice(0, 32);
  return {
    method: layout.method,
    placed: layout.placed,
    withoutFeatures,
    members,
    ids,
    xy,
    label,
    predicted,
    confidence,
    split,
    mislabeled,
    hashes,
    key,
  };
}

function bytesOf(a: Int32Array | Float32Array | Uint8Array): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

/** The freshness key of a page: the points' key and the UMAP state the answer reports. */
export function pointsKey(all: AllPoints, umap: PackedPoints['umap']): string {
  return `${all.key}.${umap}`;
}

/** One page of `all`: base64 of slices of its arrays. */
export function pointsPage(
  all: AllPoints,
  opts: { offset: number; limit: number; umap: PackedPoints['umap'] },
): PackedPoints {
  const total = all.ids.length;
  const from = Math.min(opts.offset, total);
  const to = Math.min(total, from + opts.limit);
  return {
    method: all.method,
    total,
    offset: opts.offset,
    count: to - from,
    withoutFeatures: all.withoutFeatures,
    umap: opts.umap,
    placed: all.placed,
    key: pointsKey(all, opts.umap),
    ids: pack(all.ids.subarray(from, to)),
    xy: pack(all.xy.subarray(from * 2, to * 2)),
    label: pack(all.label.subarray(from, to)),
    predicted: pack(all.predicted.subarray(from, to)),
    confidence: pack(all.confidence.subarray(from, to)),
    split: pack(all.split.subarray(from, to)),
    mislabeled: pack(all.mislabeled.subarray(from, to)),
    hashes: all.hashes.subarray(from * HASH_BYTES, to * HASH_BYTES).toString('base64'),
  };
}

export function packMapPoints(
  images: readonly PointInput[],
  layout: Layout,
  opts: { offset: number; limit: number; umap: PackedPoints['umap'] },
): PackedPoints {
  return pointsPage(allMapPoints(images, layout), opts);
}
