import assert from 'node:assert/strict';
import { test } from 'node:test';
import { categories, patchPointRgb, pointRgb } from '../../../renderer/src/components/map/map-colors.ts';
import {
  NONE_COLOR,
  pointColor,
  pointHash,
  type ColorBy,
  type DecodedPoints,
} from '../../../src/map/packed.ts';

function points(confidence: number[], labels: number[]): DecodedPoints {
  const n = confidence.length;
  const hashes = new Uint8Array(n * 32);
  hashes.fill(0xab, 0, 32);
  return {
    ids: Int32Array.from({ length: n }, (_, i) => i + 1),
    xy: new Float32Array(n * 2),
    label: Int32Array.from(labels),
    predicted: new Int32Array(n),
    confidence: Float32Array.from(confidence),
    split: new Uint8Array(n),
    mislabeled: new Uint8Array(n),
    hashes,
  };
}

test('confidence colours come in tenths: one palette entry per tenth, none for no prediction', () => {
  const p = points([0.91, 0.94, 0.12, NaN, 0.5], [0, 0, 0, 0, 0]);
  const { palette, index } = categories(p, 'confidence', () => undefined);
  assert.equal(index[0], index[1], '0.91 and 0.94 share the 0.9 colour');
  assert.notEqual(index[0], index[2]);
  assert.equal(palette[index[3]!], NONE_COLOR);
  const tenth = { ...p, confidence: Float32Array.of(0.1) };
  assert.equal(
    palette[index[2]!],
    pointColor(tenth, 0, 'confidence', () => undefined),
  );
  assert.equal(palette.length, 4, 'none, 0.9, 0.1 and 0.5');
});

test('label colours come from the classes; unlabeled points are grey', () => {
  const p = points([NaN, NaN, NaN], [7, 0, 7]);
  const { palette, index } = categories(p, 'label', (id) => (id === 7 ? '#112233' : undefined));
  assert.deepEqual(
    [...index].map((i) => palette[i]),
    ['#112233', NONE_COLOR, '#112233'],
  );
});

test('a point hash reads back as hex; an all-zero one means none', () => {
  const p = points([NaN, NaN], [0, 0]);
  assert.equal(pointHash(p, 0), 'ab'.repeat(32));
  assert.equal(pointHash(p, 1), null);
});

test('recolouring only the changed points gives the same bytes as recolouring every point, for every colouring', () => {
  const n = 40;
  const p = points(
    Array.from({ length: n }, (_, i) => (i % 7 === 0 ? NaN : (i * 37) % 100) / 100),
    Array.from({ length: n }, (_, i) => i % 3),
  );
  p.predicted.set(Array.from({ length: n }, (_, i) => (i * 5) % 4));
  p.split.set(Array.from({ length: n }, (_, i) => i % 3));
  p.mislabeled.set(Array.from({ length: n }, (_, i) => (i % 4 === 1 ? 1 : 0)));
  const classColor = (id: number): string | undefined => ({ 1: '#ff0000', 2: '#00aa11', 3: '#123456' })[id];
  const changed = [0, 5, 6, 17, 39];
  for (const by of ['label', 'predicted', 'confidence', 'split', 'mislabeled'] as ColorBy[]) {
    const colors = pointRgb(p, by, classColor);
    const q = { ...p, label: Int32Array.from(p.label), mislabeled: Uint8Array.from(p.mislabeled) };
    for (const i of changed) {
      q.label[i] = 3;
      q.mislabeled[i] = q.mislabeled[i] ? 0 : 1;
    }
    patchPointRgb(colors, q, by, classColor, changed);
    assert.deepEqual(colors, pointRgb(q, by, classColor), by);
  }
  const labelColors = pointRgb(p, 'label', classColor);
  assert.deepEqual([...labelColors.subarray(3, 6)], [255, 0, 0], 'a point of class 1 in its class colour');
  assert.deepEqual([...labelColors.subarray(0, 3)], [...pointRgb(points([NaN], [0]), 'label', classColor)]);
});
