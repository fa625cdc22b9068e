import assert from 'node:assert/strict';
import { test } from 'node:test';
import { categories } from '../../../renderer/src/components/map/map-colors.ts';
import { NONE_COLOR, pointColor, pointHash, type DecodedPoints } from '../../../src/map/packed.ts';

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
