/**
 * The correctness gate and the mid-job fallback, with a GPU engine whose faults are chosen: a
 * real onnxruntime CPU session behind the WebGPU engine's name that either returns slightly wrong
 * features (a miscompiling driver) or fails after its first batch (a lost device). Real model,
 * real images, real CPU engine for the reference and the fallback.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, test } from 'node:test';
import { analyzeModel } from '../../../src/model/graph/analyze.ts';
import { decodeModel } from '../../../src/model/onnx/read.ts';
import { embedImages } from '../../../src/model/embed.ts';
import { ModelError } from '../../../src/model/errors.ts';
import { clearGateMemory, GATE_TOLERANCE } from '../../../src/model/engines/gpu-gate.ts';
import { createOnnxRuntimeEngine } from '../../../src/model/engines/onnxruntime.ts';
import { GATE_CACHE_FILE, createEngine, registerEngine } from '../../../src/model/engines/registry.ts';
import type { Engine } from '../../../src/model/engines/types.ts';
import { encodeGoogLeNet } from '../../fixtures/googlenet.ts';
import { CLASS_STYLES, shapeImage } from '../../fixtures/images.ts';
import { relDiff } from '../../fixtures/compare.ts';
import { tempDir } from '../../helpers/tmp.ts';

type Fault = { kind: 'skew'; by: number } | { kind: 'fail-after'; calls: number };

let fault: Fault = { kind: 'skew', by: 0 };
const counts = { gpuImages: 0, gpuCalls: 0, cpuImages: 0 };

/** Counts images per engine, so "nothing computed twice" can be checked. */
function counting(engine: Engine, onImages: (n: number) => void): Engine {
  return {
    ...engine,
    name: engine.name,
    label: engine.label,
    features: async (x, n) => {
      const f = await engine.features(x, n);
      onImages(n);
      return f;
    },
    infer: async (x, n) => {
      const r = await engine.infer(x, n);
      onImages(n);
      return r;
    },
    dispose: () => engine.dispose(),
  };
}

function faulty(engine: Engine): Engine {
  const apply = async (x: Float32Array, n: number): Promise<Float32Array> => {
    counts.gpuCalls++;
    if (fault.kind === 'fail-after' && counts.gpuCalls > fault.calls) {
      throw new Error('WebGPU device lost (test)');
    }
    const f = await engine.features(x, n);
    if (fault.kind === 'skew') for (let i = 0; i < f.length; i += 7) f[i] = (f[i] as number) * (1 + fault.by);
    counts.gpuImages += n;
    return f;
  };
  return {
    ...engine,
    name: 'onnxruntime-webgpu',
    label: 'onnxruntime (WebGPU: test adapter)',
    features: apply,
    infer: async (x, n) => ({ features: await apply(x, n), probabilities: await engine.probabilities(x, n) }),
    dispose: () => engine.dispose(),
  };
}

registerEngine({
  name: 'onnxruntime-webgpu',
  label: 'onnxruntime (WebGPU)',
  priority: 600,
  gpu: 'webgpu',
  batchSize: 2,
  probe: async () => ({ available: true, adapter: 'test adapter', software: false }),
  create: async (model, analysis) => faulty(await createOnnxRuntimeEngine(model, analysis, { threads: 1 })),
});
registerEngine({
  name: 'onnxruntime',
  label: 'onnxruntime (CPU)',
  priority: 200,
  batchSize: 4,
  probe: async () => ({ available: true }),
  create: async (model, analysis) =>
    counting(await createOnnxRuntimeEngine(model, analysis, { threads: 1 }), (n) => (counts.cpuImages += n)),
});

const model = encodeGoogLeNet({ seed: 12, numClasses: 10 });

// Each test chooses its own fault; a verdict remembered from the previous one would hide it.
beforeEach(() => clearGateMemory());

test('features off by more than 1e-4 relative: the GPU engine is refused, the CPU used, the reason kept', async (t) => {
  const dataDir = tempDir(t);
  fault = { kind: 'skew', by: 10 * GATE_TOLERANCE };
  const { engine, failures } = await createEngine(model, { engine: 'onnxruntime-webgpu', dataDir });
  try {
    assert.equal(engine.name, 'onnxruntime');
    assert.match(failures[0]?.reason ?? '', /differ from the CPU provider's by .*limit is 0.0001/);
  } finally {
    await engine.dispose();
  }
  // Remembered per model and engine: a new process (empty memory) reads the verdict back.
  const stored = JSON.parse(readFileSync(join(dataDir, GATE_CACHE_FILE), 'utf8')) as Record<
    string,
    { ok: boolean }
  >;
  assert.deepEqual(
    Object.values(stored).map((r) => r.ok),
    [false],
  );
  clearGateMemory();
  counts.gpuCalls = 0;
  const again = await createEngine(model, { engine: 'onnxruntime-webgpu', dataDir });
  await again.engine.dispose();
  assert.equal(counts.gpuCalls, 0, 'no second gate run');
  assert.equal(again.engine.name, 'onnxruntime');
});

test('features within the tolerance: the GPU engine is used', async (t) => {
  fault = { kind: 'skew', by: 1e-6 };
  const { engine, failures } = await createEngine(model, {
    engine: 'onnxruntime-webgpu',
    dataDir: tempDir(t),
  });
  try {
    assert.deepEqual(failures, []);
    assert.equal(engine.name, 'onnxruntime-webgpu');
  } finally {
    await engine.dispose();
  }
});

test('an adapter failing mid-job: the job finishes on the CPU, no image computed twice', async (t) => {
  const dir = tempDir(t);
  const paths: string[] = [];
  for (let i = 0; i < 7; i++) {
    const p = join(dir, `img${i}.jpg`);
    writeFileSync(p, await shapeImage(CLASS_STYLES[i % 3]!, 500 + i, 96));
    paths.push(p);
  }
  const decoded = decodeModel(model);
  const reference = await createOnnxRuntimeEngine(decoded, analyzeModel(decoded), { threads: 1 });
  const want = new Map<number, Float32Array>();
  for await (const b of embedImages(reference, paths, { batchSize: 7 })) {
    b.indices.forEach((idx, row) => want.set(idx, b.features.slice(row * 1024, (row + 1) * 1024)));
  }
  await reference.dispose();

  // The gate takes 2 calls (warm-up, timed); the job's first batch is the 3rd; the 4th fails.
  fault = { kind: 'fail-after', calls: 3 };
  counts.gpuCalls = 0;
  counts.gpuImages = 0;
  counts.cpuImages = 0;
  const fallbacks: string[] = [];
  const { engine } = await createEngine(model, {
    engine: 'onnxruntime-webgpu',
    dataDir: dir,
    onFallback: (f) => fallbacks.push(f.reason),
  });
  const gateImages = counts.gpuImages;
  const seen: number[] = [];
  try {
    assert.equal(engine.name, 'onnxruntime-webgpu');
    for await (const b of embedImages(engine, paths, { batchSize: 2 })) {
      b.indices.forEach((idx, row) => {
        seen.push(idx);
        assert.ok(relDiff(b.features.subarray(row * 1024, (row + 1) * 1024), want.get(idx)!) <= 1e-6);
      });
    }
    assert.equal(engine.name, 'onnxruntime', 'continues on the CPU');
    assert.match(engine.label, /CPU/);
  } finally {
    await engine.dispose();
  }
  assert.deepEqual(seen, [0, 1, 2, 3, 4, 5, 6]);
  assert.equal(counts.gpuImages - gateImages, 2, 'one batch on the GPU');
  assert.equal(counts.cpuImages, 5, 'the rest on the CPU, each image once');
  assert.equal(fallbacks.length, 1);
  assert.match(fallbacks[0]!, /WebGPU: test adapter.*device lost.*continuing on the CPU/);
});

test('bad input is not an adapter failure: it is reported, the GPU engine stays', async (t) => {
  fault = { kind: 'skew', by: 0 };
  const { engine } = await createEngine(model, { engine: 'onnxruntime-webgpu', dataDir: tempDir(t) });
  try {
    await assert.rejects(
      engine.features(new Float32Array(5), 1),
      (e: unknown) => e instanceof ModelError && e.code === 'bad_input',
    );
    assert.equal(engine.name, 'onnxruntime-webgpu');
  } finally {
    await engine.dispose();
  }
});
