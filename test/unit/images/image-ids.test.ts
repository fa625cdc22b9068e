import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '../../../src/domain/errors.ts';
import { parseImageRequest } from '../../../src/services/image-request.ts';
import { imageRequestFromUrl } from '../../../electron/image-protocol.ts';

const refused = (fn: () => unknown): boolean => {
  try {
    fn();
  } catch (err) {
    return err instanceof ApiError && err.code === 'invalid_args' && /out of range/.test(err.message);
  }
  return false;
};

test('image ids above 2^53 are refused, not rounded to another id', () => {
  const max = String(Number.MAX_SAFE_INTEGER);
  assert.deepEqual(parseImageRequest(`${max}/thumb`), {
    id: Number.MAX_SAFE_INTEGER,
    hash: null,
    variant: 'thumb',
  });
  const hash = 'ab'.repeat(32);
  assert.deepEqual(parseImageRequest(`${max}/${hash}/full`), {
    id: Number.MAX_SAFE_INTEGER,
    hash,
    variant: 'full',
  });
  assert.equal(imageRequestFromUrl(`incept-img://${max}/full`), `${max}/full`);
  for (const id of ['9007199254740993', '9999999999999999']) {
    assert.ok(
      refused(() => parseImageRequest(`${id}/thumb`)),
      id,
    );
    assert.ok(
      refused(() => parseImageRequest(`${id}/${hash}/thumb`)),
      id,
    );
    assert.ok(
      refused(() => imageRequestFromUrl(`incept-img://${id}/thumb`)),
      id,
    );
  }
});
