/**
 * A GPU provider without an adapter: the probe (a real child process) says "not available" with
 * the reason, 'auto' and a forced GPU engine both end on the CPU engine, and a probe that runs
 * past its time limit is stopped. The Vulkan loader is pointed at a driver list that names
 * nothing, so this runs the same on machines with and without a GPU.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { createEngine, probeEngines } from '../../../src/model/engines/registry.ts';
import { probeProvider } from '../../../src/model/engines/provider-probe.ts';
import { encodeGoogLeNet } from '../../fixtures/googlenet.ts';
import { tempDir } from '../../helpers/tmp.ts';

const linuxOnly = process.platform === 'linux' ? false : 'VK_ICD_FILENAMES only steers Vulkan (Linux)';
let model: Uint8Array;

before((t) => {
  // Before the first probe: probes are remembered per process.
  const dir = tempDir(t as never);
  const nothing = join(dir, 'no-driver.json');
  writeFileSync(nothing, '{}');
  process.env.VK_ICD_FILENAMES = nothing;
  delete process.env.VK_DRIVER_FILES;
  model = encodeGoogLeNet({ seed: 4, numClasses: 10 });
});

test('no Vulkan driver: WebGPU is "not available" with the reason', { skip: linuxOnly }, async () => {
  const webgpu = (await probeEngines()).find((p) => p.name === 'onnxruntime-webgpu');
  assert.ok(webgpu, 'the WebGPU engine is registered');
  assert.equal(webgpu.available, false);
  assert.match(webgpu.reason ?? '', /adapter|webgpu provider/i);
  assert.ok(!/\n/.test(webgpu.reason ?? ''), 'one line');
});

test("'auto' then runs on the CPU and lists WebGPU as skipped", { skip: linuxOnly }, async () => {
  const { engine, failures } = await createEngine(model, { engine: 'auto' });
  try {
    assert.equal(engine.name, 'onnxruntime');
    assert.match(failures.find((f) => f.name === 'onnxruntime-webgpu')?.reason ?? '', /adapter|webgpu/i);
  } finally {
    await engine.dispose();
  }
});

test('a forced WebGPU engine falls back to the CPU, saying why', { skip: linuxOnly }, async () => {
  const { engine, failures } = await createEngine(model, { engine: 'onnxruntime-webgpu' });
  try {
    assert.equal(engine.name, 'onnxruntime');
    assert.equal(failures[0]?.name, 'onnxruntime-webgpu');
    assert.match(failures[0]?.reason ?? '', /adapter|webgpu/i);
  } finally {
    await engine.dispose();
  }
});

test('a probe that runs past its time limit is stopped and reported', async () => {
  const started = performance.now();
  const probe = await probeProvider('webgpu', { timeoutS: 0.05 });
  assert.equal(probe.available, false);
  assert.match(probe.reason ?? '', /did not finish in 0\.05 s/);
  assert.ok(performance.now() - started < 20_000, 'the child was killed, not waited for');
});
