import assert from 'node:assert/strict';
import { test } from 'node:test';
import { IMAGENET_CLASSES, topK } from '../../../src/model/imagenet-classes.ts';

test('1000 ImageNet class names in synset order', () => {
  assert.equal(IMAGENET_CLASSES.length, 1000);
  assert.equal(IMAGENET_CLASSES[0], 'tench, Tinca tinca');
  assert.equal(IMAGENET_CLASSES[1], 'goldfish, Carassius auratus');
  assert.equal(IMAGENET_CLASSES[281], 'tabby, tabby cat');
  assert.equal(IMAGENET_CLASSES[999], 'toilet tissue, toilet paper, bathroom tissue');
  // ImageNet names one bird and one machine just "crane".
  assert.equal(new Set(IMAGENET_CLASSES).size, 999);
  assert.equal(IMAGENET_CLASSES[134], 'crane');
  assert.equal(IMAGENET_CLASSES[517], 'crane');
});

test('topK returns the best classes first with their names', () => {
  const probs = new Float32Array(1000);
  probs[281] = 0.5;
  probs[7] = 0.3;
  probs[999] = 0.15;
  probs[3] = 0.05;
  const top = topK(probs, 3);
  assert.deepEqual(
    top.map((t) => t.index),
    [281, 7, 999],
  );
  assert.equal(top[0]!.name, 'tabby, tabby cat');
  assert.ok(Math.abs(top[1]!.probability - 0.3) < 1e-6);
  assert.deepEqual(
    topK([0.1, 0.7, 0.2], 5, ['a', 'b', 'c']).map((t) => t.name),
    ['b', 'c', 'a'],
  );
});
