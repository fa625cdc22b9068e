/**
 * Makes Electron's build of better-sqlite3 beside, never over, Node's: a copy of the package in
 * `.cache/electron-native/electron-<version>-<platform>-<arch>/node_modules/` is rebuilt by
 * @electron/rebuild (a prebuilt binary from GitHub when there is one, else node-gyp with
 * Electron's headers from electronjs.org). Node's build in node_modules is untouched, so
 * `npm test` and the CLI keep working after `npm start` and `npm run dist`.
 *
 * Runs when Electron starts or packages, never on install (which must work offline).
 */
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { electronNativeDir, electronSqliteBinding } from '../native-paths.ts';

export interface NativeBuildOptions {
  root: string;
  electronVersion: string;
  platform?: NodeJS.Platform;
  arch?: string;
  log?: (line: string) => void;
}

export class NativeBuildError extends Error {
  override name = 'NativeBuildError';
}

export function installedElectronVersion(root: string): string {
  const pkg = JSON.parse(readFileSync(join(root, 'node_modules', 'electron', 'package.json'), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

/** The Electron build's path, building it first when it is missing. */
export async function ensureElectronSqlite(opts: NativeBuildOptions): Promise<string> {
  const platform = opts.platform ?? process.platform;
  const arch = opts.arch ?? process.arch;
  const log = opts.log ?? (() => {});
  const binding = electronSqliteBinding(opts.root, opts.electronVersion, platform, arch);
  if (existsSync(binding)) return binding;

  const dir = electronNativeDir(opts.root, opts.electronVersion, platform, arch);
  const source = join(opts.root, 'node_modules', 'better-sqlite3');
  if (!existsSync(join(source, 'package.json'))) {
    throw new NativeBuildError('better-sqlite3 is not installed; run "npm install" first.');
  }
  const version = (JSON.parse(readFileSync(join(source, 'package.json'), 'utf8')) as { version: string })
    .version;
  log(
    `Building better-sqlite3 ${version} for Electron ${opts.electronVersion} (${platform}-${arch}) in ${dir} …`,
  );
  rmSync(dir, { recursive: true, force: true });
  const target = join(dir, 'node_modules', 'better-sqlite3');
  mkdirSync(target, { recursive: true });
  // Sources only: Node's compiled build stays where it is and is not mistaken for Electron's.
  cpSync(source, target, { recursive: true, filter: (src) => !src.startsWith(join(source, 'build')) });
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({
      name: 'incept-electron-native',
      private: true,
      dependencies: { 'better-sqlite3': version },
    }),
  );

  try {
    const { rebuild } = await import('@electron/rebuild');
    await rebuild({
      buildPath: dir,
      electronVersion: opts.electronVersion,
      platform,
      arch,
      onlyModules: ['better-sqlite3'],
      force: true,
      mode: 'sequential',
    });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw new NativeBuildError(
      `Could not build better-sqlite3 for Electron ${opts.electronVersion}: ${(err as Error).message}\n` +
        'Electron needs its own build of this module. @electron/rebuild first tries a prebuilt binary ' +
        "(github.com) and then compiles with node-gyp, which needs Electron's headers (electronjs.org) " +
        'and a C++ toolchain. Run this once with network access; the result is kept in .cache/electron-native/.',
    );
  }
  if (!existsSync(binding)) {
    throw new NativeBuildError(`@electron/rebuild finished but ${binding} is missing.`);
  }
  return binding;
}
