/**
 * The export is all-or-nothing: failures, cancellations and failed self-checks leave nothing at
 * the target (and no staging folder beside it); an occupied target is refused without force and
 * replaced only by a complete export with it. A small classifier keeps these fast.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { remedyOf } from '../../../src/domain/remedies.ts';
import { ApiError } from '../../../src/domain/errors.ts';
import { exportModel, type ExportInput } from '../../../src/export/export-model.ts';
import {
  attr,
  encodeModel,
  floatTensor,
  makeModel,
  makeNode,
  valueInfo,
} from '../../../src/model/onnx/write.ts';
import { tempDir } from '../../helpers/tmp.ts';
import { fixtureExportInput, makeImages, randomHead, referenceFeatures, tinyClassifier } from './helpers.ts';

async function setup(t: { after(fn: () => void): void }) {
  const dir = tempDir(t, 'incept-atomic-');
  const tiny = tinyClassifier('global-pool');
  const images = await makeImages(dir, 3);
  const features = await referenceFeatures(tiny.reference, tiny.feature, images);
  const head = randomHead(tiny.featureDim, 3, features);
  const parent = join(dir, 'exports');
  await mkdir(parent);
  const input = (overrides: Partial<ExportInput> = {}): ExportInput => ({
    ...fixtureExportInput({
      modelBytes: tiny.bytes,
      modelSha256: '0'.repeat(64),
      head,
      images,
      features,
      out: join(parent, 'model'),
      appVersion: 'test',
    }),
    ...overrides,
  });
  return { parent, out: join(parent, 'model'), input };
}

/** Only what the test itself put there: no staging or backup folders left behind. */
async function assertNoLeftovers(parent: string, expected: string[]): Promise<void> {
  assert.deepEqual((await readdir(parent)).sort(), expected.sort());
}

/** Fails the export the first time its progress reports a phase starting with `phase`. */
function failAt(phase: string) {
  return {
    progress: (_done: number, _total: number, p: string) => {
      if (p.startsWith(phase)) throw new Error(`injected failure at ${phase}`);
    },
  };
}

test('an occupied target is refused without force, before any work, naming the overwrite remedy', async (t) => {
  const { parent, out, input } = await setup(t);
  await mkdir(out);
  await writeFile(join(out, 'keep.txt'), 'mine');
  await assert.rejects(
    exportModel(input()),
    (err: unknown) =>
      err instanceof ApiError &&
      err.code === 'conflict' &&
      remedyOf(err.details) === 'overwrite' &&
      !/--force|force: true/.test(err.message),
  );
  assert.equal(await readFile(join(out, 'keep.txt'), 'utf8'), 'mine');
  await assertNoLeftovers(parent, ['model']);

  // An empty folder is not "occupied".
  await writeFile(join(parent, 'empty-marker'), '');
  const empty = join(parent, 'empty');
  await mkdir(empty);
  const report = await exportModel(input({ out: empty }));
  assert.ok(report.files.includes('tfjs/model.json'));
});

test('a failure halfway leaves nothing at the target', async (t) => {
  const { parent, out, input } = await setup(t);
  for (const phase of ['writing ONNX', 'decoding check images', 'checking', 'finishing']) {
    await assert.rejects(exportModel(input(), failAt(phase)), new RegExp(`injected failure at ${phase}`));
    assert.equal(existsSync(out), false, phase);
    await assertNoLeftovers(parent, []);
  }
});

test('cancelling leaves nothing at the target', async (t) => {
  const { parent, out, input } = await setup(t);
  const controller = new AbortController();
  await assert.rejects(
    exportModel(input(), {
      signal: controller.signal,
      progress: (done, _t, phase) => {
        // Part-way through the checks: some images are done in both formats, others not.
        if (phase.startsWith('checking') && done > 9) controller.abort();
      },
    }),
    (err: unknown) => err instanceof ApiError && err.code === 'cancelled',
  );
  assert.equal(existsSync(out), false);
  await assertNoLeftovers(parent, []);

  const aborted = AbortSignal.abort();
  await assert.rejects(
    exportModel(input(), { signal: aborted }),
    (err: unknown) => err instanceof ApiError && err.code === 'cancelled',
  );
  await assertNoLeftovers(parent, []);
});

test('with force, the old export is replaced only by a complete new one', async (t) => {
  const { parent, out, input } = await setup(t);
  await mkdir(out);
  await writeFile(join(out, 'old.txt'), 'previous export');
  await assert.rejects(exportModel(input({ force: true }), failAt('checking')), /injected failure/);
  assert.equal(await readFile(join(out, 'old.txt'), 'utf8'), 'previous export');
  await assertNoLeftovers(parent, ['model']);

  const report = await exportModel(input({ force: true }));
  assert.equal(existsSync(join(out, 'old.txt')), false);
  assert.ok(existsSync(join(out, 'onnx', 'model.onnx')));
  assert.ok(report.files.every((f) => existsSync(join(out, f))));
  await assertNoLeftovers(parent, ['model']);
});

test('a failed self-check fails the export with agreement and max difference, leaving nothing', async (t) => {
  const { parent, out, input } = await setup(t);
  const good = input();
  // What a wrong in-app prediction would look like: every image's probabilities rotated by one class.
  const wrong = good.checkImages.map((c) => ({
    ...c,
    expected: Float32Array.from(c.expected, (_, i) => c.expected[(i + 1) % c.expected.length] as number),
  }));
  await assert.rejects(exportModel({ ...good, checkImages: wrong }), (err: unknown) => {
    assert.ok(err instanceof ApiError);
    assert.match(err.message, /self-check/);
    assert.match(
      err.message,
      /agrees with Incept on the top class of \d of 3 check images \(\d+\.\d %\), largest probability difference/,
    );
    return true;
  });
  assert.equal(existsSync(out), false);
  await assertNoLeftovers(parent, []);
});

test('invalid inputs are refused with a clear message', async (t) => {
  const { input } = await setup(t);
  await assert.rejects(exportModel(input({ labels: ['a', 'b'] })), /2 labels but the head has 3 outputs/);
  await assert.rejects(exportModel(input({ formats: [] })), /at least one export format/);
  const head = { weights: new Float32Array(10 * 3), bias: new Float32Array(3) };
  await assert.rejects(exportModel(input({ head })), /reads 16 features/);
});

test('progress is monotonic, names what is being done and ends at done = total', async (t) => {
  const { input } = await setup(t);
  const events: [number, number, string][] = [];
  await exportModel(input(), { progress: (d, total, phase) => events.push([d, total, phase]) });
  const total = events[0]?.[1] as number;
  assert.equal(total, 5 + 3 * 3);
  for (let i = 1; i < events.length; i++)
    assert.ok((events[i]?.[0] as number) >= (events[i - 1]?.[0] as number));
  assert.deepEqual(events.at(-1), [total, total, 'done']);
  const phases = [...new Set(events.map((e) => e[2]))];
  assert.deepEqual(phases, [
    'reading the model',
    'writing TensorFlow.js',
    'writing ONNX',
    'writing samples',
    'decoding check images',
    'checking tfjs and onnx',
    'finishing',
    'done',
  ]);
});

test('an unreadable check image is left out of the self-check with a warning', async (t) => {
  const { input } = await setup(t);
  const good = input();
  const missing = { path: join(good.out, '..', 'gone.jpg'), expected: good.checkImages[0]!.expected };
  const report = await exportModel({ ...good, checkImages: [...good.checkImages, missing] });
  assert.ok(report.checks.every((c) => c.passed && c.images === 3));
  assert.equal(report.warnings.length, 1);
  assert.match(report.warnings[0] as string, /1 of 4 check images could not be read/);
});

/**
 * Once the files are written, overwrites every convolution filter in the staging folder's TF.js
 * shards with plausible values (what a broken converter writes, not bits that read as NaN).
 */
function corruptFiltersBeforeCheck(parent: string) {
  return {
    progress: (_done: number, _total: number, phase: string) => {
      if (phase !== 'decoding check images') return;
      const staging = readdirSync(parent).find((n) => n.startsWith('.model.incept-export-'));
      assert.ok(staging, 'the staging folder exists while the export is checked');
      const tfjs = join(parent, staging, 'tfjs');
      const json = JSON.parse(readFileSync(join(tfjs, 'model.json'), 'utf8'));
      const group = json.weightsManifest[0] as {
        paths: string[];
        weights: { shape: number[]; quantization?: { dtype: string } }[];
      };
      const all = Buffer.concat(group.paths.map((p) => readFileSync(join(tfjs, p))));
      let offset = 0;
      let corrupted = 0;
      for (const w of group.weights) {
        const n = w.shape.reduce((a, b) => a * b, 1);
        const width = w.quantization?.dtype === 'uint8' ? 1 : w.quantization?.dtype === 'float16' ? 2 : 4;
        if (w.shape.length === 4) {
          for (let i = 0; i < n; i++) {
            if (width === 4) all.writeFloatLE(((i * 7919) % 13) / 13 - 0.5, offset + 4 * i);
            else if (width === 1) all[offset + i] = (i * 7919) % 251;
          }
          corrupted++;
        }
        offset += n * width;
      }
      assert.ok(corrupted > 0);
      let at = 0;
      for (const p of group.paths) {
        const size = readFileSync(join(tfjs, p)).length;
        writeFileSync(join(tfjs, p), all.subarray(at, at + size));
        at += size;
      }
    },
  };
}

for (const quantize of ['none', 'uint8'] as const) {
  test(`a corrupted weight shard fails the ${quantize} self-check, says what it measured and leaves nothing`, async (t) => {
    const { parent, out, input } = await setup(t);
    await assert.rejects(
      exportModel(input({ formats: ['tfjs'], quantize }), corruptFiltersBeforeCheck(parent)),
      (err: unknown) => {
        assert.ok(err instanceof ApiError, String(err));
        assert.match(err.message, /failed its self-check/);
        assert.match(err.message, /agrees with Incept on the top class of \d of 3 check images/);
        assert.match(err.message, quantize === 'none' ? /required: 100 % and ≤ 1e-4/ : /required: 97 %/);
        return true;
      },
    );
    assert.equal(existsSync(out), false);
    await assertNoLeftovers(parent, []);
  });
}

test('an export without check images fails: loading a model proves nothing about its predictions', async (t) => {
  const { parent, out, input } = await setup(t);
  await assert.rejects(exportModel(input({ checkImages: [] })), (err: unknown) => {
    assert.ok(err instanceof ApiError && err.code === 'precondition', String(err));
    assert.match(err.message, /no check images/);
    return true;
  });
  const gone = { path: join(parent, 'gone.jpg'), expected: new Float32Array([0.2, 0.3, 0.5]) };
  await assert.rejects(
    exportModel(input({ checkImages: [gone] })),
    /None of the 1 check images could be read/,
  );
  assert.equal(existsSync(out), false);
  await assertNoLeftovers(parent, []);
});

for (const quantize of ['float16', 'uint8'] as const) {
  test(`a ${quantize} export of a small classifier meets its tolerance; head and biases stay float32`, async (t) => {
    const { out, input } = await setup(t);
    const report = await exportModel(input({ formats: ['tfjs'], quantize }));
    const check = report.checks[0]!;
    assert.equal(check.passed, true);
    assert.ok(check.agreement >= (quantize === 'float16' ? 0.99 : 0.97), String(check.agreement));
    const json = JSON.parse(await readFile(join(out, 'tfjs', 'model.json'), 'utf8'));
    const weights: { name: string; shape: number[]; quantization?: unknown }[] =
      json.weightsManifest[0].weights;
    assert.ok(weights.some((w) => w.quantization));
    for (const w of weights) assert.equal(w.quantization !== undefined, w.shape.length === 4, w.name);
  });
}

test('a model whose ops mix the images of a batch exports with a batch of one and passes its check', async (t) => {
  const dir = tempDir(t, 'incept-batch-one-');
  const rng = Array.from({ length: 6 }, (_, i) => Math.sin(i + 1));
  const bytes = encodeModel(
    makeModel({
      irVersion: 7,
      opset: 13,
      graph: {
        name: 'mixes-batch',
        node: [
          makeNode('GlobalAveragePool', ['data'], ['g']),
          // Flatten with axis 0 joins all images into one row: valid ONNX, one image at a time.
          makeNode('Flatten', ['g'], ['f'], { axis: attr.int(0) }),
          makeNode('Gemm', ['f', 'w'], ['y'], { transB: attr.int(1) }),
        ],
        initializer: [floatTensor('w', [2, 3], Float32Array.from(rng))],
        input: [valueInfo('data', [1, 3, 224, 224])],
        output: [valueInfo('y', [1, 2])],
      },
    }),
  );
  const images = await makeImages(dir, 3);
  const features = await referenceFeatures(bytes, 'f', images);
  const head = randomHead(3, 3, features);
  const report = await exportModel(
    fixtureExportInput({
      modelBytes: bytes,
      modelSha256: '0'.repeat(64),
      head,
      images,
      features,
      out: join(dir, 'out'),
      appVersion: 'test',
    }),
  );
  for (const c of report.checks)
    assert.ok(c.passed && c.agreement === 1 && c.images === 3, JSON.stringify(c));
  const meta = JSON.parse(await readFile(join(dir, 'out', 'metadata.json'), 'utf8'));
  assert.deepEqual(meta.formats.onnx.input.shape, [1, 224, 224, 3]);
});
