/**
 * Training changes no label, so it says nothing on `dataset.changed` with reason "labels" (every
 * open grid would re-read its labels for nothing); clients learn of the run from `job.finished`.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Events, JobInfo } from '../../../src/api/contract.ts';
import { createCoreDispatch } from '../../../src/api/handlers.ts';
import { Core } from '../../../src/core.ts';
import { writeGoogLeNet } from '../../fixtures/googlenet.ts';
import { CLASS_STYLES, shapeImage, writeClassTree } from '../../fixtures/images.ts';
import { tempDir } from '../../helpers/tmp.ts';

test('a training run emits no labels event; accepting its suggestions does', async (t) => {
  const dir = tempDir(t);
  const core = new Core({ dataDir: join(dir, 'data') });
  t.after(() => core.dispose());
  const call = createCoreDispatch(core);
  const job = async (p: Promise<unknown>): Promise<JobInfo> => {
    const info = await core.jobs.wait(((await p) as { jobId: string }).jobId);
    assert.equal(info.status, 'succeeded', JSON.stringify(info.error));
    return info;
  };

  const tree = join(dir, 'shapes');
  await writeClassTree(tree, { classes: 2, perClass: 4, size: 64, seed: 3 });
  const loose = join(dir, 'loose');
  mkdirSync(loose);
  writeFileSync(join(loose, 'u.jpg'), await shapeImage(CLASS_STYLES[0]!, 4242, 64));
  const modelPath = join(dir, 'googlenet.onnx');
  await writeGoogLeNet(modelPath, { seed: 5 });

  await call('project.create', { path: join(dir, 'p.incept') });
  await job(call('import.start', { folder: tree, labelsFromFolders: true }));
  await job(call('import.start', { folder: loose, labelsFromFolders: false }));
  await call('model.import', { path: modelPath });
  // Training computes features of labeled images only; the unlabeled one needs them for a suggestion.
  await job(call('features.start', {}));

  const seen: Events['dataset.changed'][] = [];
  t.after(core.events.on('dataset.changed', (e) => seen.push(e)));
  const trained = await job(call('train.start', { settings: { seed: 1, epochs: 5 } }));
  assert.ok((trained.result as { runId: number }).runId > 0);
  assert.deepEqual(
    seen.filter((e) => e.reason === 'labels'),
    [],
    `training emitted ${JSON.stringify(seen)}`,
  );

  // The listener does hear a real label change: the suggestion for the unlabeled image.
  const accepted = (await call('suggestions.accept', { minProbability: 0 })) as { accepted: number };
  assert.equal(accepted.accepted, 1);
  assert.equal(seen.filter((e) => e.reason === 'labels').length, 1, JSON.stringify(seen));
});
