import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export type LayoutMethod = 'pca' | 'umap';

/** A linear projection of feature vectors: centre on `mean`, then dot with each component. */
export interface LayoutBasis {
  mean: Float32Array;
  /** `k` rows of length mean.length, row-major. */
  components: Float32Array;
  k: number;
}

export interface Layout {
  method: LayoutMethod;
  /** The feature set's key (see feature-set.ts); a layout for another key is stale. */
  key: string;
  hashes: string[];
  /** x0, y0, x1, y1, … in the order of `hashes`. */
  coords: Float32Array;
  seconds: number;
  createdAt: string;
  /**
   * Points placed into an earlier layout of a mostly equal set (projected on its PCA basis, or
   * at their nearest neighbours for UMAP) rather than laid out with the rest; 0 for a full layout.
   */
  placed: number;
  /** PCA: the two components; UMAP: the reduction to 32 dimensions before UMAP. */
  basis?: LayoutBasis | undefined;
  /** PCA: the centre x, centre y and span that fit the projection into [-1, 1]. */
  frame?: [number, number, number] | undefined;
  /** UMAP: every point's reduced vector (rows × basis.k, in `hashes` order). */
  reduced?: Float32Array | undefined;
}

/**
 * Layouts are derived data, so they live in the app's cache folder rather than the project
 * file: a read-only project still gets its map, and the project file does not grow by megabytes.
 */
export function layoutFile(
  cacheDir: string,
  projectPath: string,
  modelSha256: string,
  method: LayoutMethod,
): string {
  const project = createHash('sha256').update(projectPath).digest('hex').slice(0, 16);
  return join(cacheDir, 'map-layouts', `${project}-${modelSha256.slice(0, 16)}-${method}.bin`);
}

// Version 1 held every content hash as hex in a JSON header (6.4 MB of JSON at 100 000 points,
// parsed on every map.points); version 2 keeps them as 32 raw bytes each after a small header.
const MAGIC = Buffer.from('INCMAPL\0', 'latin1');
const VERSION = 2;
const SHA256_HEX = /^[0-9a-f]{64}$/;

interface Header {
  method: LayoutMethod;
  key: string;
  seconds: number;
  createdAt: string;
  placed: number;
  points: number;
  /** 'sha256': 32 bytes per hash; 'text': one UTF-8 block, hashes joined by newlines. */
  hashes: 'sha256' | 'text';
  hashBytes: number;
  cols: number;
  k: number;
  frame: [number, number, number] | null;
  reduced: boolean;
}

function floatBytes(a: Float32Array): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

function encodeHashes(hashes: readonly string[]): { kind: Header['hashes']; bytes: Buffer } {
  if (hashes.every((h) => SHA256_HEX.test(h))) {
    const bytes = Buffer.alloc(hashes.length * 32);
    hashes.forEach((h, i) => bytes.write(h, i * 32, 'hex'));
    return { kind: 'sha256', bytes };
  }
  return { kind: 'text', bytes: Buffer.from(hashes.join('\n'), 'utf8') };
}

export function writeLayout(file: string, layout: Layout): void {
  const n = layout.hashes.length;
  const hashes = encodeHashes(layout.hashes);
  const basis = layout.basis;
  const reduced = layout.method === 'umap' && basis && layout.reduced ? layout.reduced : null;
  const header: Header = {
    method: layout.method,
    key: layout.key,
    seconds: layout.seconds,
    createdAt: layout.createdAt,
    placed: layout.placed,
    points: n,
    hashes: hashes.kind,
    hashBytes: hashes.bytes.length,
    cols: basis ? basis.mean.length : 0,
    k: basis ? basis.k : 0,
    frame: layout.frame ?? null,
    reduced: reduced !== null,
  };
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const fixed = Buffer.alloc(16);
  MAGIC.copy(fixed, 0);
  fixed.writeUInt32LE(VERSION, 8);
  fixed.writeUInt32LE(json.length, 12);
  const parts = [fixed, json, hashes.bytes, floatBytes(layout.coords)];
  if (basis) parts.push(floatBytes(basis.mean), floatBytes(basis.components));
  if (reduced) parts.push(floatBytes(reduced));
  mkdirSync(join(file, '..'), { recursive: true });
  // Write then rename: a reader never sees half a layout.
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, Buffer.concat(parts));
  renameSync(tmp, file);
}

/** Copies `count` float32s from `bytes` at `at` (the offset need not be 4-byte aligned). */
function floats(bytes: Buffer, at: number, count: number): Float32Array {
  const out = new Float32Array(count);
  new Uint8Array(out.buffer).set(bytes.subarray(at, at + count * 4));
  return out;
}

function decodeHashes(h: Header, bytes: Buffer): string[] | null {
  if (h.hashes === 'sha256') {
    if (bytes.length !== h.points * 32) return null;
    const out: string[] = new Array<string>(h.points);
    for (let i = 0; i < h.points; i++) out[i] = bytes.toString('hex', i * 32, i * 32 + 32);
    return out;
  }
  if (h.points === 0) return bytes.length === 0 ? [] : null;
  const out = bytes.toString('utf8').split('\n');
  return out.length === h.points ? out : null;
}

/**
 * The layout in `file` whatever set it was made for, or null when there is none, it is of
 * another version or it is damaged (a cache is only a cache: it is computed again).
 */
export function readLayoutFile(file: string): Layout | null {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch {
    return null;
  }
  try {
    if (bytes.length < 16 || !bytes.subarray(0, 8).equals(MAGIC)) return null;
    if (bytes.readUInt32LE(8) !== VERSION) return null;
    const jsonEnd = 16 + bytes.readUInt32LE(12);
    const h = JSON.parse(bytes.subarray(16, jsonEnd).toString('utf8')) as Header;
    const n = h.points;
    const sizes = [h.hashBytes, n * 8, h.cols * 4, h.k * h.cols * 4, h.reduced ? n * h.k * 4 : 0];
    if (jsonEnd + sizes.reduce((a, b) => a + b, 0) !== bytes.length) return null;
    let at = jsonEnd;
    const hashes = decodeHashes(h, bytes.subarray(at, at + h.hashBytes));
    if (!hashes) return null;
    at += h.hashBytes;
    const coords = floats(bytes, at, n * 2);
    at += n * 8;
    const layout: Layout = {
      method: h.method,
      key: h.key,
      hashes,
      coords,
      seconds: h.seconds,
      createdAt: h.createdAt,
      placed: h.placed,
    };
    if (h.frame) layout.frame = h.frame;
    if (h.cols > 0) {
      const mean = floats(bytes, at, h.cols);
      at += h.cols * 4;
      layout.basis = { mean, components: floats(bytes, at, h.k * h.cols), k: h.k };
      at += h.k * h.cols * 4;
      if (h.reduced) layout.reduced = floats(bytes, at, n * h.k);
    }
    return layout;
  } catch {
    return null;
  }
}

/** The cached layout for `key`, or null when there is none, it is stale or it is damaged. */
export function readLayout(file: string, key: string): Layout | null {
  const layout = readLayoutFile(file);
  return layout && layout.key === key ? layout : null;
}
