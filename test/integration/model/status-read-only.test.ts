/**
 * `model.status` is read often, of read-only projects too: it shows the library's default model
 * a project without one would adopt, and writes nothing. Adopting is its own, explicit step.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import type { ModelStatus } from '../../../src/api/contract.ts';
import { adoptLibraryDefault, modelStatus } from '../../../src/services/model.ts';
import { createCoreDispatch } from '../../../src/api/handlers.ts';
import { Core } from '../../../src/core.ts';
import { currentModel } from '../../../src/store/models.ts';
import { writeGoogLeNet } from '../../fixtures/googlenet.ts';
import { writeClassTree } from '../../fixtures/images.ts';
import { tempDir } from '../../helpers/tmp.ts';

test('model.status shows the default model a project would adopt without writing; adopting records it', async (t) => {
  const dir = tempDir(t);
  const core = new Core({ dataDir: join(dir, 'data') });
  t.after(() => core.dispose());
  const call = createCoreDispatch(core);
  const modelPath = join(dir, 'googlenet.onnx');
  await writeGoogLeNet(modelPath, { seed: 5 });

  // A first project puts the model in this machine's library.
  await call('project.create', { path: join(dir, 'first.incept') });
  const first = (await call('model.import', { path: modelPath })) as ModelStatus;
  const sha = first.model!.sha256;

  // A second project has no model; the library's copy stands in for the default model.
  const tree = join(dir, 'shapes');
  await writeClassTree(tree, { classes: 2, perClass: 2, size: 48 });
  await call('project.create', { path: join(dir, 'second.incept') });
  const info = (await call('import.start', { folder: tree, labelsFromFolders: true })) as { jobId: string };
  assert.equal((await core.jobs.wait(info.jobId)).status, 'succeeded');
  const project = core.requireProject();
  const changes = (): number => (project.db.prepare('SELECT total_changes() AS n').get() as { n: number }).n;

  const before = changes();
  const status = await modelStatus(core, project, sha);
  const again = await modelStatus(core, project, sha);
  assert.equal(changes(), before, 'model.status wrote to the project');
  assert.equal(currentModel(project), null);
  assert.equal(status.ready, true, status.problem ?? '');
  assert.equal(status.model?.sha256, sha);
  assert.deepEqual(status.model?.preprocessing, first.model?.preprocessing);
  assert.deepEqual(status.features, { images: 4, done: 0, missing: 4, failed: 0 });
  assert.deepEqual(again, status);

  // Adopting is the write, and the status after it is the same.
  const adopted = adoptLibraryDefault(core, project, sha);
  assert.ok(adopted);
  assert.ok(changes() > before);
  assert.equal(currentModel(project)?.id, adopted.id);
  assert.deepEqual(await modelStatus(core, project, sha), status);

  // The API's own model.status writes nothing either.
  const settled = changes();
  await call('model.status', {});
  assert.equal(changes(), settled);
});
