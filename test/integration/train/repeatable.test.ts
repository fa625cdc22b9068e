import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { ImagePage, JobInfo } from '../../../src/api/contract.ts';
import { createCoreDispatch } from '../../../src/api/handlers.ts';
import { Core } from '../../../src/core.ts';
import { currentRunId, runHead } from '../../../src/store/runs.ts';
import { writeGoogLeNet } from '../../fixtures/googlenet.ts';
import { writeClassTree } from '../../fixtures/images.ts';
import { tempDir } from '../../helpers/tmp.ts';

test('the same folder gives the same ids, labels and trained weights in two projects with one split seed', async (t) => {
  const dir = tempDir(t);
  const tree = join(dir, 'shapes');
  await writeClassTree(tree, { classes: 3, perClass: 6, size: 64, seed: 9 });
  const modelPath = join(dir, 'googlenet.onnx');
  await writeGoogLeNet(modelPath, { seed: 5 });
  const core = new Core({ dataDir: join(dir, 'data') });
  t.after(() => core.dispose());
  const call = createCoreDispatch(core);
  const job = async (p: Promise<unknown>): Promise<JobInfo> => {
    const info = await core.jobs.wait(((await p) as { jobId: string }).jobId);
    assert.equal(info.status, 'succeeded', JSON.stringify(info.error));
    return info;
  };

  const trainIn = async (name: string) => {
    await call('project.create', { path: join(dir, name) });
    // Splits come from the content hash and the project's (random) split seed: use one seed.
    core.requireProject().setSetting('split_seed', '20261127');
    await job(call('import.start', { folder: tree, labelsFromFolders: true }));
    await call('model.import', { path: modelPath });
    await job(call('train.start', {}));
    const page = (await call('images.query', { limit: 1000 })) as ImagePage;
    const project = core.requireProject();
    const head = runHead(project, currentRunId(project)!);
    return {
      rows: page.items.map((r) => [r.id, r.path, r.split, r.classId]),
      classes: head.classes.map((c) => [c.id, c.name]),
      weights: [...head.weights],
      bias: [...head.bias],
    };
  };
  const a = await trainIn('a.incept');
  const b = await trainIn('b.incept');
  assert.deepEqual(b.rows, a.rows);
  assert.deepEqual(b.classes, a.classes);
  assert.deepEqual(b.bias, a.bias);
  assert.deepEqual(b.weights, a.weights);
});
