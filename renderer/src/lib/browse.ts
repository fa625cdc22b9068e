import type { Places } from '../../../src/api/contract.ts';

/** folder: pick a folder; file / open: pick an existing file; save: a folder plus a new file name. */
export type BrowseMode = 'folder' | 'file' | 'open' | 'save';

function isAbsolute(path: string): boolean {
  return path.startsWith('/') || /^[A-Za-z]:[\\/]/.test(path) || path.startsWith('\\\\');
}

/** The folder of a path typed into a field, as far as it can be told without asking the server. */
export function folderOf(path: string, isFolder: boolean): string | null {
  const p = path.trim();
  if (!isAbsolute(p)) return null;
  if (isFolder) return p;
  const cut = Math.max(p.lastIndexOf('/'), p.lastIndexOf('\\'));
  return cut > 0 ? p.slice(0, cut) : p.slice(0, cut + 1);
}

/** Where browsing starts: the field's own folder, else the latest recent folder, else home. */
export function browseStart(initial: string, places: Places | null): string | undefined {
  if (initial.trim() !== '' && isAbsolute(initial.trim())) return initial.trim();
  return places?.recent[0] ?? places?.home;
}

export function joinPath(folder: string, name: string): string {
  const sep = folder.includes('\\') && !folder.includes('/') ? '\\' : '/';
  return folder.endsWith(sep) ? `${folder}${name}` : `${folder}${sep}${name}`;
}
