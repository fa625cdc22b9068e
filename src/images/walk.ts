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
 * Streams the image files under `root`, depth first with one directory handle open at a
 * time: memory grows with the number of folders waiting, never with the number of files.
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
    let entries;
    try {
      // Names as bytes: a name that is not valid UTF-8 would otherwise come back with U+FFFD in
      // it, a path that names no file.
      entries = await opendir(dir, { bufferSize: 128, encoding: 'buffer' as BufferEncoding });
    } catch (err) {
      report.folderFailed(dir, describeDirError(err));
      continue;
    }
    try {
      for await (const ent of entries) {
        if (signal?.aborted) return;
        const raw = ent.name as unknown as Buffer;
        const name = raw.toString('utf8');
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
              ent.isSymbolicLink()
                ? 'broken symbolic link (its target does not exist)'
                : describeFsError(err),
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
          pending.push({ dir: path, top: top ?? name });
        } else if (isFile) {
          if (hasImageExtension(name)) yield { path, name, topFolder: top };
          else report.skipped(path, 'not an image file name');
        } else {
          report.skipped(path, 'not a regular file');
        }
      }
    } catch (err) {
      report.folderFailed(dir, `listing stopped part-way: ${describeDirError(err)}`);
    }
  }
}

function describeDirError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied: this account may not list the folder';
  if (code === 'ENOENT') return 'the folder disappeared during the import';
  return `could not list the folder: ${(err as Error).message}`;
}
