import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import { MAX_INPUT_PIXELS } from './inspect.ts';

export const THUMB_SIZE = 256;
/** Formats browsers cannot show (TIFF, HEIC) are served converted, at most this many pixels wide or high. */
export const FULL_MAX_SIDE = 4096;

export interface CachedVariant {
  contentType: string;
  body: Buffer;
}

/** At most this many images decode at once, so a page of thumbnails cannot starve file I/O. */
const limit = createLimiter(Math.max(1, availableParallelism()));
/** Requests for the same picture while it is being made share the work. */
const making = new Map<string, Promise<Buffer>>();

function cachePath(cacheDir: string, kind: 'thumbs' | 'full', hash: string, ext: string): string {
  return join(cacheDir, kind, hash.slice(0, 2), `${hash}.${ext}`);
}

/**
 * A 256 px WebP of the image (EXIF orientation applied, any colour space or bit depth brought
 * to 8-bit sRGB), made on first request and cached under `<project>-cache/thumbs/` by content
 * hash, so a renamed or moved file keeps its thumbnail and a changed one gets a new one.
 */
export function thumbnail(cacheDir: string, path: string, hash: string): Promise<Buffer> {
  return cached(cachePath(cacheDir, 'thumbs', hash, 'webp'), () =>
    sharp(path, { limitInputPixels: MAX_INPUT_PIXELS, failOn: 'error' })
      .autoOrient()
      .resize(THUMB_SIZE, THUMB_SIZE, { fit: 'inside', withoutEnlargement: true })
      .toColourspace('srgb')
      .webp({ quality: 80, effort: 2 })
      .toBuffer(),
  );
}

/** The image as JPEG (or PNG when it has transparency), for formats browsers cannot show. */
export async function convertedFull(
  cacheDir: string,
  path: string,
  hash: string,
  hasAlpha: boolean,
): Promise<CachedVariant> {
  const ext = hasAlpha ? 'png' : 'jpg';
  const body = await cached(cachePath(cacheDir, 'full', hash, ext), () => {
    const img = sharp(path, { limitInputPixels: MAX_INPUT_PIXELS, failOn: 'error' })
      .autoOrient()
      .resize(FULL_MAX_SIDE, FULL_MAX_SIDE, { fit: 'inside', withoutEnlargement: true })
      .toColourspace('srgb');
    return (hasAlpha ? img.png({ compressionLevel: 6 }) : img.jpeg({ quality: 90 })).toBuffer();
  });
  return { contentType: hasAlpha ? 'image/png' : 'image/jpeg', body };
}

async function cached(file: string, make: () => Promise<Buffer>): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch {
    // Not made yet.
  }
  let pending = making.get(file);
  if (!pending) {
    pending = limit(async () => {
      const body = await make();
      // Written aside and renamed: a reader never sees half a file, even after a crash.
      const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
      try {
        await mkdir(dirname(file), { recursive: true });
        await writeFile(tmp, body);
        await rename(tmp, file);
      } catch (err) {
        // A project in a read-only folder is still browsed: its thumbnails are just not kept.
        if (!isNotWritable(err)) throw err;
      }
      return body;
    }).finally(() => making.delete(file));
    making.set(file, pending);
  }
  return pending;
}

function isNotWritable(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'EACCES' || code === 'EPERM' || code === 'EROFS';
}

function createLimiter(max: number): <T>(fn: () => Promise<T>) => Promise<T> {
  let active = 0;
  const queue: (() => void)[] = [];
  return async <T>(fn: () => Promise<T>): Promise<T> => {
    if (active >= max) await new Promise<void>((resolve) => queue.push(resolve));
    active++;
    try {
      return await fn();
    } finally {
      active--;
      queue.shift()?.();
    }
  };
}
