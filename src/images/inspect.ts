import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import sharp, { type Metadata } from 'sharp';
import { ACCEPTED_FORMATS } from './formats.ts';

/**
 * Images above this many pixels are refused per file: decoding a 30 000 × 30 000 PNG would need
 * gigabytes. 100 MP still admits medium-format camera files.
 */
export const MAX_INPUT_PIXELS = 100_000_000;

/** Files up to this size are read once into memory for both the hash and the header. */
const IN_MEMORY_BYTES = 64 * 1024 * 1024;

export interface ImageFacts {
  status: 'ok' | 'unreadable';
  /** SHA-256 of the bytes, hex; null when they could not be read. */
  hash: string | null;
  /** As displayed, i.e. after EXIF orientation. */
  width: number | null;
  height: number | null;
  format: string | null;
  error: string | null;
}

/**
 * Content hash: SHA-256. It is the image's identity (duplicates, splits, the thumbnail cache,
 * later the feature cache), so it must not collide even on adversarial input; Node's OpenSSL
 * uses the CPU's SHA extensions (well over 1 GB/s), far faster than reading the files, so a
 * non-cryptographic hash would buy nothing measurable.
 */
export function sha256(buf: Buffer): string {
  return createHash('sha256').update(buf).digest('hex');
}

function unreadable(hash: string | null, error: string, meta?: Partial<ImageFacts>): ImageFacts {
  return { status: 'unreadable', hash, width: null, height: null, format: null, ...meta, error };
}

/**
 * Reads what the database keeps about an image: hash, displayed size and format. Only the
 * header is parsed (no pixels are decoded), plus a cheap check that JPEG, PNG and WebP files
 * are not cut short, so import stays fast; damage deeper inside shows when a thumbnail is made.
 */
export async function inspectFile(path: string, size: number): Promise<ImageFacts> {
  if (size === 0) return unreadable(sha256(Buffer.alloc(0)), 'empty file (0 bytes)');
  if (size > IN_MEMORY_BYTES) return inspectLargeFile(path);
  let buf: Buffer;
  try {
    buf = await readFile(path);
  } catch (err) {
    return unreadable(null, describeFsError(err));
  }
  return inspectBuffer(buf);
}

export async function inspectBuffer(buf: Buffer): Promise<ImageFacts> {
  if (buf.length === 0) return unreadable(sha256(buf), 'empty file (0 bytes)');
  // Header parsing runs on libuv's pool while this thread hashes.
  const metaPromise = sharp(buf, { limitInputPixels: false }).metadata();
  const hash = sha256(buf);
  let meta: Metadata;
  try {
    meta = await metaPromise;
  } catch (err) {
    return unreadable(hash, describeSharpError(err));
  }
  const facts = factsFrom(meta, hash);
  if (facts.status !== 'ok') return facts;
  const cut = truncation(buf, facts.format);
  return cut
    ? unreadable(hash, cut, { width: facts.width, height: facts.height, format: facts.format })
    : facts;
}

async function inspectLargeFile(path: string): Promise<ImageFacts> {
  const hashPromise = hashStream(path);
  const metaPromise = sharp(path, { limitInputPixels: false }).metadata();
  let hash: string;
  try {
    hash = await hashPromise;
  } catch (err) {
    metaPromise.catch(() => undefined);
    return unreadable(null, describeFsError(err));
  }
  try {
    return factsFrom(await metaPromise, hash);
  } catch (err) {
    return unreadable(hash, describeSharpError(err));
  }
}

async function hashStream(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) h.update(chunk as Buffer);
  return h.digest('hex');
}

function formatOf(meta: Metadata): string | null {
  if (meta.format === 'heif') {
    if (meta.compression === 'av1') return 'avif';
    if (meta.compression === 'hevc') return 'heic';
  }
  return meta.format ?? null;
}

function factsFrom(meta: Metadata, hash: string): ImageFacts {
  const format = formatOf(meta);
  if (format === null || !ACCEPTED_FORMATS.has(format)) {
    return unreadable(
      hash,
      `the file holds ${format ?? 'an unknown format'}, not a photo format Incept imports`,
    );
  }
  const rawW = meta.width;
  const rawH = meta.height;
  if (!rawW || !rawH) return unreadable(hash, 'the image header has no dimensions', { format });
  // Orientations 5-8 turn the image a quarter: width and height swap for the viewer.
  const turned = (meta.orientation ?? 1) >= 5;
  const width = meta.autoOrient?.width ?? (turned ? rawH : rawW);
  const height = meta.autoOrient?.height ?? (turned ? rawW : rawH);
  if (width * height > MAX_INPUT_PIXELS) {
    return unreadable(
      hash,
      `the image is ${width} × ${height} pixels (${Math.round((width * height) / 1e6)} MP), above the ` +
        `${MAX_INPUT_PIXELS / 1e6} MP limit; scale it down to import it`,
      { width, height, format },
    );
  }
  return { status: 'ok', hash, width, height, format, error: null };
}

const JPEG_EOI = Buffer.from([0xff, 0xd9]);
const JPEG_SOS = Buffer.from([0xff, 0xda]);

/** Why the file looks cut short, or null. Scans from the end, so whole files cost next to nothing. */
export function truncation(buf: Buffer, format: string | null): string | null {
  switch (format) {
    case 'jpeg': {
      // Entropy-coded data never contains FF D9 or FF DA (FF bytes are stuffed), so the image is
      // whole when an end marker follows the last start-of-scan (an EXIF thumbnail has its own).
      const eoi = buf.lastIndexOf(JPEG_EOI);
      if (eoi < 0 || buf.indexOf(JPEG_SOS, eoi) >= 0)
        return 'the JPEG is cut short (no end-of-image marker after its data): it was probably not copied completely';
      return null;
    }
    case 'png':
      return buf.lastIndexOf('IEND', undefined, 'latin1') < 0
        ? 'the PNG is cut short (no IEND chunk): it was probably not copied completely'
        : null;
    case 'webp':
      return buf.length >= 12 && buf.readUInt32LE(4) + 8 > buf.length
        ? 'the WebP is cut short (shorter than its RIFF header says): it was probably not copied completely'
        : null;
    default:
      return null;
  }
}

export function describeFsError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOENT':
      return 'the file disappeared before it could be read (deleted or moved during the import)';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied: this account may not read the file';
    case 'EISDIR':
      return 'a folder, not a file';
    case 'EMFILE':
    case 'ENFILE':
      return 'too many open files; import again to retry';
    default:
      return `could not read the file: ${(err as Error).message}`;
  }
}

export function describeSharpError(err: unknown): string {
  const msg = (err as Error).message ?? String(err);
  if (/unsupported image format/i.test(msg))
    return 'not an image (or a damaged one): no known image format in its bytes';
  if (/pixel limit/i.test(msg)) return `the image is larger than the ${MAX_INPUT_PIXELS / 1e6} MP limit`;
  // libvips repeats its warnings line after line; the first says what is wrong.
  const first = (msg.split('\n')[0] ?? msg).trim().slice(0, 300);
  return `the image is damaged or cut short: ${first}`;
}
