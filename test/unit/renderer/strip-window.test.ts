// The map's selection strip renders only the thumbnails in view; the scroll track spans them all.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  STRIP_CELL,
  STRIP_OVERSCAN,
  stripWindow,
} from '../../../renderer/src/components/map/strip-window.ts';

test('the strip window covers the visible thumbnails plus the overscan, within the selection', () => {
  // 700 px wide, at the start: thumbnails 0–9 show, 6 more after them.
  assert.deepEqual(stripWindow(0, 700, 10_000), { start: 0, end: 10 + STRIP_OVERSCAN });
  // Scrolled to thumbnail 5 000 (half a cell further): 5 000–5 010 show, partly.
  const left = 5000 * STRIP_CELL + STRIP_CELL / 2;
  assert.deepEqual(stripWindow(left, 700, 10_000), {
    start: 5000 - STRIP_OVERSCAN,
    end: 5011 + STRIP_OVERSCAN,
  });
});

test('the last selected image is reachable: the window at the end of the track holds it', () => {
  const count = 100_000;
  const width = 1000;
  const end = count * STRIP_CELL - width; // the largest scrollLeft the track allows
  const w = stripWindow(end, width, count);
  assert.equal(w.end, count);
  assert.ok(
    w.end - w.start <= Math.ceil(width / STRIP_CELL) + 2 * STRIP_OVERSCAN + 1,
    'a screenful, not all',
  );
});

test('small, empty and odd inputs', () => {
  assert.deepEqual(stripWindow(0, 700, 3), { start: 0, end: 3 });
  assert.deepEqual(stripWindow(0, 700, 0), { start: 0, end: 0 });
  assert.deepEqual(stripWindow(-50, 0, 5), { start: 0, end: Math.min(5, STRIP_OVERSCAN) });
  // A scroll position left over from a longer selection: never past the end.
  assert.deepEqual(stripWindow(10_000 * STRIP_CELL, 700, 20), { start: 20, end: 20 });
});
