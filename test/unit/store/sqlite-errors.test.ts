import { test } from 'node:test';
import assert from 'node:assert/strict';
import BetterSqlite3 from 'better-sqlite3';
import { ApiError } from '../../../src/domain/errors.ts';
import { explainSqliteError } from '../../../src/store/project-open.ts';

function sqliteErrorOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected an SQLite error');
}

test('SQLite errors reach the API with the project path and what to do', () => {
  const source = new BetterSqlite3(':memory:');
  source.exec('CREATE TABLE t (x)');
  const readOnly = new BetterSqlite3(source.serialize(), { readonly: true });
  const raw = sqliteErrorOf(() => readOnly.exec('INSERT INTO t VALUES (1)'));
  assert.match(String((raw as { code: string }).code), /^SQLITE_READONLY/);
  const explained = explainSqliteError(raw, '/projects/birds.incept', 'its folder is read-only');
  assert.ok(explained instanceof ApiError);
  assert.equal(explained.code, 'read_only');
  assert.match(explained.message, /\/projects\/birds\.incept/);
  assert.match(explained.message, /copy the project/);

  const corrupt = Object.assign(new Error('database disk image is malformed'), { code: 'SQLITE_CORRUPT' });
  const damaged = explainSqliteError(corrupt, '/projects/birds.incept');
  assert.ok(damaged instanceof ApiError);
  assert.equal(damaged.code, 'damaged');
  assert.match(damaged.message, /birds\.incept is damaged.*backup/s);

  const other = new Error('something else');
  assert.equal(explainSqliteError(other, '/projects/birds.incept'), other);
  readOnly.close();
  source.close();
});
