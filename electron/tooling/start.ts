/**
 * `npm start`: build the renderer and the Electron bundles, make Electron's better-sqlite3 if
 * it is missing, and run Electron on this folder. Without an Electron binary it stops at once
 * with a message that points at `npx incept serve`, exit code 1, no stack trace.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { SQLITE_BINDING_ENV } from '../native-paths.ts';
import { bundleElectron } from './bundle.ts';
import { findElectronBinary, missingElectronMessage } from './electron-binary.ts';
import { ensureElectronSqlite, installedElectronVersion, NativeBuildError } from './native-sqlite.ts';

export interface StartIo {
  out(line: string): void;
  err(line: string): void;
}

const defaultIo: StartIo = {
  out: (line) => console.log(line),
  err: (line) => console.error(line),
};

export function buildRenderer(root: string, io: StartIo): boolean {
  const vite = join(root, 'node_modules', '.bin', process.platform === 'win32' ? 'vite.cmd' : 'vite');
  if (!existsSync(vite)) {
    io.err('Vite is not installed; run "npm install" first.');
    return false;
  }
  io.out('Building the renderer (vite build) …');
  const r = spawnSync(vite, ['build', '--config', 'renderer/vite.config.ts', '--logLevel', 'warn'], {
    cwd: root,
    stdio: 'inherit',
    shell: process.platform === 'win32',
  });
  if (r.status !== 0) io.err('The renderer build failed; see the messages above.');
  return r.status === 0;
}

export async function start(root: string, args: string[], io: StartIo = defaultIo): Promise<number> {
  const binary = findElectronBinary(root);
  if (!binary.ok) {
    io.err(missingElectronMessage(binary.reason));
    return 1;
  }
  if (!buildRenderer(root, io)) return 1;
  io.out('Bundling main, preload, the compute host and its worker (esbuild) …');
  try {
    await bundleElectron({ root });
  } catch (err) {
    io.err(`Bundling the Electron side failed: ${(err as Error).message}`);
    return 1;
  }
  let binding: string;
  try {
    binding = await ensureElectronSqlite({
      root,
      electronVersion: installedElectronVersion(root),
      log: io.out,
    });
  } catch (err) {
    io.err(
      err instanceof NativeBuildError
        ? err.message
        : `Preparing native modules failed: ${(err as Error).message}`,
    );
    io.err('Meanwhile, "npx incept serve" runs Incept in the browser with the Node build.');
    return 1;
  }
  io.out(`Starting Electron (${binary.path}) …`);
  const child = spawn(binary.path, [root, ...args], {
    cwd: root,
    stdio: 'inherit',
    env: {
      ...process.env,
      [SQLITE_BINDING_ENV]: binding,
      ELECTRON_ENABLE_LOGGING: process.env.ELECTRON_ENABLE_LOGGING ?? '1',
    },
  });
  const forward = (signal: NodeJS.Signals) => () => void child.kill(signal);
  process.once('SIGINT', forward('SIGINT'));
  process.once('SIGTERM', forward('SIGTERM'));
  return new Promise((resolve) => {
    child.once('error', (err) => {
      io.err(`Electron could not be started: ${err.message}`);
      resolve(1);
    });
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}
