import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  renameSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { basename, extname, join } from 'node:path';
import type { RecentProject } from './domain/project.ts';

/**
 * The per-user data folder (recent projects, downloaded models). `INCEPT_DATA_DIR` overrides it,
 * which is how tests keep to a temporary folder.
 */
export function defaultDataDir(): string {
  if (process.env.INCEPT_DATA_DIR) return process.env.INCEPT_DATA_DIR;
  const home = homedir();
  switch (process.platform) {
    case 'win32':
      return join(process.env.APPDATA ?? join(home, 'AppData', 'Roaming'), 'Incept');
    case 'darwin':
      return join(home, 'Library', 'Application Support', 'Incept');
    default:
      return join(process.env.XDG_CONFIG_HOME ?? join(home, '.config'), 'incept');
  }
}

const MAX_RECENT = 12;
/** Windows has ACLs instead of mode bits; chmod there only toggles read-only. */
const PRIVATE_MODES = process.platform !== 'win32';

/** A small JSON file in the data folder, replaced atomically on each write. */
export class AppData {
  readonly dir: string;

  constructor(dir = defaultDataDir()) {
    this.dir = dir;
  }

  get modelsDir(): string {
    return join(this.dir, 'models');
  }

  recent(): RecentProject[] {
    const raw = this.#read<{ path: string; openedAt: string }[]>('recent.json', []);
    return raw
      .filter((r) => typeof r?.path === 'string' && typeof r?.openedAt === 'string')
      .map((r) => ({
        path: r.path,
        name: basename(r.path, extname(r.path)),
        openedAt: r.openedAt,
        exists: existsSync(r.path),
      }));
  }

  touchRecent(path: string): void {
    const list = this.recent()
      .filter((r) => r.path !== path)
      .map(({ path, openedAt }) => ({ path, openedAt }));
    list.unshift({ path, openedAt: new Date().toISOString() });
    this.#write('recent.json', list.slice(0, MAX_RECENT));
  }

  /**
   * The browser-mode access token, kept (readable by this user only) so that a restarted
   * `incept serve` accepts the pages that are still open.
   */
  serveToken(): string {
    // Checked on every start, not only at creation: a folder made under `umask 000`, or a
    // token file loosened since, would let another account read or replace the token.
    this.#ensurePrivateDir(true);
    const file = join(this.dir, 'serve-token');
    try {
      const s = lstatSync(file);
      // Only a plain file of this account is trusted; anything else is replaced below.
      if (s.isFile() && (process.getuid === undefined || s.uid === process.getuid())) {
        if (PRIVATE_MODES && (s.mode & 0o077) !== 0) chmodSync(file, 0o600);
        const token = readFileSync(file, 'utf8').trim();
        if (/^[A-Za-z0-9_-]{32,}$/.test(token)) return token;
      }
    } catch {
      // First start: make one below.
    }
    const token = randomBytes(24).toString('base64url');
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, token, { mode: 0o600 });
    if (PRIVATE_MODES) chmodSync(tmp, 0o600);
    renameSync(tmp, file);
    return token;
  }

  settings<T extends object>(defaults: T): T {
    return { ...defaults, ...this.#read<Partial<T>>('settings.json', {}) };
  }

  saveSettings(settings: object): void {
    this.#write('settings.json', settings);
  }

  #read<T>(file: string, fallback: T): T {
    try {
      return JSON.parse(readFileSync(join(this.dir, file), 'utf8')) as T;
    } catch {
      // Missing or damaged: start afresh rather than refuse to run.
      return fallback;
    }
  }

  /**
   * Creates the data folder readable by this account only (0700 whatever the umask) and
   * tightens an existing one; `strict` turns a folder that can't be tightened into an error.
   */
  #ensurePrivateDir(strict: boolean): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    if (!PRIVATE_MODES) return;
    const mode = statSync(this.dir).mode & 0o777;
    if ((mode & 0o077) === 0) return;
    try {
      chmodSync(this.dir, 0o700);
    } catch (err) {
      if (strict) {
        throw new Error(
          `The data folder ${this.dir} is open to other accounts (mode ${mode.toString(8)}) and this ` +
            `account cannot change that (${(err as Error).message}). Run "chmod 700 ${this.dir}" as its ` +
            'owner, or set INCEPT_DATA_DIR to a folder of your own.',
          { cause: err },
        );
      }
    }
  }

  #write(file: string, value: unknown): void {
    this.#ensurePrivateDir(false);
    const target = join(this.dir, file);
    const tmp = `${target}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(value, null, 2));
    renameSync(tmp, target);
  }
}
