import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pointsInPolygon } from '../../../renderer/src/components/map/lasso-hit.ts';
import { pointInPolygon } from '../../../src/map/polygon.ts';

test('the lasso hit test finds exactly the points pointInPolygon finds, concave lasso included', () => {
  // A deterministic spread of points and a star-shaped (concave) lasso.
  const n = 5000;
  const xy = new Float32Array(n * 2);
  let seed = 7;
  const rand = (): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return (seed / 2147483648) * 2 - 1;
  };
  for (let i = 0; i < xy.length; i++) xy[i] = rand();
  const star: [number, number][] = Array.from({ length: 14 }, (_, k) => {
    const r = k % 2 === 0 ? 0.8 : 0.3;
    const t = (k / 14) * 2 * Math.PI;
    return [0.1 + r * Math.cos(t), -0.05 + r * Math.sin(t)];
  });
  const expected: number[] = [];
  for (let i = 0; i < n; i++) if (pointInPolygon(xy[i * 2]!, xy[i * 2 + 1]!, star)) expected.push(i);
  const found = pointsInPolygon(xy, star);
  assert.deepEqual(found, expected);
  assert.ok(expected.length > 200 && expected.length < n / 2, `a real subset (${expected.length})`);
});

test('a lasso of fewer than three corners selects nothing', () => {
  const xy = Float32Array.of(0, 0, 0.5, 0.5);
  assert.deepEqual(
    pointsInPolygon(xy, [
      [-1, -1],
      [1, 1],
    ]),
    [],
  );
  assert.deepEqual(
    pointsInPolygon(xy, [
      [-1, -1],
      [1, -1],
      [1, 1],
      [-1, 1],
    ]),
    [0, 1],
  );
});
