import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tickLabels } from '../../../renderer/src/lib/chart-ticks.ts';

test('one number of decimals per axis, read off the step', () => {
  assert.deepEqual(tickLabels([0, 0.5, 1, 1.5]), ['0.0', '0.5', '1.0', '1.5']);
  assert.deepEqual(tickLabels([0, 0.25, 0.5]), ['0.00', '0.25', '0.50']);
  assert.deepEqual(tickLabels([0.1, 0.2, 0.30000000000000004]), ['0.1', '0.2', '0.3']);
  assert.deepEqual(tickLabels([10, 20, 30]), ['10', '20', '30']);
  assert.deepEqual(tickLabels([0.02, 0.04, 0.06]), ['0.02', '0.04', '0.06']);
  assert.deepEqual(tickLabels([-0.0001, 1]), ['-0.0001', '1.0000']);
});

test('percent axes scale and keep the same decimals', () => {
  assert.deepEqual(tickLabels([0, 0.2, 0.4], { percent: true }), ['0%', '20%', '40%']);
  assert.deepEqual(tickLabels([0.9, 0.95, 1], { percent: true }), ['90%', '95%', '100%']);
  assert.deepEqual(tickLabels([0.99, 0.995, 1], { percent: true }), ['99.0%', '99.5%', '100.0%']);
});

test('a single tick or none', () => {
  assert.deepEqual(tickLabels([0.5]), ['0.5']);
  assert.deepEqual(tickLabels([]), []);
});
