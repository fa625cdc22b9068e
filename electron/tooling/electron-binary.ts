/**
 * Finds the Electron executable without `require('electron')`, which tries to download it when
 * it is missing (and so hangs or fails slowly offline). Honours ELECTRON_OVERRIDE_DIST_PATH the
 * way the electron package does.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export type ElectronBinary = { ok: true; path: string } | { ok: false; reason: string };

/** The executable's path inside an Electron dist folder, as node_modules/electron/path.txt has it. */
export function platformExecutable(platform: NodeJS.Platform): string {
  switch (platform) {
    case 'darwin':
      return 'Electron.app/Contents/MacOS/Electron';
    case 'win32':
      return 'electron.exe';
    default:
      return 'electron';
  }
}

export function findElectronBinary(
  root: string,
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
): ElectronBinary {
  const pkgDir = join(root, 'node_modules', 'electron');
  if (!existsSync(join(pkgDir, 'package.json'))) {
    return { ok: false, reason: 'the electron package is not installed (run "npm install")' };
  }
  let relative = platformExecutable(platform);
  try {
    relative = readFileSync(join(pkgDir, 'path.txt'), 'utf8').trim() || relative;
  } catch {
    // No path.txt: the package's install step (the download) never finished.
  }
  const override = env.ELECTRON_OVERRIDE_DIST_PATH;
  if (override) {
    const path = join(override, relative);
    return existsSync(path)
      ? { ok: true, path }
      : { ok: false, reason: `ELECTRON_OVERRIDE_DIST_PATH is set but ${path} does not exist` };
  }
  const path = join(pkgDir, 'dist', relative);
  return existsSync(path)
    ? { ok: true, path }
    : {
        ok: false,
        reason: `its binary is missing (${path}): the download from github.com during "npm install" failed or was skipped`,
      };
}

/** The message `npm start` prints when there is no Electron to run. */
export function missingElectronMessage(reason: string): string {
  return [
    `Cannot start the Incept desktop app: Electron is not available — ${reason}.`,
    '',
    'Use Incept in your browser instead, which needs no Electron:',
    '',
    '    npx incept serve',
    '',
    "To run the desktop app, either fetch Electron's binary with network access",
    '("npx install-electron" or "npm rebuild electron"), or point ELECTRON_OVERRIDE_DIST_PATH',
    'at a folder holding an unpacked Electron build of the same version.',
  ].join('\n');
}
