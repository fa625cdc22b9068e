import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { networkInterfaces } from 'node:os';
import { ApiError } from '../../../src/domain/errors.ts';
import { requestPolicy } from '../../../src/server/request-checks.ts';

const req = (headers: Record<string, string>): IncomingMessage => ({ headers }) as unknown as IncomingMessage;

function hostAccepted(listen: string, host: string): boolean {
  try {
    requestPolicy(listen, 8080).checkHost(req({ host }));
    return true;
  } catch (err) {
    assert.ok(err instanceof ApiError && err.code === 'forbidden');
    return false;
  }
}

test('Host: the listening address, localhost and (on a wildcard) the machine own IPs; never other names', () => {
  assert.ok(hostAccepted('127.0.0.1', '127.0.0.1:8080'));
  assert.ok(hostAccepted('127.0.0.1', 'localhost:8080'));
  assert.ok(hostAccepted('127.0.0.1', 'LOCALHOST:8080'));
  // Another port is a tunnel (ssh -L 9000:127.0.0.1:8080), not an attack.
  assert.ok(hostAccepted('127.0.0.1', 'localhost:9000'));
  assert.ok(hostAccepted('127.0.0.1', '127.0.0.1'));
  assert.ok(!hostAccepted('127.0.0.1', '127.0.0.1:bad'));
  assert.ok(!hostAccepted('127.0.0.1', 'evil.example:8080'));
  assert.ok(!hostAccepted('127.0.0.1', '127.0.0.1.nip.io:8080'));
  assert.ok(hostAccepted('::1', '[::1]:8080'));
  assert.ok(!hostAccepted('::1', '[::2]:8080'));

  assert.ok(hostAccepted('0.0.0.0', 'localhost:8080'));
  assert.ok(hostAccepted('0.0.0.0', '127.0.0.1:8080'));
  assert.ok(hostAccepted('0.0.0.0', '0.0.0.0:8080'), 'the printed URL itself');
  const own = Object.values(networkInterfaces())
    .flat()
    .find((a) => a && a.family === 'IPv4' && !a.internal)?.address;
  if (own) assert.ok(hostAccepted('0.0.0.0', `${own}:8080`), own);
  assert.ok(!hostAccepted('0.0.0.0', '203.0.113.9:8080'), 'an IP this machine does not have');
  assert.ok(!hostAccepted('0.0.0.0', 'rebind.example:8080'));

  assert.ok(hostAccepted('gpu-box.lan', 'gpu-box.lan:8080'), 'the name the server was told to use');
  assert.ok(!hostAccepted('gpu-box.lan', 'localhost:8080'));
});

test('Origin and Sec-Fetch-Site: only this origin, a person opening the URL, or a navigation where allowed', () => {
  const policy = requestPolicy('127.0.0.1', 8080);
  const ok = (headers: Record<string, string>, navigationAllowed = false): boolean => {
    try {
      policy.checkOrigin(req({ host: '127.0.0.1:8080', ...headers }), { navigationAllowed });
      return true;
    } catch {
      return false;
    }
  };
  assert.ok(ok({}));
  assert.ok(ok({ origin: 'http://127.0.0.1:8080' }));
  assert.ok(ok({ 'sec-fetch-site': 'same-origin' }));
  assert.ok(ok({ 'sec-fetch-site': 'none', 'sec-fetch-mode': 'navigate' }));
  assert.ok(ok({ 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'navigate' }, true));
  assert.ok(!ok({ 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'navigate' }, false));
  assert.ok(!ok({ 'sec-fetch-site': 'same-site', 'sec-fetch-mode': 'no-cors' }, true));
  assert.ok(!ok({ origin: 'http://127.0.0.1:9090' }));
  assert.ok(!ok({ origin: 'https://127.0.0.1:8080' }));
  assert.ok(!ok({ origin: 'null' }));
});
