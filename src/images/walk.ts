import type { Dirent } from 'node:fs';
import { opendir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { hasImageExtension } from './formats.ts';
import { describeFsError } from './inspect.ts';

export interface WalkEntry {
  path: string;
  name: string;
  /** The first-level folder below the root the file is in (its class), or null in the root. */
  topFolder: string | null;
}

export interface WalkReporter {
  /** A file or folder passed over on purpose (not an image, hidden, a loop). */
  skipped(path: string, reason: string): void;
  /** A folder that could not be listed; what it holds was not seen. */
  folderFailed(path: string, reason: string): void;
}

/**
 * Names as a person orders them: digits by value ("2" before "10"), case and accents second.
 * A fixed locale, so every machine walks a folder in the same order.
 */
const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });

export function naturalCompare(a: string, b: string): number {
  return collator.compare(a, b) || (a < b ? -1 : a > b ? 1 : 0);
}

/**
 * Streams the image files under `root`, depth first, each folder's files and subfolders in
 * natural name order: the same folder always yields the same sequence, so an import gives the
 * same ids, classes and splits wherever it runs. One directory is listed at a time: memory
 * grows with the largest folder and the folders waiting, never with the whole tree.
 * Symbolic links are followed; a folder reached twice (a link loop, or a second link to the
 * same folder) is walked once.
 */
export async function* walkImages(
  root: string,
  report: WalkReporter,
  signal?: AbortSignal,
  /** Folders never to enter (the project's own thumbnail cache). */
  exclude: ReadonlySet<string> = new Set(),
): AsyncGenerator<WalkEntry, void, undefined> {
  const rootStat = await stat(root);
  const visited = new Set<string>([`${rootStat.dev}:${rootStat.ino}`]);
  const pending: { dir: string; top: string | null }[] = [{ dir: root, top: null }];
  while (pending.length > 0) {
    const { dir, top } = pending.pop()!;
    let listed: Listing;
    try {
      listed = await listFolder(dir, signal);
    } catch (err) {
      report.folderFailed(dir, describeDirError(err));
      continue;
    }
    const { entries, failure } = listed;
    entries.sort((a, b) => naturalCompare(a.name, b.name));
    const subfolders: { dir: string; top: string | null }[] = [];
    for (const { ent, name, raw } of entries) {
      if (signal?.aborted) return;
      const path = join(dir, name);
      if (!Buffer.from(name, 'utf8').equals(raw)) {
        report.skipped(
          path,
          'the name is not valid UTF-8 (text in another encoding), so it cannot be stored exactly; ' +
            'rename it (e.g. with "convmv") and import again',
        );
        continue;
      }
      if (name.startsWith('.')) {
        report.skipped(path, 'hidden file or folder');
        continue;
      }
      let isDir = ent.isDirectory();
      let isFile = ent.isFile();
      let id: string | null = null;
      if (ent.isSymbolicLink() || isDir) {
        try {
          const s = await stat(path);
          isDir = s.isDirectory();
          isFile = s.isFile();
          id = `${s.dev}:${s.ino}`;
        } catch (err) {
          report.skipped(
            path,
            ent.isSymbolicLink() ? 'broken symbolic link (its target does not exist)' : describeFsError(err),
          );
          continue;
        }
      }
      if (isDir) {
        if (exclude.has(path)) {
          report.skipped(path, "the project's own cache folder");
          continue;
        }
        if (visited.has(id!)) {
          report.skipped(path, 'folder already walked (a symbolic link loop or a second link to it)');
          continue;
        }
        visited.add(id!);
        subfolders.push({ dir: path, top: top ?? name });
      } else if (isFile) {
        if (hasImageExtension(name)) yield { path, name, topFolder: top };
        else report.skipped(path, 'not an image file name');
      } else {
        report.skipped(path, 'not a regular file');
      }
    }
    if (failure !== undefined)
      report.folderFailed(dir, `listing stopped part-way: ${describeDirError(failure)}`);
    // A stack: the first subfolder goes on last, so it is walked next.
    for (let i = subfolders.length - 1; i >= 0; i--) pending.push(subfolders[i]!);
  }
}

interface ListedEntry {
  ent: Dirent;
  /** The name decoded as UTF-8, and its bytes (to tell a name that is not UTF-8). */
  name: string;
  raw: Buffer;
}

/**
 * A folder's entries. Listing that breaks off part-way keeps what was listed, and says why in
 * `failure`; a folder that cannot be opened at all throws.
 */
interface Listing {
  entries: ListedEntry[];
  failure: unknown;
}

async function listFolder(dir: string, signal?: AbortSignal): Promise<Listing> {
  // Names as bytes: a name that is not valid UTF-8 would otherwise come back with U+FFFD in
  // it, a path that names no file.
  const handle = await opendir(dir, { bufferSize: 128, encoding: 'buffer' as BufferEncoding });
  const entries: ListedEntry[] = [];
  try {
    for await (const ent of handle) {
      if (signal?.aborted) break;
      const raw = ent.name as unknown as Buffer;
      entries.push({ ent, name: raw.toString('utf8'), raw });
    }
  } catch (err) {
    return { entries, failure: err };
  }
  return { entries, failure: undefined };
}

function describeDirError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied: this account may not list the folder';
  if (code === 'ENOENT') return 'the folder disappeared during the import';
  return `could not list the folder: ${(err as Error).message}`;
}
