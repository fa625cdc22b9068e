import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ImagePrediction } from '../../../src/api/contract.ts';
import { createCoreDispatch } from '../../../src/api/handlers.ts';
import { Core } from '../../../src/core.ts';
import { writeGoogLeNet } from '../../fixtures/googlenet.ts';
import { CLASS_STYLES, shapeImage } from '../../fixtures/images.ts';
import { tempDir } from '../../helpers/tmp.ts';

test('predict refuses a pipe or device path per item instead of blocking on it', async (t) => {
  const dir = tempDir(t);
  const fifo = join(dir, 'photo.jpg');
  if (spawnSync('mkfifo', [fifo]).status !== 0) return t.skip('mkfifo is not available here');
  const core = new Core({ dataDir: join(dir, 'data') });
  t.after(() => core.dispose());
  const call = createCoreDispatch(core);
  const modelPath = join(dir, 'googlenet.onnx');
  await writeGoogLeNet(modelPath, { seed: 5 });
  await call('project.create', { path: join(dir, 'p.incept') });
  await call('model.import', { path: modelPath });
  const good = join(dir, 'good.jpg');
  writeFileSync(good, await shapeImage(CLASS_STYLES[0]!, 1, 96));

  const result = (await Promise.race([
    call('predict.images', { paths: [fifo, '/dev/zero', good], imagenet: true, topK: 3 }),
    new Promise<never>((_resolve, reject) =>
      setTimeout(() => reject(new Error('predict hung on the pipe')), 60_000).unref(),
    ),
  ])) as ImagePrediction[];
  assert.match(result[0]?.error ?? '', /not a regular file/);
  assert.match(result[1]?.error ?? '', /not a regular file/);
  assert.equal(result[2]?.error, null);
  assert.equal(result[2]?.top.length, 3);
});
