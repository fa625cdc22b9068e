// A real compute worker thread (started through tsx), so this lives with the integration tests.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { ApiError } from '../../../src/domain/errors.ts';
import { ComputeClient } from '../../../src/jobs/compute-client.ts';
import { PRESETS } from '../../../src/domain/preprocessing.ts';
import type { PredictTaskInput } from '../../../src/jobs/compute-tasks.ts';
import { tempDir } from '../../helpers/tmp.ts';

test('through the real worker: an error keeps its code, and an already-cancelled task never starts', async (t) => {
  const client = new ComputeClient({ bundledWorker: undefined });
  t.after(() => client.dispose());
  const missingModel = join(tempDir(t), 'missing.onnx');
  const input: PredictTaskInput = {
    modelPath: missingModel,
    crop: 'center',
    preprocessing: PRESETS.caffe,
    items: [],
    topK: 1,
    head: null,
  };
  await assert.rejects(client.run('predict', input), (err: ApiError) => {
    assert.equal(err.code, 'not_found', err.message);
    assert.ok(err.message.includes(missingModel), err.message);
    return true;
  });
  // Once the cancel was posted ahead of the task and ignored, so the task ran (and failed as above).
  await assert.rejects(client.run('predict', input, { signal: AbortSignal.abort() }), (err: ApiError) => {
    assert.equal(err.code, 'cancelled');
    assert.equal(err.name, 'AbortError');
    return true;
  });
});
