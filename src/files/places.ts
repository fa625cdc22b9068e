/**
 * Where the file browser starts: home, the folders used lately and the person's bookmarks, kept
 * in `browse.json` in the data folder (replaced atomically on each change).
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { Places } from '../domain/files.ts';

const MAX_RECENT = 10;
const MAX_BOOKMARKS = 50;

interface Stored {
  recent: string[];
  bookmarks: string[];
}

export class BrowsePlaces {
  readonly #file: string;

  constructor(dataDir: string) {
    this.#file = join(dataDir, 'browse.json');
  }

  places(extraRecent: readonly string[] = []): Places {
    const stored = this.#read();
    const recent = unique([...stored.recent, ...extraRecent])
      .filter((p) => existsSync(p))
      .slice(0, MAX_RECENT);
    return {
      home: homedir(),
      roots: roots(),
      recent,
      bookmarks: stored.bookmarks.map((path) => ({ path, exists: existsSync(path) })),
    };
  }

  remember(path: string): void {
    const stored = this.#read();
    stored.recent = unique([resolve(path), ...stored.recent]).slice(0, MAX_RECENT);
    this.#write(stored);
  }

  bookmark(path: string, on: boolean): void {
    const stored = this.#read();
    const abs = resolve(path);
    stored.bookmarks = on
      ? unique([...stored.bookmarks, abs]).slice(0, MAX_BOOKMARKS)
      : stored.bookmarks.filter((p) => p !== abs);
    this.#write(stored);
  }

  #read(): Stored {
    try {
      const raw = JSON.parse(readFileSync(this.#file, 'utf8')) as Partial<Stored>;
      const strings = (v: unknown): string[] =>
        Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
      return { recent: strings(raw.recent), bookmarks: strings(raw.bookmarks) };
    } catch {
      // Missing or damaged: start afresh rather than refuse to browse.
      return { recent: [], bookmarks: [] };
    }
  }

  #write(value: Stored): void {
    mkdirSync(dirname(this.#file), { recursive: true });
    const tmp = `${this.#file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(value, null, 2));
    renameSync(tmp, this.#file);
  }
}

function unique(paths: readonly string[]): string[] {
  return [...new Set(paths)];
}

function roots(): string[] {
  if (process.platform !== 'win32') return ['/'];
  const drives: string[] = [];
  for (let c = 67; c <= 90; c++) {
    const drive = `${String.fromCharCode(c)}:\\`;
    if (existsSync(drive)) drives.push(drive);
  }
  return drives;
}
