/**
 * The feature job end to end on the WebGPU engine (Mesa's lavapipe in CI): a small project, the
 * generated GoogLeNet, features.start with the engine forced. Stored vectors match the CPU
 * engine's within 1e-4 relative; the correctness check is remembered in the data folder.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { JobInfo } from '../../../src/api/contract.ts';
import { createCoreDispatch } from '../../../src/api/handlers.ts';
import { Core } from '../../../src/core.ts';
import type { FeaturesTaskOutput } from '../../../src/jobs/compute-tasks.ts';
import { embedImages } from '../../../src/model/embed.ts';
import { GATE_CACHE_FILE, createEngine } from '../../../src/model/engines/registry.ts';
import { ProjectStore } from '../../../src/store/project.ts';
import { relDiff } from '../../fixtures/compare.ts';
import { writeGoogLeNet } from '../../fixtures/googlenet.ts';
import { writeClassTree } from '../../fixtures/images.ts';
import { tempDir } from '../../helpers/tmp.ts';
import { webgpuSkipReason } from '../../helpers/webgpu.ts';

test('feature job on onnxruntime-webgpu: same features as the CPU engine', async (t) => {
  const skip = await webgpuSkipReason();
  if (skip) return t.skip(skip);
  const dir = tempDir(t);
  const dataDir = join(dir, 'data');
  const core = new Core({ dataDir });
  t.after(() => core.dispose());
  const call = createCoreDispatch(core);

  const tree = join(dir, 'shapes');
  await writeClassTree(tree, { classes: 2, perClass: 2, size: 96, seed: 17 });
  const modelPath = join(dir, 'googlenet.onnx');
  await writeGoogLeNet(modelPath, { seed: 14, numClasses: 10 });
  const projectPath = join(dir, 'gpu.incept');
  await call('project.create', { path: projectPath });
  const imported = (await call('import.start', { folder: tree, labelsFromFolders: true })) as {
    jobId: string;
  };
  assert.equal((await core.jobs.wait(imported.jobId)).status, 'succeeded');
  await call('model.import', { path: modelPath });

  const started = (await call('features.start', { engine: 'onnxruntime-webgpu' })) as { jobId: string };
  const job: JobInfo = await core.jobs.wait(started.jobId);
  assert.equal(job.status, 'succeeded', JSON.stringify(job.error));
  const out = job.result as FeaturesTaskOutput;
  assert.equal(out.engine, 'onnxruntime-webgpu', JSON.stringify(out.skipped));
  assert.deepEqual(out.skipped, []);
  assert.equal(out.computed, 4);
  assert.match(core.engineInUse ?? '', /WebGPU: .+/);
  assert.ok(existsSync(join(dataDir, GATE_CACHE_FILE)));
  const checks = Object.values(JSON.parse(readFileSync(join(dataDir, GATE_CACHE_FILE), 'utf8')) as object);
  assert.deepEqual(
    checks.map((c: { ok: boolean }) => c.ok),
    [true],
  );

  const project = ProjectStore.open(projectPath);
  const rows = project.db
    .prepare(
      `SELECT i.path AS path, f.vector AS vector FROM features f JOIN images i ON i.hash = f.hash
       WHERE f.variant = 0 ORDER BY i.path`,
    )
    .all() as { path: string; vector: Buffer }[];
  project.close();
  assert.equal(rows.length, 4);

  const { engine: cpu } = await createEngine(readFileSync(modelPath), { engine: 'onnxruntime' });
  try {
    const paths = rows.map((r) => r.path);
    for await (const b of embedImages(cpu, paths, { batchSize: 4 })) {
      b.indices.forEach((idx, row) => {
        const v = rows[idx]!.vector;
        const stored = new Float32Array(v.buffer, v.byteOffset, v.byteLength / 4);
        const want = b.features.subarray(row * 1024, (row + 1) * 1024);
        const d = relDiff(stored, want);
        t.diagnostic(`${paths[idx]}: relative difference ${d.toExponential(2)}`);
        assert.ok(d <= 1e-4, `${paths[idx]} differs by ${d}`);
      });
    }
  } finally {
    await cpu.dispose();
  }
});
