import { fileURLToPath } from 'node:url';
import { createReadStream, existsSync, statSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { spawnSync } from 'node:child_process';

export const RENDERER_DIST = fileURLToPath(new URL('../../renderer/dist/', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
  '.map': 'application/json',
};

/**
 * The built renderer. A fresh checkout has not built it yet, so the first `incept serve`
 * builds it once with Vite (a dev dependency, present after `npm install`).
 */
export function ensureRendererBuilt(log: (line: string) => void): string {
  if (existsSync(join(RENDERER_DIST, 'index.html'))) return RENDERER_DIST;
  const vite = join(ROOT, 'node_modules', '.bin', process.platform === 'win32' ? 'vite.cmd' : 'vite');
  if (!existsSync(vite)) {
    throw new Error(
      'The UI is not built and Vite is not installed. Run "npm install" and then "npm run build".',
    );
  }
  log('Building the UI once (npm run build)…');
  const r = spawnSync(vite, ['build', '--config', 'renderer/vite.config.ts', '--logLevel', 'warn'], {
    cwd: ROOT,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (r.status !== 0 || !existsSync(join(RENDERER_DIST, 'index.html'))) {
    throw new Error('Building the UI failed; run "npm run build" to see why.');
  }
  return RENDERER_DIST;
}

/** Serves a file under `root`; anything that resolves outside it is refused. Returns false if not found. */
export function serveStatic(
  root: string,
  urlPath: string,
  res: ServerResponse,
  headers: Record<string, string>,
): boolean {
  let rel: string;
  try {
    rel = decodeURIComponent(urlPath);
  } catch {
    return false;
  }
  const base = resolve(root);
  let file = resolve(base, normalize(`.${rel}`));
  if (file !== base && !file.startsWith(base + sep)) return false;
  if (!existsSync(file) || statSync(file).isDirectory()) {
    // Client-side routes fall back to the app; missing assets stay 404.
    if (extname(rel) !== '') return false;
    file = join(base, 'index.html');
    if (!existsSync(file)) return false;
  }
  const type = TYPES[extname(file)] ?? 'application/octet-stream';
  const immutable = file.includes(`${sep}assets${sep}`);
  res.writeHead(200, {
    ...headers,
    'Content-Type': type,
    'Cache-Control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
  });
  createReadStream(file).pipe(res);
  return true;
}
