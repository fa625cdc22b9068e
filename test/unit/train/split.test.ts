import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '../../../src/domain/errors.ts';
import { assignSplits, buildSplits, checkTrainable, type Split } from '../../../src/train/split.ts';

test('buildSplits: index lists, unlabeled rows left out, missing split = train', () => {
  const labels = [0, 0, 1, 1, -1, 0, 1];
  const splits: (Split | null)[] = ['train', 'validation', 'train', 'test', 'train', null, 'validation'];
  const s = buildSplits({ labels, splits, numClasses: 2, classNames: ['cat', 'dog'] });
  assert.deepEqual(Array.from(s.train), [0, 2, 5]);
  assert.deepEqual(Array.from(s.validation), [1, 6]);
  assert.deepEqual(Array.from(s.test), [3]);
  assert.deepEqual(s.counts, [
    { train: 2, validation: 1, test: 0 },
    { train: 1, validation: 1, test: 1 },
  ]);
  // "cat" has no test image while the test split is in use.
  assert.deepEqual(
    s.flags.map((f) => [f.className, f.reason]),
    [['cat', 'no_test']],
  );
});

test('buildSplits: a class with nothing in training gets an image moved in and is flagged, never dropped', () => {
  const labels = [0, 0, 1, 2, 2];
  const splits: Split[] = ['train', 'validation', 'validation', 'validation', 'test'];
  const s = buildSplits({ labels, splits, numClasses: 3, classNames: ['cat', 'owl', 'fox'] });
  // owl's only image and one fox image (validation before test) move into training.
  assert.deepEqual(Array.from(s.train), [0, 2, 3]);
  assert.deepEqual(Array.from(s.validation), [1]);
  assert.deepEqual(Array.from(s.test), [4]);
  const moved = s.flags.filter((f) => f.reason === 'moved_to_train');
  assert.deepEqual(
    moved.map((f) => [f.className, f.moved]),
    [
      ['owl', [2]],
      ['fox', [3]],
    ],
  );
  assert.match(moved[0]!.message, /“owl” had no training images/);
  const noVal = s.flags.filter((f) => f.reason === 'no_validation').map((f) => f.className);
  assert.deepEqual(noVal, ['owl', 'fox']);
  for (let c = 0; c < 3; c++) assert.ok(s.counts[c]!.train >= 1);
});

test('assignSplits: stratified, seeded, keeps existing assignments and a training image per class', () => {
  const labels = [...Array<number>(50).fill(0), ...Array<number>(10).fill(1), 2, -1];
  const a = assignSplits(labels, { validationFraction: 0.2, testFraction: 0.1, seed: 4 });
  const b = assignSplits(labels, { validationFraction: 0.2, testFraction: 0.1, seed: 4 });
  const c = assignSplits(labels, { validationFraction: 0.2, testFraction: 0.1, seed: 5 });
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
  const count = (s: (Split | null)[], cls: number, split: Split) =>
    labels.filter((y, i) => y === cls && s[i] === split).length;
  assert.deepEqual([count(a, 0, 'train'), count(a, 0, 'validation'), count(a, 0, 'test')], [35, 10, 5]);
  assert.deepEqual([count(a, 1, 'train'), count(a, 1, 'validation'), count(a, 1, 'test')], [7, 2, 1]);
  assert.equal(a[60], 'train'); // a single image is trained on
  assert.equal(a[61], null); // unlabeled

  // Existing assignments are kept and counted toward the targets.
  const existing: (Split | null)[] = labels.map((_, i) => (i < 12 ? 'validation' : null));
  const d = assignSplits(labels, { validationFraction: 0.2, seed: 4, existing });
  assert.ok(d.slice(0, 12).every((s) => s === 'validation'));
  assert.equal(count(d, 0, 'validation'), 12); // already above round(50 × 0.2) = 10: none added

  // A two-image class at 50 % holds one out, never both.
  const two = assignSplits([0, 0], { validationFraction: 0.5, seed: 1 });
  assert.deepEqual([...two].sort(), ['train', 'validation']);
  assert.throws(
    () => assignSplits(labels, { validationFraction: 0.7, testFraction: 0.3, seed: 1 }),
    /add up/,
  );
});

test('checkTrainable refuses fewer than two classes and empty classes, naming them', () => {
  const refuse = (counts: number[], names: string[], pattern: RegExp) =>
    assert.throws(
      () => checkTrainable(counts, names),
      (err: unknown) => err instanceof ApiError && err.code === 'precondition' && pattern.test(err.message),
    );
  refuse([12], ['cat'], /at least 2 classes.*only “cat”/);
  refuse([], [], /at least 2 classes.*none/);
  refuse([5, 0, 3, 0], ['cat', 'owl', 'dog', 'fox'], /classes have no labeled images: “owl”, “fox”/);
  refuse([5, 0], ['cat', 'owl'], /class has no labeled images: “owl”/);
  assert.doesNotThrow(() => checkTrainable([1, 1], ['cat', 'dog']));
});
