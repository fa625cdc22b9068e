/**
 * `npm run dist`: installable packages for the current platform with electron-builder: Linux
 * AppImage + deb, Windows NSIS, macOS dmg, in `dist/`.
 *
 * Offline, three downloads fail, in this order, and the message says which:
 * Electron's better-sqlite3 build (prebuilt binary from github.com, or headers from
 * electronjs.org), the Electron zip itself (github.com; ELECTRON_OVERRIDE_DIST_PATH avoids it),
 * and electron-builder's packaging tools (appimagetool, fpm, NSIS, from github.com).
 */
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DIST_SQLITE_STAGING } from '../native-paths.ts';
import { bundleElectron } from './bundle.ts';
import { ensureElectronSqlite, installedElectronVersion, NativeBuildError } from './native-sqlite.ts';
import { buildRenderer, type StartIo } from './start.ts';

export const BUILDER_CONFIG = join('build', 'electron-builder.config.cjs');

const defaultIo: StartIo = { out: (l) => console.log(l), err: (l) => console.error(l) };

export function platformFlag(platform: NodeJS.Platform): string | null {
  switch (platform) {
    case 'linux':
      return '--linux';
    case 'win32':
      return '--win';
    case 'darwin':
      return '--mac';
    default:
      return null;
  }
}

const NETWORK_ERROR =
  /ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENETUNREACH|getaddrinfo|socket hang up|unable to get local issuer/i;

export function offlineHelp(step: string): string {
  return [
    `${step} needs files that are downloaded, and this machine could not reach them.`,
    'What `npm run dist` downloads (once; all are cached afterwards):',
    "  1. better-sqlite3 for Electron: a prebuilt binary (github.com) or Electron's headers",
    '     (electronjs.org) to compile it — kept in .cache/electron-native/.',
    '  2. The Electron runtime zip (github.com) — or set ELECTRON_OVERRIDE_DIST_PATH to an',
    '     unpacked Electron of the same version and it is used instead.',
    "  3. electron-builder's tools: appimagetool and fpm (Linux), NSIS (Windows) — github.com,",
    '     cached in ~/.cache/electron-builder.',
    'Run it again with network access. Nothing is needed for `npm test` or `npx incept serve`.',
  ].join('\n');
}

export async function dist(root: string, args: string[], io: StartIo = defaultIo): Promise<number> {
  const flag = platformFlag(process.platform);
  if (!flag) {
    io.err(`electron-builder cannot package for ${process.platform}.`);
    return 1;
  }
  if (!buildRenderer(root, io)) return 1;
  io.out('Bundling main, preload, the compute host and its worker (esbuild) …');
  await bundleElectron({ root });

  try {
    const binding = await ensureElectronSqlite({
      root,
      electronVersion: installedElectronVersion(root),
      log: io.out,
    });
    const staged = join(root, DIST_SQLITE_STAGING);
    mkdirSync(dirname(staged), { recursive: true });
    copyFileSync(binding, staged);
  } catch (err) {
    io.err(err instanceof NativeBuildError ? err.message : String(err));
    io.err('');
    io.err(offlineHelp('Packaging'));
    return 1;
  }

  const builderArgs = ['--config', BUILDER_CONFIG, '--publish', 'never', flag];
  if (process.env.ELECTRON_OVERRIDE_DIST_PATH)
    builderArgs.push(`-c.electronDist=${process.env.ELECTRON_OVERRIDE_DIST_PATH}`);
  builderArgs.push(...args);
  io.out(`electron-builder ${builderArgs.join(' ')}`);
  const { code, output } = await run(
    process.execPath,
    [join(root, 'node_modules', 'electron-builder', 'cli.js'), ...builderArgs],
    root,
  );
  if (code === 0) {
    io.out('Packages are in dist/.');
    return 0;
  }
  io.err('');
  io.err(
    NETWORK_ERROR.test(output)
      ? offlineHelp('electron-builder')
      : 'electron-builder failed; see its messages above.',
  );
  return 1;
}

/** Runs a command with its output shown live and kept for diagnosis. */
function run(cmd: string, args: string[], cwd: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const keep = (stream: NodeJS.WriteStream) => (chunk: Buffer) => {
      stream.write(chunk);
      output = (output + chunk.toString()).slice(-200_000);
    };
    child.stdout.on('data', keep(process.stdout));
    child.stderr.on('data', keep(process.stderr));
    child.once('error', (err) => resolve({ code: 1, output: err.message }));
    child.once('exit', (code) => resolve({ code: code ?? 1, output }));
  });
}
