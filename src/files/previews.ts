/**
 * Thumbnails of a folder's first images, for the file browser: small WebP data URLs, so that a
 * browser on another machine sees what a folder holds before importing it. Only files with an
 * image ending are opened, and only to decode them.
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { ApiError } from '../domain/errors.ts';
import type { FolderPreview } from '../domain/files.ts';
import { hasImageExtension } from '../images/formats.ts';
import { describeFsProblem } from './fs-problem.ts';
import { resolveBrowsePath } from './list-folder.ts';

const PREVIEW_PX = 112;
const MAX_PREVIEW_BYTES = 64 * 1024 * 1024;
const MAX_INPUT_PIXELS = 100_000_000;

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

export async function folderPreviews(rawPath: string, count: number): Promise<FolderPreview[]> {
  const path = resolveBrowsePath(rawPath);
  let names: string[];
  try {
    names = (await readdir(path, { withFileTypes: true }))
      .filter(
        (d) => !d.name.startsWith('.') && (d.isFile() || d.isSymbolicLink()) && hasImageExtension(d.name),
      )
      .map((d) => d.name)
      .sort(collator.compare);
  } catch (err) {
    throw new ApiError('precondition', `${path} cannot be listed: ${describeFsProblem(err)}.`);
  }
  const out: FolderPreview[] = [];
  for (const name of names.slice(0, count)) {
    const file = join(path, name);
    try {
      const info = await stat(file);
      if (info.size > MAX_PREVIEW_BYTES) {
        out.push({ name, path: file, dataUrl: null, problem: 'too large to preview' });
        continue;
      }
      const webp = await sharp(file, { limitInputPixels: MAX_INPUT_PIXELS, failOn: 'error' })
        .rotate()
        .resize(PREVIEW_PX, PREVIEW_PX, { fit: 'cover' })
        .webp({ quality: 70 })
        .toBuffer();
      out.push({
        name,
        path: file,
        dataUrl: `data:image/webp;base64,${webp.toString('base64')}`,
        problem: null,
      });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      out.push({
        name,
        path: file,
        dataUrl: null,
        problem: code ? describeFsProblem(err) : 'not a readable image',
      });
    }
  }
  return out;
}
