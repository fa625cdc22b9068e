/**
 * The desktop shell's security policy as plain data and pure functions, so it is tested under
 * Node without an Electron binary. `main.ts` only wires these into Electron.
 *
 * Model: the renderer is untrusted web content. It is sandboxed, isolated from Node, sees only
 * the whitelisted preload surface, loads nothing remote and cannot navigate or open windows.
 */

/** The renderer is served from `app://incept/…` (a privileged standard scheme, see main.ts). */
export const APP_SCHEME = 'app';
export const APP_HOST = 'incept';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_ENTRY_URL = `${APP_ORIGIN}/index.html`;

/** Images reach the renderer as `incept-img://<image-id>/<thumb|full>`. */
export const IMAGE_SCHEME = 'incept-img';

/**
 * Custom schemes, registered before the app is ready. `app:` is standard + secure so that
 * `'self'` in the CSP, relative URLs and ES module scripts behave as on https. `incept-img:` is
 * deliberately not standard: Chromium would read `incept-img://12/thumb` as the IPv4 host
 * 0.0.0.12; as a non-standard scheme the URL reaches the handler as written.
 */
export const PRIVILEGED_SCHEMES = [
  {
    scheme: APP_SCHEME,
    // corsEnabled: Vite's module scripts and stylesheets are fetched in CORS mode (same origin).
    privileges: { standard: true, secure: true, supportFetchAPI: true, corsEnabled: true, codeCache: true },
  },
  {
    scheme: IMAGE_SCHEME,
    privileges: { secure: true, supportFetchAPI: true, stream: true },
  },
] as const;

/**
 * The one Content-Security-Policy of the desktop window: only our own scripts (no inline script,
 * no eval), our own styles (Svelte sets inline style attributes), images from the app and the
 * image protocol, nothing from the network, no plugins, no framing, no form posts.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  `img-src 'self' ${IMAGE_SCHEME}: data: blob:`,
  "media-src 'self' blob: mediastream:",
  "font-src 'self'",
  "connect-src 'self'",
  "worker-src 'self'",
  "manifest-src 'none'",
  "object-src 'none'",
  "frame-src 'none'",
  "child-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Headers on every response of the app and image protocols. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

/** The webPreferences of every window we open. DevTools exist only in development. */
export function secureWebPreferences(preloadPath: string, opts: { devTools?: boolean } = {}) {
  return {
    preload: preloadPath,
    devTools: opts.devTools ?? false,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    experimentalFeatures: false,
    enableBlinkFeatures: '',
    navigateOnDragDrop: false,
    spellcheck: false,
    safeDialogs: true,
  } as const;
}

/** `app://incept/<path>`, parsed by hand: WHATWG gives custom schemes an opaque "null" origin. */
export function isAppUrl(raw: string): boolean {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return false;
  }
  return (
    url.protocol === `${APP_SCHEME}:` &&
    url.host === APP_HOST &&
    url.username === '' &&
    url.password === '' &&
    url.port === ''
  );
}

/**
 * In-page navigation stays inside the app; everything else (remote pages, file://, other
 * schemes) is refused. The renderer is a single page, so real navigations only ever reload it.
 */
export function isAllowedNavigation(url: string): boolean {
  return isAppUrl(url);
}

/** `window.open`, `target=_blank` and friends: always refused; the app opens no windows. */
export function windowOpenDecision(_url: string): { action: 'deny' } {
  return { action: 'deny' };
}

/**
 * IPC is answered only for our window's main frame showing our app: not an iframe, not a page
 * that somehow navigated elsewhere, not DevTools.
 */
export function isTrustedSender(sender: {
  frameUrl: string | null | undefined;
  isMainFrame: boolean;
}): boolean {
  return sender.isMainFrame && typeof sender.frameUrl === 'string' && isAppUrl(sender.frameUrl);
}

/** Schemes the window may load at all; requests for anything else (http, https, ws, ftp) fail. */
const LOADABLE_SCHEMES = new Set([`${APP_SCHEME}:`, `${IMAGE_SCHEME}:`, 'data:', 'blob:', 'devtools:']);

export function isAllowedRequest(raw: string): boolean {
  try {
    const url = new URL(raw);
    if (url.protocol === `${APP_SCHEME}:`) return isAppUrl(raw);
    return LOADABLE_SCHEMES.has(url.protocol);
  } catch {
    return false;
  }
}

export interface PermissionRequest {
  permission: string;
  requestingUrl?: string | undefined;
  /** For 'media': which devices the page asked for. */
  mediaTypes?: readonly string[] | undefined;
  /** For permission checks of 'media'. */
  mediaType?: string | undefined;
  isMainFrame?: boolean | undefined;
}

/**
 * Every permission is refused except the camera (webcam capture for labelling and live
 * prediction) and writing text to the clipboard ("copy path"), and only for our own page.
 */
export function isPermissionAllowed(req: PermissionRequest): boolean {
  if (req.requestingUrl !== undefined && !isAppUrl(req.requestingUrl)) return false;
  if (req.isMainFrame === false) return false;
  switch (req.permission) {
    case 'media': {
      if (req.mediaType !== undefined) return req.mediaType === 'video';
      const types = req.mediaTypes ?? [];
      return types.length > 0 && types.every((t) => t === 'video');
    }
    case 'clipboard-sanitized-write':
      return true;
    default:
      return false;
  }
}
