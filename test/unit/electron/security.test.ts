import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  APP_ENTRY_URL,
  CONTENT_SECURITY_POLICY,
  IMAGE_SCHEME,
  isAllowedNavigation,
  isAllowedRequest,
  isPermissionAllowed,
  isTrustedSender,
  PRIVILEGED_SCHEMES,
  secureWebPreferences,
  SECURITY_HEADERS,
  windowOpenDecision,
} from '../../../electron/security.ts';

test('every window is sandboxed, context-isolated and without Node', () => {
  const prefs = secureWebPreferences('/app/electron/dist/preload.cjs');
  assert.equal(prefs.preload, '/app/electron/dist/preload.cjs');
  assert.equal(prefs.contextIsolation, true);
  assert.equal(prefs.sandbox, true);
  assert.equal(prefs.nodeIntegration, false);
  assert.equal(prefs.nodeIntegrationInWorker, false);
  assert.equal(prefs.nodeIntegrationInSubFrames, false);
  assert.equal(prefs.webSecurity, true);
  assert.equal(prefs.allowRunningInsecureContent, false);
  assert.equal(prefs.webviewTag, false);
  assert.equal(prefs.experimentalFeatures, false);
  assert.equal(prefs.devTools, false, 'no DevTools unless asked for (development)');
  assert.equal(secureWebPreferences('/p', { devTools: true }).devTools, true);
});

function directives(csp: string): Map<string, string[]> {
  return new Map(
    csp.split(';').map((d) => {
      const [name, ...values] = d.trim().split(/\s+/);
      return [name!, values];
    }),
  );
}

test('the CSP allows only our own code: no eval, no inline script, no remote origin', () => {
  const csp = directives(CONTENT_SECURITY_POLICY);
  assert.deepEqual(csp.get('default-src'), ["'none'"]);
  assert.deepEqual(csp.get('script-src'), ["'self'"]);
  assert.deepEqual(csp.get('object-src'), ["'none'"]);
  assert.deepEqual(csp.get('base-uri'), ["'none'"]);
  assert.deepEqual(csp.get('frame-ancestors'), ["'none'"]);
  assert.deepEqual(csp.get('form-action'), ["'none'"]);
  assert.ok(csp.get('img-src')!.includes(`${IMAGE_SCHEME}:`), 'images come through the image protocol');
  assert.doesNotMatch(CONTENT_SECURITY_POLICY, /unsafe-eval|wasm-unsafe-eval|strict-dynamic/);
  assert.doesNotMatch(CONTENT_SECURITY_POLICY, /https?:|wss?:|\*|file:/, 'no remote or wildcard source');
  for (const [name, values] of csp) {
    if (name.startsWith('script') || name === 'default-src' || name === 'connect-src')
      assert.ok(!values.includes("'unsafe-inline'"), `${name} allows no inline code`);
  }
  assert.equal(SECURITY_HEADERS['Content-Security-Policy'], CONTENT_SECURITY_POLICY);
  assert.equal(SECURITY_HEADERS['X-Content-Type-Options'], 'nosniff');
});

test('the app scheme is standard and secure; the image scheme keeps its URLs as written', () => {
  const app = PRIVILEGED_SCHEMES.find((s) => s.scheme === 'app')!;
  assert.equal(app.privileges.standard, true);
  assert.equal(app.privileges.secure, true);
  const img = PRIVILEGED_SCHEMES.find((s) => s.scheme === IMAGE_SCHEME)!;
  assert.ok(
    !('standard' in img.privileges),
    'a standard scheme would turn incept-img://12/ into host 0.0.0.12',
  );
  for (const s of PRIVILEGED_SCHEMES)
    assert.ok(!('bypassCSP' in s.privileges), `${s.scheme} does not bypass the CSP`);
});

test('navigation stays inside the app; window.open is always denied', () => {
  assert.equal(isAllowedNavigation(APP_ENTRY_URL), true);
  assert.equal(isAllowedNavigation('app://incept/index.html#/project'), true);
  for (const url of [
    'https://example.com/',
    'http://127.0.0.1:5173/',
    'file:///etc/passwd',
    'app://evil/index.html',
    'app://incept:80/index.html',
    'app://user@incept/index.html',
    'incept-img://1/full',
    'javascript:alert(1)',
    'data:text/html,<script>alert(1)</script>',
    'not a url',
  ]) {
    assert.equal(isAllowedNavigation(url), false, url);
  }
  assert.deepEqual(windowOpenDecision('https://example.com/'), { action: 'deny' });
  assert.deepEqual(windowOpenDecision(APP_ENTRY_URL), { action: 'deny' });
});

test('IPC is answered only for the main frame showing the app', () => {
  assert.equal(isTrustedSender({ frameUrl: APP_ENTRY_URL, isMainFrame: true }), true);
  assert.equal(isTrustedSender({ frameUrl: APP_ENTRY_URL, isMainFrame: false }), false, 'an iframe');
  assert.equal(isTrustedSender({ frameUrl: 'https://example.com/', isMainFrame: true }), false);
  assert.equal(isTrustedSender({ frameUrl: 'devtools://devtools/bundled/x.html', isMainFrame: true }), false);
  assert.equal(isTrustedSender({ frameUrl: 'file:///tmp/x.html', isMainFrame: true }), false);
  assert.equal(isTrustedSender({ frameUrl: null, isMainFrame: true }), false);
  assert.equal(isTrustedSender({ frameUrl: undefined, isMainFrame: true }), false);
});

test('nothing remote is loaded', () => {
  for (const url of [
    'app://incept/assets/x.js',
    'incept-img://3/thumb',
    'data:image/png;base64,AA',
    'blob:app://incept/1',
  ])
    assert.equal(isAllowedRequest(url), true, url);
  for (const url of [
    'https://cdn.example.com/x.js',
    'http://localhost/',
    'ws://localhost/',
    'ftp://x/',
    'file:///etc/hosts',
    'app://other/x',
  ])
    assert.equal(isAllowedRequest(url), false, url);
});

test('permissions: the camera and clipboard writes for our page, nothing else', () => {
  const page = 'app://incept/index.html';
  assert.equal(
    isPermissionAllowed({ permission: 'media', mediaTypes: ['video'], requestingUrl: page }),
    true,
  );
  assert.equal(
    isPermissionAllowed({ permission: 'media', mediaType: 'video', requestingUrl: 'app://incept' }),
    true,
  );
  assert.equal(
    isPermissionAllowed({ permission: 'media', mediaTypes: ['video', 'audio'], requestingUrl: page }),
    false,
  );
  assert.equal(
    isPermissionAllowed({ permission: 'media', mediaTypes: ['audio'], requestingUrl: page }),
    false,
  );
  assert.equal(isPermissionAllowed({ permission: 'media', mediaTypes: [], requestingUrl: page }), false);
  assert.equal(
    isPermissionAllowed({ permission: 'media', mediaTypes: ['video'], requestingUrl: 'https://x.com/' }),
    false,
  );
  assert.equal(
    isPermissionAllowed({
      permission: 'media',
      mediaTypes: ['video'],
      requestingUrl: page,
      isMainFrame: false,
    }),
    false,
  );
  assert.equal(isPermissionAllowed({ permission: 'clipboard-sanitized-write', requestingUrl: page }), true);
  for (const permission of [
    'geolocation',
    'notifications',
    'clipboard-read',
    'openExternal',
    'hid',
    'usb',
    'serial',
    'display-capture',
    'fullscreen',
    'unknown',
  ])
    assert.equal(isPermissionAllowed({ permission, requestingUrl: page }), false, permission);
});
