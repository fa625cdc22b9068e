import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  formatBytes,
  formatCount,
  formatEta,
  formatPercent,
  formatRate,
  progressFraction,
} from '../../../renderer/src/lib/format.ts';
import { textOn } from '../../../renderer/src/lib/colors.ts';
import { addPoint, emptySeries, fromHistory } from '../../../renderer/src/lib/train-series.ts';
import { dependsOnLabels, filterTitle, toImageFilter } from '../../../renderer/src/lib/filters.ts';
import { validateAbsolutePath, validateModelPath } from '../../../renderer/src/lib/paths.ts';
import { describeProgress } from '../../../renderer/src/lib/job-labels.ts';

test('numbers, percentages, rates, ETAs and sizes read well', () => {
  assert.equal(formatCount(12345), '12\u202f345');
  assert.equal(formatPercent(0.9234), '92.3%');
  assert.equal(formatPercent(null), '—');
  assert.equal(formatRate(0), '');
  assert.equal(formatRate(3.25, 'files'), '3.3 files/s');
  assert.equal(formatRate(1234.4, 'files'), '1234 files/s');
  assert.equal(formatEta(42), '42 s');
  assert.equal(formatEta(185), '3 min 05 s');
  assert.equal(formatEta(7800), '2 h 10 min');
  assert.equal(formatEta(null), '');
  assert.equal(formatBytes(512), '512 B');
  assert.equal(formatBytes(27_900_000), '28 MB');
  assert.equal(formatBytes(1_500), '1.5 kB');
  assert.equal(progressFraction(5, 10), 0.5);
  assert.equal(progressFraction(5, null), null);
  assert.equal(progressFraction(50, 10), 1);
});

test('chip text is black on light colours and white on dark ones', () => {
  assert.equal(textOn('#ffe066'), '#000000');
  assert.equal(textOn('#1c3d8f'), '#ffffff');
  assert.equal(textOn('nonsense'), '#000000');
});

test('live training curves from progress counters', () => {
  let s = addPoint(emptySeries, { epoch: 1, loss: 1.2, accuracy: 0.5 });
  s = addPoint(s, { epoch: 1, loss: 1.1, accuracy: 0.55, valLoss: 1.3, valAccuracy: 0.4 });
  assert.deepEqual(s.epoch, [1], 'the same epoch replaces its point');
  assert.deepEqual(s.loss, [1.1]);
  s = addPoint(s, { epoch: 2, loss: 0.8, accuracy: 0.7 });
  assert.deepEqual(s.epoch, [1, 2]);
  assert.ok(Number.isNaN(s.valLoss[1]!), 'a missing validation value is a gap');
  assert.equal(addPoint(s, { done: 3 }), s, 'counters without an epoch change nothing');
  assert.equal(addPoint(s, { epoch: 2, loss: 0.8, accuracy: 0.7 }), s, 'an identical point changes nothing');
  const h = fromHistory([{ epoch: 1, loss: 1, accuracy: 0.5, valAccuracy: 0.4 }]);
  assert.deepEqual(h.valAccuracy, [0.4]);
  assert.ok(Number.isNaN(h.valLoss[0]!));
});

test('grid filters map onto images.query', () => {
  assert.deepEqual(toImageFilter({ kind: 'class', classId: 3 }, ' cat '), {
    kind: 'class',
    classId: 3,
    search: 'cat',
  });
  assert.deepEqual(toImageFilter({ kind: 'suggestions' }, ''), { kind: 'suggestions' });
  assert.deepEqual(toImageFilter({ kind: 'duplicates' }, 'x'), { kind: 'duplicates', search: 'x' });
  assert.deepEqual(toImageFilter({ kind: 'unlabeled' }, ''), { kind: 'unlabeled' });
  assert.equal(filterTitle({ kind: 'split', split: 'validation' }, []), 'Validation split');
  assert.equal(
    filterTitle({ kind: 'class', classId: 2 }, [
      { id: 2, name: 'owl', color: '#000000', order: 0, key: '1', count: 0 },
    ]),
    'owl',
  );
  assert.ok(dependsOnLabels({ kind: 'unlabeled' }));
  assert.ok(!dependsOnLabels({ kind: 'all' }));
});

test('typed paths are checked before they reach the backend', () => {
  assert.match(validateAbsolutePath('photos', 'folder path')!, /absolute/);
  assert.equal(validateAbsolutePath('/data/photos'), null);
  assert.equal(validateAbsolutePath('C:\\photos'), null);
  assert.match(validateModelPath('/tmp/model.bin')!, /\.onnx/);
  assert.equal(validateModelPath('/tmp/googlenet.onnx'), null);
});

test('job progress in words', () => {
  const text = describeProgress({
    jobId: 'j',
    kind: 'import',
    phase: 'hashing',
    unit: 'files',
    done: 1200,
    total: 5000,
    rate: 340,
    etaSeconds: 12,
    counters: {},
  });
  assert.equal(text, '1\u202f200 / 5\u202f000 files · 340 files/s · 12 s left');
  const base = { jobId: 'j', kind: 'train' as const, rate: 5, etaSeconds: null, counters: {} };
  assert.equal(
    describeProgress({ ...base, phase: 'computing features', unit: 'images', done: 24, total: 1437 }),
    '24 / 1\u202f437 images · 5.0 images/s',
  );
  assert.equal(
    describeProgress({
      ...base,
      phase: 'looking for likely mislabeled images',
      unit: null,
      done: 0,
      total: null,
    }),
    '',
    'a phase that counts nothing shows no count',
  );
});
