import assert from 'node:assert/strict';
import { test } from 'node:test';
import { csvField, csvLine, parseCsv } from '../../../src/store/csv.ts';

test('parses plain rows with LF, CRLF and CR line ends and skips blank lines', () => {
  const r = parseCsv('a,b\r\nc,d\n\ne,f\rg,h');
  assert.deepEqual(
    r.map((x) => x.fields),
    [
      ['a', 'b'],
      ['c', 'd'],
      ['e', 'f'],
      ['g', 'h'],
    ],
  );
  assert.deepEqual(
    r.map((x) => x.line),
    [1, 2, 4, 5],
  );
});

test('quoted fields keep commas, doubled quotes and line breaks (RFC 4180)', () => {
  const r = parseCsv('"a, b","say ""hi""",x\n"multi\nline",y\nlast,"",z\n');
  assert.deepEqual(r[0]!.fields, ['a, b', 'say "hi"', 'x']);
  assert.deepEqual(r[1]!.fields, ['multi\nline', 'y']);
  assert.equal(r[2]!.line, 4, 'line numbers count the line break inside the quoted field');
  assert.deepEqual(r[2]!.fields, ['last', '', 'z']);
});

test('a byte-order mark is ignored and an unclosed quote names its line', () => {
  assert.deepEqual(parseCsv('\ufeffpath,label\n')[0]!.fields, ['path', 'label']);
  assert.throws(() => parseCsv('a,b\n"never closed,c\n'), /line 2: a quoted field is never closed/);
});

test('writing quotes only what needs it, and what is written parses back the same', () => {
  assert.equal(csvField('plain'), 'plain');
  assert.equal(csvField('has,comma'), '"has,comma"');
  assert.equal(csvField('has "quote"'), '"has ""quote"""');
  assert.equal(csvField(' lead'), '" lead"');
  const rows = [
    ['/photos/a b/ç.jpg', 'cat'],
    ['/x/"odd",name\n.jpg', ''],
    ['/y/z.jpg', 'dog, big'],
  ];
  const text = rows.map(csvLine).join('');
  assert.deepEqual(
    parseCsv(text).map((r) => r.fields),
    rows,
  );
});
