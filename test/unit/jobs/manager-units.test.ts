import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JobProgress } from '../../../src/api/contract.ts';
import { EventBus } from '../../../src/domain/events.ts';
import { JobManager } from '../../../src/jobs/manager.ts';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

test('each phase counts in its own unit; a phase that counts nothing has no rate and no ETA', async () => {
  const events = new EventBus();
  const seen: JobProgress[] = [];
  events.on('job.progress', (p) => seen.push(p));
  const jobs = new JobManager(events);
  const job = jobs.start('train', async (ctx) => {
    ctx.progress({ done: 0, total: 100, phase: 'computing features', unit: 'images' });
    for (let i = 1; i <= 100; i += 33) {
      await sleep(30);
      ctx.progress({ done: i, total: 100 });
    }
    ctx.progress({ done: 100, total: 100 });
    ctx.progress({ done: 0, total: 20, phase: 'training', unit: 'epochs' });
    await sleep(120);
    ctx.progress({ done: 20, total: 20, phase: 'training: epoch 20', unit: 'epochs' });
    ctx.progress({ done: 0, total: null, phase: 'looking for likely mislabeled images', unit: null });
  });
  await jobs.wait(job.id);
  const features = seen.filter((p) => p.phase === 'computing features');
  assert.ok(features.length > 0 && features.every((p) => p.unit === 'images'));
  const training = seen.filter((p) => p.phase.startsWith('training'));
  assert.ok(training.length > 0 && training.every((p) => p.unit === 'epochs'));
  // The epochs' rate is measured on epochs alone, not carried over from 100 images.
  assert.ok(
    training.every((p) => p.rate < 1000),
    JSON.stringify(training),
  );
  const mislabeled = seen.find((p) => p.phase === 'looking for likely mislabeled images');
  assert.deepEqual([mislabeled?.unit, mislabeled?.rate, mislabeled?.etaSeconds], [null, 0, null]);
});

test('no ETA from a blink of progress, nor where the steps cost very different times', async () => {
  const events = new EventBus();
  const seen: JobProgress[] = [];
  events.on('job.progress', (p) => seen.push(p));
  const jobs = new JobManager(events);
  const job = jobs.start('export', async (ctx) => {
    ctx.progress({ done: 0, total: 50, phase: 'writing', eta: false });
    for (let i = 1; i <= 10; i++) {
      await sleep(200);
      ctx.progress({ done: i, total: 50 });
    }
  });
  await jobs.wait(job.id);
  assert.ok(seen.every((p) => p.etaSeconds === null));
  assert.ok(seen.every((p) => p.unit === 'steps'));
});
