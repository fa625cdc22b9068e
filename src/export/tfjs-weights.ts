/**
 * Packs graph-model weights into tfjs's weights manifest and binary shards, optionally quantized
 * the way tfjs-core's `io.decodeWeights` reads them back: float16 halves, or uint8 with a
 * per-tensor affine `value = q · scale + min` (min nudged so 0 stays exact, as tfjs-converter
 * does).
 *
 * Entries marked `uint8Codes` already hold integer codes 0…255 (per-channel filters, see
 * channel-quantization.ts): they are stored as uint8 with min 0 and scale 1, which decodes exactly.
 */
import type { WeightEntry } from '../model/graph/export-writers.ts';

export type Quantize = 'none' | 'float16' | 'uint8';

export type { WeightEntry } from '../model/graph/export-writers.ts';

export interface ManifestEntry {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
  quantization?: { dtype: 'float16' } | { dtype: 'uint8'; min: number; scale: number };
}

export interface WeightsManifestGroup {
  paths: string[];
  weights: ManifestEntry[];
}

export interface PackedWeights {
  manifest: WeightsManifestGroup[];
  shards: { path: string; data: Uint8Array }[];
  bytes: number;
}

/** tfjs-converter's default shard size (4 MiB). */
export const SHARD_BYTES = 4 * 1024 * 1024;

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** IEEE 754 binary32 → binary16 bits, round to nearest even, with subnormals, ±Inf and NaN. */
export function toFloat16Bits(value: number): number {
  f32[0] = value;
  const x = u32[0] as number;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant !== 0 ? 0x200 : 0);
  let e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    const rest = mant & ((1 << shift) - 1);
    let m = mant >>> shift;
    if (rest > half || (rest === half && (m & 1) === 1)) m += 1;
    return sign | m;
  }
  let m = mant >>> 13;
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && (m & 1) === 1)) {
    m += 1;
    if (m === 0x400) {
      m = 0;
      e += 1;
      if (e >= 0x1f) return sign | 0x7c00;
    }
  }
  return sign | (e << 10) | m;
}

function quantizeFloat16(data: Float32Array): Uint8Array {
  const out = new Uint16Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = toFloat16Bits(data[i] as number);
  return new Uint8Array(out.buffer);
}

function quantizeUint8(data: Float32Array): { bytes: Uint8Array; min: number; scale: number } {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of data) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (data.length === 0) lo = hi = 0;
  let scale = (hi - lo) / 255;
  let min = lo;
  if (scale === 0) scale = 1;
  else if (lo <= 0 && hi >= 0) min = Math.round(lo / scale) * scale;
  const out = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const q = Math.round(((data[i] as number) - min) / scale);
    out[i] = q < 0 ? 0 : q > 255 ? 255 : q;
  }
  return { bytes: out, min, scale };
}

function rawBytes(data: Float32Array | Int32Array): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** Encodes every weight (in order) and splits the concatenation into ≤ `shardBytes` files. */
export function packWeights(
  entries: WeightEntry[],
  quantize: Quantize,
  shardBytes = SHARD_BYTES,
): PackedWeights {
  const manifest: ManifestEntry[] = [];
  const parts: Uint8Array[] = [];
  let total = 0;
  for (const e of entries) {
    const finite = e.dtype === 'float32' && (e.data as Float32Array).every(Number.isFinite);
    const spec: ManifestEntry = { name: e.name, shape: e.shape, dtype: e.dtype };
    let bytes: Uint8Array;
    if (e.uint8Codes) {
      bytes = Uint8Array.from(e.data as Float32Array);
      spec.quantization = { dtype: 'uint8', min: 0, scale: 1 };
    } else if (quantize !== 'none' && e.quantizable && finite) {
      if (quantize === 'float16') {
        bytes = quantizeFloat16(e.data as Float32Array);
        spec.quantization = { dtype: 'float16' };
      } else {
        const q = quantizeUint8(e.data as Float32Array);
        bytes = q.bytes;
        spec.quantization = { dtype: 'uint8', min: q.min, scale: q.scale };
      }
    } else {
      bytes = rawBytes(e.data);
    }
    manifest.push(spec);
    parts.push(bytes);
    total += bytes.length;
  }
  const count = Math.max(1, Math.ceil(total / shardBytes));
  const shards: PackedWeights['shards'] = [];
  let part = 0;
  let partOffset = 0;
  for (let s = 0; s < count; s++) {
    const size = Math.min(shardBytes, total - s * shardBytes);
    const data = new Uint8Array(size);
    let filled = 0;
    while (filled < size) {
      const src = parts[part] as Uint8Array;
      const take = Math.min(size - filled, src.length - partOffset);
      data.set(src.subarray(partOffset, partOffset + take), filled);
      filled += take;
      partOffset += take;
      if (partOffset === src.length) {
        part += 1;
        partOffset = 0;
      }
    }
    shards.push({ path: `group1-shard${s + 1}of${count}.bin`, data });
  }
  return { manifest: [{ paths: shards.map((s) => s.path), weights: manifest }], shards, bytes: total };
}
