/**
 * The server-side file browser (browser mode has no native dialogs).
 */

export interface FolderEntry {
  name: string;
  path: string;
  kind: 'folder' | 'file';
  /** Folders: image files directly inside; null when not counted (or unreadable). */
  images: number | null;
  /** Folders: subfolders directly inside; null when not counted (or unreadable). */
  folders: number | null;
  /** Files: size in bytes. */
  bytes: number | null;
  /** Why the entry cannot be opened, in words ("permission denied"). */
  problem: string | null;
}

export interface FolderListing {
  path: string;
  /** Null at a root. */
  parent: string | null;
  root: string;
  home: string;
  /** Image files directly in this folder. */
  images: number;
  /** Folders first, then images and accepted files, in natural order. */
  entries: FolderEntry[];
  /** Entries past the listing's limit. */
  leftOut: number;
}

export interface FolderPreview {
  name: string;
  path: string;
  /** A small WebP thumbnail, or null with the reason in `problem`. */
  dataUrl: string | null;
  problem: string | null;
}

export interface Places {
  home: string;
  /** "/" or the drives that exist. */
  roots: string[];
  /** Folders used lately (picked in the browser, imported into the open project), newest first. */
  recent: string[];
  bookmarks: { path: string; exists: boolean }[];
}
