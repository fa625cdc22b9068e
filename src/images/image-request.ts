import { readFile } from 'node:fs/promises';
import { ApiError } from '../api/errors.ts';
import type { ProjectStore } from '../store/project.ts';

export type ImageVariant = 'thumb' | 'full';

export interface ImageRequest {
  id: number;
  variant: ImageVariant;
}

/**
 * Parses `<image-id>/<variant>`. Only a decimal id and a known variant pass: `..`, absolute
 * paths, encoded separators and anything else are refused before the database is touched.
 */
export function parseImageRequest(rest: string): ImageRequest {
  const m = /^([1-9][0-9]{0,15})\/(thumb|full)$/.exec(rest);
  if (!m)
    throw new ApiError(
      'invalid_args',
      `Not an image address: ${JSON.stringify(rest)} (expected <id>/thumb or <id>/full).`,
    );
  return { id: Number(m[1]), variant: m[2] as ImageVariant };
}

export async function resolveImageRequest(
  project: ProjectStore,
  rest: string,
): Promise<{ contentType: string; body: Buffer }> {
  const req = parseImageRequest(rest);
  const row = project.db.prepare('SELECT path FROM images WHERE id = ?').get(req.id) as
    { path: string } | undefined;
  if (!row) throw new ApiError('not_found', `No image with id ${req.id} in this project.`);
  try {
    return { contentType: 'application/octet-stream', body: await readFile(row.path) };
  } catch (err) {
    throw new ApiError(
      'not_found',
      `Image ${req.id} could not be read from ${row.path}: ${(err as Error).message}`,
    );
  }
}
