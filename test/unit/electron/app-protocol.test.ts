import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, posix, win32 } from 'node:path';
import { appUrlToFile, createAppProtocolHandler } from '../../../electron/app-protocol.ts';
import { CONTENT_SECURITY_POLICY } from '../../../electron/security.ts';
import { tempDir } from '../../helpers/tmp.ts';

test('app:// maps into the renderer folder and nowhere else', () => {
  const root = '/srv/renderer';
  assert.equal(appUrlToFile(root, 'app://incept/'), '/srv/renderer/index.html');
  assert.equal(appUrlToFile(root, 'app://incept/index.html'), '/srv/renderer/index.html');
  assert.equal(appUrlToFile(root, 'app://incept/assets/index-abc.js'), '/srv/renderer/assets/index-abc.js');
  assert.equal(appUrlToFile(root, 'app://incept/assets/a%20b.css'), '/srv/renderer/assets/a b.css');
  // The URL parser resolves dot segments itself; what is left must still be inside the root.
  assert.equal(appUrlToFile(root, 'app://incept/../../etc/passwd'), '/srv/renderer/etc/passwd');
  for (const url of [
    'app://incept/..%2f..%2fetc%2fpasswd',
    'app://incept/a%5c..%5c..%5cx',
    'app://incept/%00',
    'app://other/index.html',
    'app://incept:1/index.html',
    'file:///etc/passwd',
    'incept-img://1/thumb',
  ]) {
    assert.equal(appUrlToFile(root, url), null, url);
  }
});

test('app:// stays inside the renderer folder under Windows path rules too', () => {
  const root = 'C:\\Program Files\\Incept\\renderer';
  const at = (url: string) => appUrlToFile(root, url, win32);
  assert.equal(at('app://incept/'), `${root}\\index.html`);
  assert.equal(at('app://incept/assets/index-abc.js'), `${root}\\assets\\index-abc.js`);
  for (const url of [
    'app://incept/D:/Users/me/secret.txt',
    'app://incept/C:/Windows/win.ini',
    'app://incept/d%3A/Users/me/secret.txt',
    'app://incept/C:secret.txt',
    'app://incept/index.html:hidden-stream',
    'app://incept/con',
    'app://incept/assets/NUL.txt',
    'app://incept/assets/com1',
  ]) {
    assert.equal(at(url), null, url);
  }
  // The same rules under POSIX: a ':' never names one of our files.
  assert.equal(appUrlToFile('/srv/renderer', 'app://incept/D:/x', posix), null);
  assert.equal(
    appUrlToFile('/srv/renderer', 'app://incept/assets/con.js', posix),
    '/srv/renderer/assets/con.js',
  );
});

test('the handler serves built files with the CSP and refuses the rest', async (t) => {
  const dir = tempDir(t);
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>Incept</title>');
  writeFileSync(join(dir, 'assets', 'app.js'), 'console.log(1)');
  writeFileSync(join(dir, '..', `secret-${process.pid}.txt`), 'no');
  t.after(() => writeFileSync(join(dir, '..', `secret-${process.pid}.txt`), ''));
  const handle = createAppProtocolHandler(dir);

  const index = await handle(new Request('app://incept/index.html'));
  assert.equal(index.status, 200);
  assert.equal(index.headers.get('content-type'), 'text/html; charset=utf-8');
  assert.equal(index.headers.get('content-security-policy'), CONTENT_SECURITY_POLICY);
  assert.match(await index.text(), /Incept/);

  const js = await handle(new Request('app://incept/assets/app.js'));
  assert.equal(js.headers.get('content-type'), 'text/javascript; charset=utf-8');

  assert.equal((await handle(new Request('app://incept/missing.js'))).status, 404);
  assert.equal((await handle(new Request('app://incept/assets'))).status, 404, 'a folder is not a file');
  assert.equal((await handle(new Request(`app://incept/..%2fsecret-${process.pid}.txt`))).status, 404);
  assert.equal(
    (await handle(new Request('app://incept/index.html', { method: 'POST', body: 'x' }))).status,
    405,
  );
});
