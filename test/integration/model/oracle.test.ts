/**
 * Oracle: the tfjs executor (wasm) against onnxruntime-node running the same generated GoogLeNet
 * file, for raw_data and float_data weights, batch 1 and 4; and every available engine against
 * onnxruntime.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createEngine, probeEngines } from '../../../src/model/engines/registry.ts';
import { ModelError } from '../../../src/model/errors.ts';
import type { Engine, EngineOutputs } from '../../../src/model/engines/types.ts';
import { maxAbsDiff, relDiff } from '../../fixtures/compare.ts';
import { randomInput, writeGoogLeNet } from '../../fixtures/googlenet.ts';
import { webgpuSkipReason } from '../../helpers/webgpu.ts';

const PROB_TOL = 1e-4;
const FEATURE_TOL = 1e-4;

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'incept-oracle-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

function assertClose(
  got: EngineOutputs,
  want: EngineOutputs,
  what: string,
  t?: { diagnostic(m: string): void },
): void {
  const p = maxAbsDiff(got.probabilities, want.probabilities);
  const f = relDiff(got.features, want.features);
  t?.diagnostic(`${what}: max |Δprob| ${p.toExponential(2)}, features relative ${f.toExponential(2)}`);
  assert.ok(p <= PROB_TOL, `${what}: probabilities differ by ${p}`);
  assert.ok(f <= FEATURE_TOL, `${what}: features differ by ${f} (relative)`);
}

for (const storage of ['raw', 'float'] as const) {
  describe(`GoogLeNet fixture with ${storage === 'raw' ? 'raw_data' : 'float_data'} weights`, () => {
    let ort: Engine;
    let wasm: Engine;
    const input = randomInput(4, 11);

    before(async () => {
      const path = join(dir, `googlenet-${storage}.onnx`);
      await writeGoogLeNet(path, { storage, seed: 3 });
      const bytes = await readFile(path);
      ort = (await createEngine(bytes, { engine: 'onnxruntime' })).engine;
      wasm = (await createEngine(bytes, { engine: 'wasm' })).engine;
    });
    after(async () => {
      await ort?.dispose();
      await wasm?.dispose();
    });

    test('batch 1: wasm executor matches onnxruntime', async (t) => {
      const one = input.subarray(0, 224 * 224 * 3);
      const want = await ort.infer(one, 1);
      const got = await wasm.infer(one, 1);
      assert.equal(got.features.length, 1024);
      assert.equal(got.probabilities.length, 1000);
      assertClose(got, want, 'batch 1', t);
      // Softmax output: sums to 1 and is neither flat nor one-hot, so differences would show.
      const sum = got.probabilities.reduce((s, v) => s + v, 0);
      assert.ok(Math.abs(sum - 1) < 1e-4, `probabilities sum to ${sum}`);
      const max = Math.max(...got.probabilities);
      assert.ok(max > 0.01 && max < 0.99, `max probability ${max}`);
    });

    test('batch 4: wasm executor matches onnxruntime, images differ', async (t) => {
      const want = await ort.infer(input, 4);
      const got = await wasm.infer(input, 4);
      assert.equal(got.features.length, 4 * 1024);
      assertClose(got, want, 'batch 4', t);
      const f0 = got.features.subarray(0, 1024);
      const f1 = got.features.subarray(1024, 2048);
      assert.ok(
        relDiff(f0, f1) > 100 * FEATURE_TOL,
        'different images should give clearly different features',
      );
      // A batch gives the same rows as one image at a time.
      const single = await wasm.features(input.subarray(224 * 224 * 3, 2 * 224 * 224 * 3), 1);
      assert.ok(relDiff(single, f1) <= FEATURE_TOL);
    });

    test('features() and probabilities() agree with infer()', async () => {
      const both = await ort.infer(input, 4);
      assert.ok(relDiff(await ort.features(input, 4), both.features) === 0);
      assert.ok(maxAbsDiff(await wasm.probabilities(input, 4), both.probabilities) <= PROB_TOL);
    });
  });
}

test('every available engine returns the same features and probabilities', async (t) => {
  const path = join(dir, 'googlenet-engines.onnx');
  await writeGoogLeNet(path, { seed: 5 });
  const bytes = await readFile(path);
  const input = randomInput(2, 21);
  const reference = (await createEngine(bytes, { engine: 'onnxruntime' })).engine;
  try {
    const want = await reference.infer(input, 2);
    // onnxruntime's GPU engines have their own tests below (a software GPU takes seconds per run).
    const available = (await probeEngines()).filter((p) => p.available && !p.name.startsWith('onnxruntime-'));
    assert.ok(available.some((p) => p.name === 'wasm'));
    for (const probe of available) {
      const { engine } = await createEngine(bytes, { engine: probe.name });
      try {
        assert.equal(engine.name, probe.name);
        assertClose(await engine.infer(input, 2), want, engine.label, t);
      } finally {
        await engine.dispose();
      }
    }
  } finally {
    await reference.dispose();
  }
});

test("'auto' picks the highest-priority engine that starts and lists the ones skipped", async () => {
  const path = join(dir, 'googlenet-auto.onnx');
  await writeGoogLeNet(path, { seed: 6 });
  const bytes = await readFile(path);
  const probes = await probeEngines();
  const { engine, failures } = await createEngine(bytes, { engine: 'auto' });
  try {
    // A software GPU adapter (lavapipe here) is available but never chosen automatically.
    const best = probes.find((p) => p.available && !p.software);
    assert.equal(engine.name, best?.name);
    for (const p of probes.filter((q) => q.priority > (best?.priority ?? 0))) {
      if (p.software) assert.match(failures.find((f) => f.name === p.name)?.reason ?? '', /software/);
      assert.ok(
        failures.some((f) => f.name === p.name && f.reason.length > 0),
        `${p.name} should be listed`,
      );
    }
    assert.match(engine.label, /\(.+\)/);
  } finally {
    await engine.dispose();
  }
});

test('asking for an engine that cannot run here says why', async (t) => {
  // A GPU engine that cannot run falls back to the CPU instead (gpu-fallback.test.ts).
  const probe = (await probeEngines()).find((p) => !p.available && !p.name.startsWith('onnxruntime-'));
  if (!probe) {
    t.skip('every engine is available on this machine');
    return;
  }
  const path = join(dir, 'googlenet-unavailable.onnx');
  await writeGoogLeNet(path, { seed: 6, numClasses: 10 });
  await assert.rejects(createEngine(await readFile(path), { engine: probe.name }), (err: unknown) => {
    assert.ok(err instanceof ModelError);
    assert.equal(err.code, 'engine_unavailable');
    assert.ok(err.message.includes(probe.name) && err.message.includes(probe.reason ?? ''), err.message);
    return true;
  });
});

describe('onnxruntime WebGPU engine on the generated GoogLeNet', () => {
  let cpu: Engine | undefined;
  let gpu: Engine | undefined;
  let skip: string | null = null;
  const input = randomInput(4, 13);

  before(async () => {
    skip = await webgpuSkipReason();
    if (skip) return;
    const path = join(dir, 'googlenet-webgpu.onnx');
    await writeGoogLeNet(path, { seed: 9 });
    const bytes = await readFile(path);
    cpu = (await createEngine(bytes, { engine: 'onnxruntime' })).engine;
    const forced = await createEngine(bytes, { engine: 'onnxruntime-webgpu' });
    assert.deepEqual(forced.failures, [], 'the WebGPU engine passed its correctness gate');
    gpu = forced.engine;
  });
  after(async () => {
    await cpu?.dispose();
    await gpu?.dispose();
  });

  test('batch 1: WebGPU matches the CPU provider within 1e-4 relative', async (t) => {
    if (skip) return t.skip(skip);
    assert.equal(gpu!.name, 'onnxruntime-webgpu');
    assert.match(gpu!.label, /WebGPU/);
    const one = input.subarray(0, 224 * 224 * 3);
    assertClose(await gpu!.infer(one, 1), await cpu!.infer(one, 1), 'WebGPU batch 1', t);
  });

  test('batch 4: WebGPU matches the CPU provider within 1e-4 relative, images differ', async (t) => {
    if (skip) return t.skip(skip);
    const got = await gpu!.infer(input, 4);
    assertClose(got, await cpu!.infer(input, 4), 'WebGPU batch 4', t);
    assert.ok(relDiff(got.features.subarray(0, 1024), got.features.subarray(1024, 2048)) > 100 * FEATURE_TOL);
  });
});
