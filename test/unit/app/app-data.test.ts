import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, chownSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppData } from '../../../src/app-data.ts';
import { tempDir } from '../../helpers/tmp.ts';

const mode = (path: string): number => statSync(path).mode & 0o777;
const posix = process.platform !== 'win32';

test('serve token: the data folder is 0700 and the token 0600 even under umask 000', (t) => {
  if (!posix) return t.skip('mode bits are POSIX');
  const dir = join(tempDir(t), 'nested', 'data');
  const old = process.umask(0);
  try {
    new AppData(dir).serveToken();
  } finally {
    process.umask(old);
  }
  assert.equal(mode(dir), 0o700);
  assert.equal(mode(join(dir, 'serve-token')), 0o600);
});

test('serve token: modes loosened since are tightened on every start; the token is kept', (t) => {
  if (!posix) return t.skip('mode bits are POSIX');
  const dir = join(tempDir(t), 'data');
  const first = new AppData(dir).serveToken();
  chmodSync(dir, 0o777);
  chmodSync(join(dir, 'serve-token'), 0o666);
  const second = new AppData(dir).serveToken();
  assert.equal(second, first);
  assert.equal(mode(dir), 0o700);
  assert.equal(mode(join(dir, 'serve-token')), 0o600);
});

test('serve token: a token file another account put there is not trusted', (t) => {
  if (!posix) return t.skip('mode bits are POSIX');
  if (process.getuid?.() !== 0) return t.skip('making a file owned by another account needs root');
  const dir = join(tempDir(t), 'data');
  mkdirSync(dir, { mode: 0o700 });
  const planted = 'planted-by-someone-else-0123456789abcdef';
  writeFileSync(join(dir, 'serve-token'), planted, { mode: 0o600 });
  chownSync(join(dir, 'serve-token'), 65534, 65534);
  const token = new AppData(dir).serveToken();
  assert.notEqual(token, planted);
  assert.equal(readFileSync(join(dir, 'serve-token'), 'utf8'), token);
  assert.equal(statSync(join(dir, 'serve-token')).uid, 0);
});
