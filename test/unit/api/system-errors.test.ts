import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { ApiError } from '../../../src/domain/errors.ts';
import { humanizeSystemErrors } from '../../../src/domain/system-errors.ts';

async function readError(path: string): Promise<Error> {
  try {
    await readFile(path);
  } catch (err) {
    return err as Error;
  }
  throw new Error(`${path} unexpectedly exists`);
}

test('Node file-system error texts become sentences that name the path', async () => {
  const err = await readError('/definitely/not/here.txt');
  assert.match(err.message, /^ENOENT/);
  assert.equal(
    humanizeSystemErrors(`Cannot read the model: ${err.message}`),
    'Cannot read the model: /definitely/not/here.txt does not exist',
  );
  assert.equal(
    humanizeSystemErrors("Cannot create /x: EACCES: permission denied, mkdir '/x/y'"),
    'Cannot create /x: /x/y cannot be accessed (permission denied)',
  );
  assert.equal(
    humanizeSystemErrors('EISDIR: illegal operation on a directory'),
    'illegal operation on a directory',
  );
  assert.equal(
    humanizeSystemErrors("A plain sentence. EWHATEVER: odd, x 'y'"),
    "A plain sentence. EWHATEVER: odd, x 'y'",
  );
});

test('every ApiError message is stripped of raw system-error texts', async () => {
  const raw = await readError('/nope/nothing.onnx');
  const err = ApiError.from(raw);
  assert.equal(err.message, '/nope/nothing.onnx does not exist');
  assert.doesNotMatch(new ApiError('precondition', `Cannot open: ${raw.message}`).message, /ENOENT/);
});
