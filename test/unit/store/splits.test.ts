import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { splitFor } from '../../../src/store/splits.ts';

const hashes = Array.from({ length: 20_000 }, (_, i) => createHash('sha256').update(`img${i}`).digest('hex'));

test('the split depends only on the seed and the content hash', () => {
  for (const h of hashes.slice(0, 100)) assert.equal(splitFor('42', h), splitFor('42', h));
  const differ = hashes.slice(0, 1000).filter((h) => splitFor('42', h) !== splitFor('43', h)).length;
  assert.ok(differ > 100, 'another seed deals the images anew');
});

test('about 80/10/10 of images go to train/validation/test', () => {
  const n = { train: 0, validation: 0, test: 0 };
  for (const h of hashes) n[splitFor('7', h)]++;
  assert.ok(Math.abs(n.train / hashes.length - 0.8) < 0.02, JSON.stringify(n));
  assert.ok(Math.abs(n.validation / hashes.length - 0.1) < 0.02, JSON.stringify(n));
  assert.ok(Math.abs(n.test / hashes.length - 0.1) < 0.02, JSON.stringify(n));
});
