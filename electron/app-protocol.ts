import { readFile, stat } from 'node:fs/promises';
import nodePath, { extname, type PlatformPath } from 'node:path';
import { APP_HOST, APP_SCHEME, SECURITY_HEADERS } from './security.ts';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
};

/** Names Windows maps to devices in every folder (`C:\app\con` is the console). */
const WINDOWS_DEVICE = /^(con|prn|aux|nul|conin\$|conout\$|com[0-9¹²³]|lpt[0-9¹²³])(\..*)?$/i;

/**
 * Maps `app://incept/<path>` to a file inside the built renderer, or null. Only GET/HEAD on our
 * host; no `..` (raw or encoded), no encoded separators, nothing outside `rendererDir`. `path`
 * is the platform's path rules, a parameter so that Windows' rules (drive letters, `:` streams,
 * device names) are tested on every platform.
 */
export function appUrlToFile(
  rendererDir: string,
  rawUrl: string,
  path: PlatformPath = nodePath,
): string | null {
  const { isAbsolute, join, relative, resolve, sep } = path;
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    return null;
  }
  if (url.protocol !== `${APP_SCHEME}:` || url.host !== APP_HOST || url.username || url.password || url.port)
    return null;
  const rawPath = url.pathname;
  if (/%2f|%5c|%00/i.test(rawPath) || rawPath.includes('\\')) return null;
  let decoded: string;
  try {
    decoded = decodeURIComponent(rawPath);
  } catch {
    return null;
  }
  const segments = decoded.split('/').filter((s) => s !== '');
  // A ':' is a drive (`D:`) or an alternate data stream on Windows and never in our file names.
  if (segments.some((s) => s === '.' || s === '..' || s.includes('\0') || s.includes(':'))) return null;
  if (sep === '\\' && segments.some((s) => WINDOWS_DEVICE.test(s.trim()))) return null;
  const root = resolve(rendererDir);
  const file = segments.length === 0 ? join(root, 'index.html') : resolve(root, ...segments);
  const rel = relative(root, file);
  // On Windows a file on another drive has no relative path: relative() answers it absolute.
  if (rel === '' || isAbsolute(rel) || rel.startsWith('..') || rel.split(sep).includes('..')) return null;
  return file;
}

function text(status: number, body: string): Response {
  return new Response(body, {
    status,
    headers: { ...SECURITY_HEADERS, 'Content-Type': 'text/plain; charset=utf-8' },
  });
}

/** The `app:` protocol handler: the built renderer with the strict CSP on every response. */
export function createAppProtocolHandler(rendererDir: string): (request: Request) => Promise<Response> {
  return async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return text(405, 'Only GET is served.');
    const file = appUrlToFile(rendererDir, request.url);
    if (!file) return text(404, 'Not part of the app.');
    try {
      const info = await stat(file);
      if (!info.isFile()) return text(404, 'Not part of the app.');
      const body = request.method === 'HEAD' ? null : await readFile(file);
      return new Response(body, {
        status: 200,
        headers: {
          ...SECURITY_HEADERS,
          'Content-Type': TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
          'Cache-Control': 'no-cache',
        },
      });
    } catch {
      return text(404, 'Not part of the app.');
    }
  };
}
