/** Which compute worker the client starts: the tsx entry by default, a bundle when one is named. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ApiError } from '../../../src/api/errors.ts';
import { ComputeClient, computeWorkerStart } from '../../../src/jobs/compute-client.ts';
import { tempDir } from '../../helpers/tmp.ts';

test('without a bundle the worker is the TypeScript source behind the tsx entry', () => {
  const start = computeWorkerStart(undefined);
  assert.match(fileURLToPath(start.script), /compute-worker-entry\.mjs$/);
  assert.match(start.workerData?.entry ?? '', /compute-worker\.ts$/);
});

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
    client.run('features', {}),
    (err: ApiError) => err.code === 'internal' && err.message.includes(`${missing} is missing`),
  );
});
