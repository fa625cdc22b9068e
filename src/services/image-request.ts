import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { ApiError } from '../domain/errors.ts';
import { imageFileInfo, markImageUnavailable } from '../store/image-writes.ts';
import type { ProjectStore } from '../store/project.ts';
import { browserContentType } from '../images/formats.ts';
import { describeFsError, describeSharpError } from '../images/inspect.ts';
import { convertedFull, thumbnail } from '../images/thumbnails.ts';

export type ImageVariant = 'thumb' | 'full';

export interface ImageRequest {
  id: number;
  /** The content hash the address names; null for a bare `<id>/<variant>`. */
  hash: string | null;
  variant: ImageVariant;
}

/**
 * Parses `<image-id>/<sha256>/<variant>` (or the bare `<image-id>/<variant>`). Only a decimal
 * id, 64 lowercase hex digits and a known variant pass: `..`, absolute paths, encoded
 * separators and anything else are refused before the database is touched.
 */
export function parseImageRequest(rest: string): ImageRequest {
  const m = /^([1-9][0-9]{0,15})\/(?:([0-9a-f]{64})\/)?(thumb|full)$/.exec(rest);
  if (!m)
    throw new ApiError(
      'invalid_args',
      `Not an image address: ${JSON.stringify(rest)} (expected <id>/<sha256>/thumb or /full).`,
    );
  const id = Number(m[1]);
  // Above 2^53 a number is rounded: 9999999999999999 would quietly become another id.
  if (!Number.isSafeInteger(id))
    throw new ApiError('invalid_args', `Image id ${m[1]} is out of range (no image has it).`);
  return { id, hash: m[2] ?? null, variant: m[3] as ImageVariant };
}

/**
 * An address that names the content hash always means the same bytes, whatever project is
 * open, so the browser may keep it; a bare id means different pictures in different projects
 * (or after a file changed) and is never cached.
 */
export function imageCacheControl(rest: string): string {
  return parseImageRequest(rest).hash === null ? 'no-store' : 'private, max-age=31536000, immutable';
}

/**
 * `thumb`: a 256 px WebP, made once and cached. `full`: the original bytes when browsers can
 * show the format, else a converted JPEG/PNG (TIFF, HEIC). An image whose file is gone or cannot
 * be decoded is marked so in the database, which is how damage that the import's header check
 * cannot see (a TIFF cut short) becomes visible.
 */
export async function resolveImageRequest(
  project: ProjectStore,
  rest: string,
): Promise<{ contentType: string; body: Buffer }> {
  const req = parseImageRequest(rest);
  const row = imageFileInfo(project.db, req.id);
  if (!row) throw new ApiError('not_found', `No image with id ${req.id} in this project.`);
  if (req.hash !== null && row.hash !== null && row.hash !== req.hash)
    throw new ApiError(
      'not_found',
      `Image ${req.id} of this project has other content than the page asked for ` +
        '(another project is open, or the file changed). Reload the page.',
    );
  if (row.status === 'missing')
    throw new ApiError(
      'not_found',
      `Image ${req.id} is missing from ${row.path}. Put the file back, then rescan.`,
    );
  if (row.status === 'unreadable' || row.hash === null)
    throw new ApiError(
      'precondition',
      `Image ${req.id} (${row.path}) cannot be shown: ${row.error ?? 'unreadable'}.`,
    );
  const hash = row.hash;
  try {
    if (req.variant === 'thumb') {
      return { contentType: 'image/webp', body: await thumbnail(project.cacheDir, row.path, hash) };
    }
    const type = browserContentType(row.format);
    if (type) return { contentType: type, body: await readFile(row.path) };
    const { hasAlpha } = await sharp(row.path).metadata();
    return await convertedFull(project.cacheDir, row.path, hash, hasAlpha === true);
  } catch (err) {
    throw markFailure(project, req.id, row.path, err);
  }
}

function markFailure(project: ProjectStore, id: number, path: string, err: unknown): ApiError {
  const code = (err as NodeJS.ErrnoException).code;
  const gone = code === 'ENOENT' || !existsSync(path);
  const reason = code ? describeFsError(err) : describeSharpError(err);
  if (project.db.open) {
    markImageUnavailable(
      project.db,
      id,
      gone ? 'missing' : 'unreadable',
      gone ? 'the file was not found when it was last opened' : reason,
    );
  }
  return gone
    ? new ApiError('not_found', `Image ${id} is missing from ${path}. Put the file back, then rescan.`)
    : new ApiError('precondition', `Image ${id} (${path}) cannot be shown: ${reason}.`);
}
