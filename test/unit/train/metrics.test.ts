import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluate } from '../../../src/train/metrics.ts';

const close = (a: number, b: number, tol = 1e-6) => assert.ok(Math.abs(a - b) <= tol, `${a} ≠ ${b}`);

//             true  probs                 arg-max
const rows: [number, number[]][] = [
  [0, [0.7, 0.2, 0.1]], //   0 ✓
  [0, [0.2, 0.5, 0.3]], //   1 ✗
  [1, [0.1, 0.8, 0.1]], //   1 ✓
  [1, [0.6, 0.3, 0.1]], //   0 ✗
  [2, [0.3, 0.3, 0.4]], //   2 ✓
  [2, [0.25, 0.5, 0.25]], // 1 ✗
];

test('hand-computed precision, recall, F1, confusion, loss', () => {
  const probs = Float32Array.from(rows.flatMap(([, p]) => p));
  const y = Int32Array.from(rows.map(([t]) => t));
  const ev = evaluate(probs, 3, y, [10, 11, 12, 13, 14, 15]);

  assert.deepEqual(ev.confusion, [
    [1, 1, 0],
    [1, 1, 0],
    [0, 1, 1],
  ]);
  close(ev.accuracy, 0.5);
  // class 0: TP 1, predicted 2 (rows 0, 3), support 2 → P ½, R ½, F1 ½
  // class 1: TP 1, predicted 3 (rows 1, 2, 5), support 2 → P ⅓, R ½, F1 = 2·⅓·½ / (⅓ + ½) = 0.4
  // class 2: TP 1, predicted 1, support 2 → P 1, R ½, F1 = 2·1·½ / 1.5 = ⅔
  const expected = [
    { precision: 0.5, recall: 0.5, f1: 0.5, support: 2 },
    { precision: 0.333333, recall: 0.5, f1: 0.4, support: 2 },
    { precision: 1, recall: 0.5, f1: 0.666667, support: 2 },
  ];
  ev.perClass.forEach((m, c) => {
    close(m.precision, expected[c]!.precision);
    close(m.recall, expected[c]!.recall);
    close(m.f1, expected[c]!.f1);
    assert.equal(m.support, expected[c]!.support);
  });
  close(ev.macroF1, 0.522222); // (0.5 + 0.4 + 0.666667) / 3
  // −(ln .7 + ln .2 + ln .8 + ln .3 + ln .4 + ln .25) / 6
  close(ev.loss, 0.949302);
  assert.deepEqual(ev.cells, [
    [[10], [11], []],
    [[13], [12], []],
    [[], [15], [14]],
  ]);
});

test('empty denominators are 0, and classes absent from truth and predictions skip the macro average', () => {
  // Class 3 never occurs and is never predicted; class 2 is predicted once but never true.
  const probs = Float32Array.from([
    ...[0.9, 0.1, 0, 0], // true 0 → 0
    ...[0.1, 0.9, 0, 0], // true 1 → 1
    ...[0.1, 0.2, 0.7, 0], // true 1 → 2
  ]);
  const ev = evaluate(probs, 4, Int32Array.from([0, 1, 1]));
  assert.deepEqual(ev.perClass[2], { precision: 0, recall: 0, f1: 0, support: 0 });
  assert.deepEqual(ev.perClass[3], { precision: 0, recall: 0, f1: 0, support: 0 });
  // class 0: F1 1; class 1: P 1, R ½ → F1 ⅔; class 2: F1 0 (predicted, never true) → mean of 3
  close(ev.macroF1, (1 + 2 / 3 + 0) / 3);
  // Without ids, cells hold row indices.
  assert.deepEqual(ev.cells[1]![2], [2]);
});

test('a zero probability for the true class costs a finite loss', () => {
  const ev = evaluate(Float32Array.from([0, 1]), 2, Int32Array.from([0]));
  close(ev.loss, -Math.log(1e-12));
  assert.equal(evaluate(new Float32Array(0), 2, new Int32Array(0)).accuracy, 0);
  assert.throws(() => evaluate(new Float32Array(3), 2, new Int32Array(2)), /expected 2 rows × 2/);
});
