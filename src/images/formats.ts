import { extname } from 'node:path';

/** File name endings an import picks up (compared in lower case). */
export const IMAGE_EXTENSIONS: ReadonlySet<string> = new Set([
  '.jpg',
  '.jpeg',
  '.jpe',
  '.jfif',
  '.png',
  '.webp',
  '.gif',
  '.tif',
  '.tiff',
  '.avif',
  '.heic',
  '.heif',
]);

export function hasImageExtension(name: string): boolean {
  return IMAGE_EXTENSIONS.has(extname(name).toLowerCase());
}

/** Formats (as stored in `images.format`) that Incept accepts once sharp has read the header. */
export const ACCEPTED_FORMATS: ReadonlySet<string> = new Set([
  'jpeg',
  'png',
  'webp',
  'gif',
  'tiff',
  'avif',
  'heic',
  'heif',
]);

/** Formats every browser (and Electron) shows as they are; the others are converted to serve them. */
const BROWSER_TYPES: Readonly<Record<string, string>> = {
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  gif: 'image/gif',
  avif: 'image/avif',
};

export function browserContentType(format: string | null): string | null {
  return (format !== null && BROWSER_TYPES[format]) || null;
}
