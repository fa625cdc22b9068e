import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { ApiError, httpStatusFor, type ApiErrorShape } from '../domain/errors.ts';
import { createCoreDispatch } from '../api/handlers.ts';
import type { Core } from '../core.ts';
import { newToken, requestToken, TOKEN_COOKIE, tokensMatch } from './auth.ts';
import { serveStatic } from './static.ts';
import { serveImage } from './images.ts';
import { checkJsonContentType, decodePathPart, requestPolicy, type RequestPolicy } from './request-checks.ts';
import { EventFanout } from './event-fanout.ts';
import { errorToWire } from '../rpc/errors.ts';
import { encodeEventFrame } from '../rpc/events.ts';

export interface ServeOptions {
  core: Core;
  host?: string;
  /** 0 (the default) picks a free port. */
  port?: number;
  token?: string;
  /** Folder of the built renderer; without it only the API is served. */
  staticDir?: string | null;
}

export interface RunningServer {
  url: string;
  /** The URL with the access token, which is what a person opens. */
  openUrl: string;
  host: string;
  port: number;
  token: string;
  server: Server;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 16 * 1024 * 1024;
/**
 * Longer than the idle timeout of common clients' connection pools (browsers keep idle
 * connections 60 s or more, Node's agent until the server closes them): a server that closes
 * first races the client reusing the socket, and the client sees ECONNRESET.
 */
export const KEEP_ALIVE_TIMEOUT_MS = 65_000;
/** Node requires the header timeout to exceed the keep-alive timeout, or idle sockets are cut. */
export const HEADERS_TIMEOUT_MS = KEEP_ALIVE_TIMEOUT_MS + 1_000;

// The same policy the Electron window uses: nothing remote, no inline script.
const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy':
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; " +
    "connect-src 'self' ws: wss:; font-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
};

/**
 * Browser mode: the built renderer and the same API over HTTP (`POST /api/<method>`) and a
 * WebSocket for events (`/ws`). Every request needs the access token.
 */
export async function startServer(opts: ServeOptions): Promise<RunningServer> {
  const { core } = opts;
  const host = opts.host ?? '127.0.0.1';
  const token = opts.token ?? newToken();
  const dispatch = createCoreDispatch(core);
  const sockets = new Set<WebSocket>();
  // Known once the server listens (the port may be picked by the OS).
  let policy: RequestPolicy | null = null;

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) sendError(res, errorToWire(err));
      else res.destroy();
    });
  });

  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  server.headersTimeout = HEADERS_TIMEOUT_MS;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    policy!.checkHost(req);
    // Navigations may come from anywhere (a link, a bookmark): they only show the page.
    policy!.checkOrigin(req, {
      navigationAllowed: req.method === 'GET' && !url.pathname.startsWith('/api/'),
    });
    const given = requestToken(req, url);
    if (!tokensMatch(given, token)) {
      sendError(
        res,
        new ApiError(
          'unauthorized',
          'Missing or wrong access token. Open the URL that "incept serve" printed.',
        ),
      );
      return;
    }
    if (url.pathname.startsWith('/api/')) {
      if (req.method !== 'POST') {
        res.setHeader('Allow', 'POST');
        sendJson(res, 405, {
          error: { code: 'invalid_args', message: 'API calls use POST with a JSON body.' },
        });
        return;
      }
      const name = decodePathPart(url.pathname.slice('/api/'.length));
      checkJsonContentType(req);
      const args = await readJsonBody(req);
      const result = await dispatch(name, args);
      sendJson(res, 200, { result: result ?? null });
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendJson(res, 405, { error: { code: 'invalid_args', message: 'Only GET is served outside /api/.' } });
      return;
    }
    if (url.pathname.startsWith('/img/')) {
      await serveImage(core, url.pathname.slice('/img/'.length), res, SECURITY_HEADERS);
      return;
    }
    const headers: Record<string, string> = { ...SECURITY_HEADERS };
    if (url.searchParams.has('token')) {
      // The page was opened from the printed URL: later requests (assets, API) carry a cookie.
      headers['Set-Cookie'] =
        `${TOKEN_COOKIE}=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/`;
    }
    if (!opts.staticDir || !serveStatic(opts.staticDir, url.pathname, res, headers)) {
      sendJson(res, 404, { error: { code: 'not_found', message: `Nothing at ${url.pathname}.` } });
    }
  }

  const wss = new WebSocketServer({ noServer: true, maxPayload: 1024 * 1024 });
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    try {
      policy!.checkHost(req);
      policy!.checkOrigin(req, { navigationAllowed: false });
    } catch (err) {
      socket.end(`HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n${(err as Error).message}`);
      return;
    }
    if (url.pathname !== '/ws' || !tokensMatch(requestToken(req, url), token)) {
      socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws);
      ws.on('close', () => sockets.delete(ws));
      ws.on('error', () => sockets.delete(ws));
      ws.send(encodeEventFrame([{ event: 'hello', payload: { project: core.project?.info() ?? null } }]));
    });
  });
  const fanout = new EventFanout(sockets);
  const offEvents = core.events.onAny((event, payload) => fanout.push(event, payload));

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  policy = requestPolicy(host, port);
  const hostForUrl = host.includes(':') ? `[${host}]` : host;
  const url = `http://${hostForUrl}:${port}/`;
  return {
    url,
    openUrl: `${url}?token=${encodeURIComponent(token)}`,
    host,
    port,
    token,
    server,
    close: async () => {
      offEvents();
      fanout.close();
      for (const ws of sockets) ws.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function readJsonBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES)
      throw new ApiError('invalid_args', `Request body over ${MAX_BODY_BYTES} bytes.`);
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (text === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ApiError('invalid_args', 'The request body is not valid JSON.');
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    'Content-Type': 'application/json; charset=utf-8',
    'Cache-Control': 'no-store',
  });
  res.end(text);
}

function sendError(res: ServerResponse, err: ApiError | ApiErrorShape): void {
  const shape = err instanceof ApiError ? err.toJSON() : err;
  sendJson(res, httpStatusFor(shape.code), { error: shape });
}
