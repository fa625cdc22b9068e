import type { ImportResult } from '../domain/dataset.ts';
import { ACCEPTED_FORMATS } from './formats.ts';

function count(n: number, what: string): string {
  return `${n} ${what}${n === 1 ? '' : 's'}`;
}

/**
 * Why an import added no image, in words, or null when it added some. "0 imported" alone
 * leaves a person guessing between an empty folder, the wrong folder, broken files and a
 * folder that was already imported.
 */
export function noImagesReason(r: Pick<ImportResult, 'roots' | 'counters'>): string | null {
  const c = r.counters;
  if (c.imported + c.changed + c.restored + c.moved > 0) return null;
  const where = r.roots.join(', ');
  if (c.seen === 0) {
    const types = [...ACCEPTED_FORMATS].join(', ');
    return c.skipped === 0
      ? `No images: ${where} holds no files at all. Pick the folder that holds your pictures.`
      : `No images: ${where} holds no image files (${count(c.skipped, 'other file')} passed over: not ` +
          `images, hidden, or folders that could not be read). Incept imports ${types} files.`;
  }
  if (c.failed === c.seen)
    return `No images: none of the ${count(c.seen, 'image file')} in ${where} could be read (each is listed with its reason).`;
  if (c.duplicates === c.seen)
    return `No new images: all ${count(c.seen, 'image')} in ${where} are already in the project (the same content under another path).`;
  if (c.unchanged === c.seen)
    return `No new images: all ${count(c.seen, 'image')} in ${where} were imported before.`;
  const parts = [
    c.unchanged && `${c.unchanged} imported before`,
    c.duplicates && `${c.duplicates} already in the project under another path`,
    c.failed && `${c.failed} unreadable`,
  ].filter(Boolean);
  return `No new images in ${where}: ${parts.join(', ')}.`;
}

/** True when the import found nothing it could use at all: no image files, or none readable. */
export function importFoundNothing(r: Pick<ImportResult, 'counters'>): boolean {
  const c = r.counters;
  return c.imported + c.changed + c.restored + c.moved + c.unchanged + c.duplicates === 0;
}
