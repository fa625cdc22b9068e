import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { JobProgress, ModelStatus } from '../../../src/api/contract.ts';
import { createCoreDispatch } from '../../../src/api/handlers.ts';
import { Core } from '../../../src/core.ts';
import { encodeGoogLeNet } from '../../fixtures/googlenet.ts';
import { tempDir } from '../../helpers/tmp.ts';

test('model.download through the API: progress, verified, used by the project, source remembered', async (t) => {
  const dir = tempDir(t);
  const bytes = encodeGoogLeNet({ seed: 2 });
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const server = createServer((req, res) => {
    if (req.url !== '/mirror/googlenet.onnx') return void res.writeHead(404).end();
    res.writeHead(200, { 'Content-Length': bytes.length, 'Content-Type': 'application/octet-stream' });
    res.end(bytes);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => server.close());
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/mirror/googlenet.onnx`;

  const core = new Core({ dataDir: join(dir, 'data') });
  t.after(() => core.dispose());
  const call = createCoreDispatch(core);
  await call('project.create', { path: join(dir, 'p.incept') });
  const progress: JobProgress[] = [];
  core.events.on('job.progress', (p) => progress.push(p));

  const bad = (await call('model.download', { url, sha256: '0'.repeat(64) })) as { jobId: string };
  const failed = await core.jobs.wait(bad.jobId);
  assert.equal(failed.status, 'failed');
  assert.match(failed.error?.message ?? '', /sha256|SHA-256|hash/i);
  assert.equal(
    ((await call('model.status', {})) as ModelStatus).ready,
    false,
    'a file failing the check is never used',
  );

  const { jobId } = (await call('model.download', { url, sha256 })) as { jobId: string };
  const done = await core.jobs.wait(jobId);
  assert.equal(done.status, 'succeeded', JSON.stringify(done.error));
  const status = (await call('model.status', {})) as ModelStatus;
  assert.equal(status.ready, true);
  assert.equal(status.model?.sha256, sha256);
  assert.equal(status.model?.source, 'download');
  assert.equal(status.defaultSource.url, url, 'the chosen source becomes the default');
  const last = progress.filter((p) => p.jobId === jobId).at(-1);
  assert.equal(last?.done, bytes.length);
});
