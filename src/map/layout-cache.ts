import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export type LayoutMethod = 'pca' | 'umap';

export interface Layout {
  method: LayoutMethod;
  /** The feature set's key (see feature-set.ts); a layout for another key is stale. */
  key: string;
  hashes: string[];
  /** x0, y0, x1, y1, … in the order of `hashes`. */
  coords: Float32Array;
  seconds: number;
  createdAt: string;
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

const VERSION = 1;

export function writeLayout(file: string, layout: Layout): void {
  const header = Buffer.from(
    JSON.stringify({
      version: VERSION,
      method: layout.method,
      key: layout.key,
      hashes: layout.hashes,
      seconds: layout.seconds,
      createdAt: layout.createdAt,
    }),
  );
  const size = Buffer.alloc(4);
  size.writeUInt32LE(header.length);
  const coords = Buffer.from(layout.coords.buffer, layout.coords.byteOffset, layout.coords.byteLength);
  mkdirSync(join(file, '..'), { recursive: true });
  // Write then rename: a reader never sees half a layout.
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, Buffer.concat([size, header, coords]));
  renameSync(tmp, file);
}

/** The cached layout for `key`, or null when there is none, it is stale or it is damaged. */
export function readLayout(file: string, key: string): Layout | null {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch {
    return null;
  }
  try {
    const size = bytes.readUInt32LE(0);
    const header = JSON.parse(bytes.subarray(4, 4 + size).toString('utf8')) as Omit<Layout, 'coords'> & {
      version: number;
    };
    if (header.version !== VERSION || header.key !== key) return null;
    const raw = bytes.subarray(4 + size);
    if (raw.length !== header.hashes.length * 8) return null;
    const coords = new Float32Array(header.hashes.length * 2);
    new Uint8Array(coords.buffer).set(raw);
    return {
      method: header.method,
      key: header.key,
      hashes: header.hashes,
      coords,
      seconds: header.seconds,
      createdAt: header.createdAt,
    };
  } catch {
    // A damaged cache file is only a cache: it is computed again.
    return null;
  }
}
