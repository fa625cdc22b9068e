/**
 * Where Electron's own build of better-sqlite3 lives. better-sqlite3 is not N-API, so Electron
 * needs a build for its ABI while tests and the CLI keep Node's build in node_modules. The two
 * never share a folder: Electron's is made in `.cache/electron-native/` and handed to the core
 * through INCEPT_SQLITE_BINDING (better-sqlite3's `nativeBinding` option).
 */
import { join } from 'node:path';

export const SQLITE_BINDING_ENV = 'INCEPT_SQLITE_BINDING';

/** The folder `@electron/rebuild` builds in: a copy of better-sqlite3 under its own node_modules. */
export function electronNativeDir(
  root: string,
  electronVersion: string,
  platform: string,
  arch: string,
): string {
  return join(root, '.cache', 'electron-native', `electron-${electronVersion}-${platform}-${arch}`);
}

export function electronSqliteBinding(
  root: string,
  electronVersion: string,
  platform: string,
  arch: string,
): string {
  return join(
    electronNativeDir(root, electronVersion, platform, arch),
    'node_modules',
    'better-sqlite3',
    'build',
    'Release',
    'better_sqlite3.node',
  );
}

/** `npm run dist` copies the build here; electron-builder ships it as `resources/native/…`. */
export const DIST_SQLITE_STAGING = join('.cache', 'dist-native', 'better_sqlite3.node');
export const PACKAGED_SQLITE_BINDING = join('native', 'better_sqlite3.node');
