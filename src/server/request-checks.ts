import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import { ApiError } from '../domain/errors.ts';

/**
 * What a request must look like besides carrying the token. The token alone is not enough in a
 * browser: the session cookie is sent by any page of the same site, and a page on another port
 * of 127.0.0.1 is the same site. These checks keep other pages from driving the API or
 * listening to its events, and a name that was re-pointed at 127.0.0.1 (DNS rebinding) from
 * reaching it at all.
 */
export interface RequestPolicy {
  /** Refuses a Host header that does not name this server. */
  checkHost(req: IncomingMessage): void;
  /** Refuses a request a page of another origin made (Origin, Sec-Fetch-Site). */
  checkOrigin(req: IncomingMessage, opts: { navigationAllowed: boolean }): void;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);
const WILDCARD = new Set(['0.0.0.0', '::']);

export function requestPolicy(listenHost: string, port: number): RequestPolicy {
  const names = acceptedHostNames(listenHost);
  const forbidden = (message: string): ApiError => new ApiError('forbidden', message);

  const hostOf = (req: IncomingMessage): string => {
    const raw = req.headers.host;
    if (!raw) throw forbidden('The request has no Host header; use a browser or an HTTP/1.1 client.');
    return raw.toLowerCase();
  };

  return {
    checkHost(req) {
      const raw = hostOf(req);
      // The port is not checked: a tunnel (ssh -L 9000:127.0.0.1:8080) changes it, and a
      // rebinding attack is about the name.
      const name = hostName(raw);
      if (name === null || !names(name)) {
        throw forbidden(
          `This server answers only to its own address (Host ${JSON.stringify(raw)} refused). ` +
            `Open http://${listenHost.includes(':') ? `[${listenHost}]` : listenHost}:${port}/ instead.`,
        );
      }
    },
    checkOrigin(req, { navigationAllowed }) {
      const origin = req.headers.origin;
      if (origin !== undefined && origin.toLowerCase() !== `http://${hostOf(req)}`) {
        throw forbidden(
          `Requests from other pages are refused (Origin ${origin}). Use the Incept page itself.`,
        );
      }
      // Browsers that send Sec-Fetch-Site say so even where no Origin header is sent (images,
      // scripts): only this origin's own pages, and a person opening the URL, get through.
      const site = req.headers['sec-fetch-site'];
      if (site === undefined || site === 'same-origin' || site === 'none') return;
      if (navigationAllowed && req.headers['sec-fetch-mode'] === 'navigate') return;
      throw forbidden(`Requests from other pages are refused (Sec-Fetch-Site: ${site}).`);
    },
  };
}

/** Refuses an API call whose body is not declared JSON: forms and `no-cors` fetches cannot declare it. */
export function checkJsonContentType(req: IncomingMessage): void {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json') {
    throw new ApiError(
      'unsupported_media_type',
      `API calls need "Content-Type: application/json" (got ${type === '' ? 'none' : JSON.stringify(type)}).`,
    );
  }
}

/** `decodeURIComponent` that answers 400 instead of throwing URIError. */
export function decodePathPart(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw new ApiError('invalid_args', `The address ${JSON.stringify(part)} is not a valid URL encoding.`);
  }
}

function hostName(raw: string): string | null {
  const m = /^(\[[0-9a-f:.]+\]|[^:[\]]+)(:\d{1,5})?$/.exec(raw);
  if (!m) return null;
  return m[1]!.startsWith('[') ? m[1]!.slice(1, -1) : m[1]!;
}

/**
 * The names a Host header may carry. An IP literal can't be re-pointed by DNS, so on a
 * wildcard address every address of this machine is accepted; a name only if it is
 * `localhost` (for a loopback or wildcard server) or the very name the server was told to use.
 */
function acceptedHostNames(listenHost: string): (name: string) => boolean {
  const listen = listenHost.toLowerCase().replace(/^\[|\]$/g, '');
  if (WILDCARD.has(listen)) {
    return (name) =>
      name === listen || LOOPBACK.has(name) || (isIP(name) !== 0 && machineAddresses().has(name));
  }
  if (LOOPBACK.has(listen)) {
    return (name) =>
      name === listen || name === 'localhost' || (listen === 'localhost' && LOOPBACK.has(name));
  }
  return (name) => name === listen;
}

function machineAddresses(): Set<string> {
  const out = new Set<string>(['127.0.0.1', '::1']);
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) out.add(a.address.toLowerCase().replace(/%.*$/, ''));
  }
  return out;
}
