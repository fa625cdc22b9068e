/** Which compute worker the client starts: the tsx entry by default, a bundle when one is named. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ApiError } from '../../../src/domain/errors.ts';
import { ComputeClient, computeWorkerStart } from '../../../src/jobs/compute-client.ts';
import { PRESETS } from '../../../src/domain/preprocessing.ts';
import type { FeaturesTaskInput } from '../../../src/jobs/compute-tasks.ts';
import { tempDir } from '../../helpers/tmp.ts';

test('without a bundle the worker is the TypeScript source behind the tsx entry', () => {
  const start = computeWorkerStart(undefined);
  assert.match(fileURLToPath(start.script), /compute-worker-entry\.mjs$/);
  assert.match(start.workerData?.entry ?? '', /compute-worker\.ts$/);
});

const featuresInput: FeaturesTaskInput = {
  projectPath: 'p.incept',
  modelId: 1,
  modelPath: 'model.onnx',
  engine: 'auto',
  augment: false,
  crop: 'center',
  preprocessing: PRESETS.caffe,
  labeledOnly: false,
};

test('a named bundle is run as it is; a missing or relative one is refused clearly', async (t) => {
  const bundle = fileURLToPath(import.meta.url);
  assert.deepEqual(computeWorkerStart(bundle), { script: bundle });
  assert.throws(
    () => computeWorkerStart('compute-worker.cjs'),
    (err: ApiError) =>
      err.code === 'internal' && /INCEPT_COMPUTE_WORKER must be an absolute path/.test(err.message),
  );
  const missing = join(tempDir(t), 'compute-worker.cjs');
  const client = new ComputeClient({ bundledWorker: missing });
  t.after(() => client.dispose());
  await assert.rejects(
    client.run('features', featuresInput),
    (err: ApiError) => err.code === 'internal' && err.message.includes(`${missing} is missing`),
  );
});

test('the compiler checks each task input and output against the task map', async (t) => {
  const client = new ComputeClient({ bundledWorker: join(tempDir(t), 'compute-worker.cjs') });
  t.after(() => client.dispose());
  // @ts-expect-error -- the features task's input is not the predict task's input
  const wrongInput = client.run('predict', featuresInput);
  await assert.rejects(wrongInput);
  const typedOutput = async (): Promise<number> => (await client.run('features', featuresInput)).computed;
  // @ts-expect-error -- the features task answers FeaturesTaskOutput, which has no `points`
  const wrongOutput = async (): Promise<number> => (await client.run('features', featuresInput)).points;
  await assert.rejects(typedOutput());
  await assert.rejects(wrongOutput());
  // @ts-expect-error -- no such task in the map
  await assert.rejects(client.run('resize', {}));
});
