import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JobProgress } from '../../../src/api/contract.ts';
import { table } from '../../../src/cli/command.ts';
import { ProgressBar } from '../../../src/cli/progress.ts';

function fakeTty(columns: number): { stream: NodeJS.WriteStream; writes: string[] } {
  const writes: string[] = [];
  const stream = {
    isTTY: true,
    columns,
    write: (s: string) => writes.push(s),
  } as unknown as NodeJS.WriteStream;
  return { stream, writes };
}

function progress(phase: string, done: number, total: number | null): JobProgress {
  return {
    jobId: 'j',
    kind: 'train',
    phase,
    unit: total === null ? null : 'epochs',
    done,
    total,
    rate: 0,
    etaSeconds: null,
    counters: {},
  };
}

test('the progress line never wraps, never shows the final "succeeded 0", and is cleared at the end', async () => {
  const { stream, writes } = fakeTty(50);
  const bar = new ProgressBar(stream, true);
  await new Promise((resolve) => setTimeout(resolve, 1050));
  bar.update(progress('looking for likely mislabeled images in every labeled class', 0, null));
  bar.update(progress('training: epoch 3', 3, 40));
  bar.update(progress('succeeded', 0, null));
  bar.finish();
  const drawn = writes.map((w) => w.replace('\r\x1b[2K', ''));
  for (const line of drawn) assert.ok(line.length < 50, `"${line}" fits 50 columns`);
  assert.ok(!writes.some((w) => /succeeded/.test(w)), 'the outcome is not drawn as progress');
  assert.ok(!/ 0$/.test(drawn[0]!), 'no bare "0" count for work without a total');
  assert.equal(writes.at(-1), '\r\x1b[2K', 'the line is cleared');
});

test('a confusion matrix keeps its headers over their numbers', () => {
  const text = table(
    [
      ['true \\ predicted', '0', '1', 'ten'],
      ['0', 12, 0, 1],
      ['1', 3, 1437, 0],
    ],
    { numericColumns: (c) => c > 0 },
  );
  const lines = text.split('\n');
  // Each header ends where its column's numbers end.
  const ends = (line: string): number[] => [...line.matchAll(/\S+/g)].map((m) => m.index + m[0].length);
  const header = ends(lines[0]!).slice(-3);
  for (const line of lines.slice(1)) assert.deepEqual(ends(line).slice(-3), header, text);
});
