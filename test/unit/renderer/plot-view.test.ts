import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  previewTransform,
  toData,
  toScreen,
  type PlotView,
} from '../../../renderer/src/components/map/plot-view.ts';

const size = { width: 1400, height: 800 };
const layoutPoints: [number, number][] = [
  [0, 0],
  [1, 1],
  [-1, 0.5],
  [0.3, -0.8],
];

test('the first view fits [-1, 1]² to the shorter side, y upwards', () => {
  const view: PlotView = { center: [0, 0], zoom: 1 };
  assert.deepEqual(toScreen(view, size, 0, 0), [700, 400]);
  assert.deepEqual(toScreen(view, size, 1, 1), [1100, 0]);
  assert.deepEqual(toScreen(view, size, -1, -1), [300, 800]);
});

test('toData undoes toScreen in any view', () => {
  const view: PlotView = { center: [0.2, -0.4], zoom: 3.5 };
  for (const [x, y] of layoutPoints) {
    const [px, py] = toScreen(view, size, x, y);
    const [bx, by] = toData(view, size, px, py);
    assert.ok(Math.abs(bx - x) < 1e-9 && Math.abs(by - y) < 1e-9, `${x},${y} → ${bx},${by}`);
  }
});

test('the picture moved during a pan or zoom puts every point where a redraw would', () => {
  const pairs: [PlotView, PlotView][] = [
    [
      { center: [0, 0], zoom: 1 },
      { center: [0.25, -0.1], zoom: 1 },
    ], // a pan
    [
      { center: [0, 0], zoom: 1 },
      { center: [0.1, 0.3], zoom: 2.5 },
    ], // zoom in about a point
    [
      { center: [0.4, 0.2], zoom: 4 },
      { center: [-0.3, 0.1], zoom: 0.7 },
    ], // zoom out and pan
  ];
  for (const [drawn, now] of pairs) {
    const { tx, ty, scale } = previewTransform(drawn, now, size);
    for (const [x, y] of layoutPoints) {
      const [ox, oy] = toScreen(drawn, size, x, y);
      const [nx, ny] = toScreen(now, size, x, y);
      assert.ok(
        Math.abs(scale * ox + tx - nx) < 1e-6 && Math.abs(scale * oy + ty - ny) < 1e-6,
        `point ${x},${y}: moved picture at ${scale * ox + tx},${scale * oy + ty}, redraw at ${nx},${ny}`,
      );
    }
  }
});
