/**
 * The server-side file browser's listing: names, kinds and counts only. Nothing here reads a
 * file's contents (previews.ts makes thumbnails of images, nothing else).
 */
import type { Dirent } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, extname, isAbsolute, join, parse, resolve } from 'node:path';
import { ApiError } from '../domain/errors.ts';
import type { FolderEntry, FolderListing } from '../domain/files.ts';
import { hasImageExtension } from '../images/formats.ts';
import { describeFsProblem } from './fs-problem.ts';

/** Entries shown for one folder; the rest are counted as left out. */
const MAX_ENTRIES = 2000;
/** Subfolders whose images are counted (each one is listed once more). */
const MAX_COUNTED = 300;

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

export interface ListOptions {
  /** File endings (".onnx") shown besides folders and images; folders are always shown. */
  accept: readonly string[];
  showHidden: boolean;
}

export function resolveBrowsePath(raw: string | undefined): string {
  if (raw === undefined || raw.trim() === '') return homedir();
  const path = raw.trim();
  if (!isAbsolute(path)) {
    throw new ApiError(
      'invalid_args',
      `${path} is not an absolute path; start from a folder such as ${homedir()}.`,
    );
  }
  return resolve(path);
}

export async function listFolder(rawPath: string | undefined, opts: ListOptions): Promise<FolderListing> {
  const path = resolveBrowsePath(rawPath);
  let dirents: Dirent[];
  try {
    dirents = await readdir(path, { withFileTypes: true });
  } catch (err) {
    throw new ApiError(
      (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'not_found' : 'precondition',
      `${path} cannot be listed: ${describeFsProblem(err)}.`,
    );
  }
  const accept = new Set(opts.accept.map((e) => e.toLowerCase()));
  const visible = dirents.filter((d) => opts.showHidden || !d.name.startsWith('.'));
  const folders: FolderEntry[] = [];
  const files: FolderEntry[] = [];
  let images = 0;
  for (const d of visible) {
    const full = join(path, d.name);
    let isDir = d.isDirectory();
    let isFile = d.isFile();
    if (d.isSymbolicLink()) {
      let target;
      try {
        target = await stat(full);
      } catch (err) {
        // A broken link is shown with its reason rather than silently missing.
        files.push({
          ...blank(d.name, full, 'file'),
          problem: `a link that cannot be followed: ${describeFsProblem(err)}`,
        });
        continue;
      }
      isDir = target.isDirectory();
      isFile = target.isFile();
    }
    if (isDir) {
      folders.push(blank(d.name, full, 'folder'));
    } else if (isFile) {
      const image = hasImageExtension(d.name);
      if (image) images++;
      if (image || accept.has(extname(d.name).toLowerCase())) {
        files.push(blank(d.name, full, 'file'));
      }
    }
  }
  folders.sort((a, b) => collator.compare(a.name, b.name));
  files.sort((a, b) => collator.compare(a.name, b.name));
  const entries = [...folders, ...files];
  const shown = entries.slice(0, MAX_ENTRIES);
  await countInside(shown.filter((e) => e.kind === 'folder').slice(0, MAX_COUNTED), opts.showHidden);
  await sizeFiles(shown.filter((e) => e.kind === 'file'));
  const parent = dirname(path);
  return {
    path,
    parent: parent === path ? null : parent,
    root: parse(path).root,
    home: homedir(),
    images,
    entries: shown,
    leftOut: entries.length - shown.length,
  };
}

function blank(name: string, path: string, kind: FolderEntry['kind']): FolderEntry {
  return { name, path, kind, images: null, folders: null, bytes: null, problem: null };
}

/** Images and subfolders directly inside each folder; an unreadable folder gets its reason. */
async function countInside(folders: FolderEntry[], showHidden: boolean): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < folders.length) {
      const entry = folders[next++]!;
      try {
        const inside = await readdir(entry.path, { withFileTypes: true });
        let images = 0;
        let subfolders = 0;
        for (const d of inside) {
          if (!showHidden && d.name.startsWith('.')) continue;
          if (d.isDirectory()) subfolders++;
          else if (hasImageExtension(d.name)) images++;
        }
        entry.images = images;
        entry.folders = subfolders;
      } catch (err) {
        entry.problem = describeFsProblem(err);
      }
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
}

async function sizeFiles(files: FolderEntry[]): Promise<void> {
  for (const f of files.slice(0, MAX_COUNTED).filter((e) => e.problem === null)) {
    try {
      f.bytes = (await stat(f.path)).size;
    } catch (err) {
      f.problem = describeFsProblem(err);
    }
  }
}
