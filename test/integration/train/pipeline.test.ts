import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import type {
  ExportReport,
  ImagePage,
  ImagePrediction,
  JobInfo,
  ModelStatus,
  PredictionPage,
  RunDetail,
  RunSummary,
} from '../../../src/api/contract.ts';
import { remedyOf } from '../../../src/domain/remedies.ts';
import { withCliRemedy } from '../../../src/cli/remedies.ts';
import { ApiError } from '../../../src/domain/errors.ts';
import { createCoreDispatch } from '../../../src/api/handlers.ts';
import { Core } from '../../../src/core.ts';
import { runHead } from '../../../src/store/runs.ts';
import { writeGoogLeNet } from '../../fixtures/googlenet.ts';
import { CLASS_STYLES, shapeImage, writeClassTree } from '../../fixtures/images.ts';
import { tempDir } from '../../helpers/tmp.ts';

async function expectError(p: Promise<unknown>, code: string, pattern: RegExp): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof ApiError, String(err));
    assert.equal(err.code, code, err.message);
    assert.match(err.message, pattern);
    return true;
  });
}

test('import → model → features → train → predict → suggestions, end to end on generated data', async (t) => {
  const dir = tempDir(t);
  const core = new Core({ dataDir: join(dir, 'data') });
  t.after(() => core.dispose());
  const call = createCoreDispatch(core);
  const job = async (p: Promise<unknown>): Promise<JobInfo> => {
    const info = await core.jobs.wait(((await p) as { jobId: string }).jobId);
    assert.equal(info.status, 'succeeded', JSON.stringify(info.error));
    return info;
  };

  const tree = join(dir, 'shapes');
  await writeClassTree(tree, { classes: 3, perClass: 10, size: 96, seed: 3 });
  const unlabeled = join(dir, 'unlabeled');
  mkdirSync(unlabeled);
  for (let i = 0; i < 3; i++) {
    writeFileSync(join(unlabeled, `u${i}.jpg`), await shapeImage(CLASS_STYLES[i]!, 9000 + i, 96));
  }
  // A near-duplicate: the same picture saved again at another JPEG quality.
  const original = join(tree, CLASS_STYLES[0]!.name, `${CLASS_STYLES[0]!.name}-0.jpg`);
  const nearDuplicate = join(tree, CLASS_STYLES[0]!.name, 'copy-of-0.jpg');
  await sharp(original).jpeg({ quality: 60 }).toFile(nearDuplicate);
  const heldOut = join(dir, 'held-out.jpg');
  writeFileSync(heldOut, await shapeImage(CLASS_STYLES[1]!, 777, 96));
  const modelPath = join(dir, 'googlenet.onnx');
  await writeGoogLeNet(modelPath, { seed: 5 });

  await call('project.create', { path: join(dir, 'shapes.incept') });
  // A fixed split seed (normally random per project) makes every split, and so every run, repeatable.
  core.requireProject().setSetting('split_seed', '20261127');
  await job(call('import.start', { folder: tree, labelsFromFolders: true }));
  await job(call('import.start', { folder: unlabeled, labelsFromFolders: false }));

  const before = (await call('model.status', {})) as ModelStatus;
  assert.equal(before.ready, false);
  assert.match(before.problem ?? '', /Download .* or import/);
  // The way out is named, not spelled as CLI flags: each surface words it (cli/remedies.ts).
  await assert.rejects(call('train.start', {}), (err: unknown) => {
    assert.ok(err instanceof ApiError && err.code === 'precondition', String(err));
    assert.match(err.message, /no model yet/);
    assert.equal(remedyOf(err.details), 'get-model');
    assert.match(withCliRemedy(err.message, err.details), /--download.*--file/s);
    return true;
  });
  await expectError(call('predict.images', { paths: [heldOut], imagenet: true }), 'precondition', /no model/);

  await expectError(call('model.import', { path: join(dir, 'nope.onnx') }), 'not_found', /Cannot read/);
  writeFileSync(join(dir, 'fake.onnx'), 'this is not a model');
  await expectError(
    call('model.import', { path: join(dir, 'fake.onnx') }),
    'precondition',
    /not an ONNX model/,
  );

  const ready = (await call('model.import', { path: modelPath })) as ModelStatus;
  assert.equal(ready.ready, true);
  assert.equal(ready.model?.featureDim, 1024);
  assert.equal(ready.features.images, 34);
  assert.equal(ready.features.missing, 34);

  // Cancel while the one-click training is still computing features: no run is stored.
  const cancelled = (await call('train.start', {})) as { jobId: string };
  assert.deepEqual(await call('train.cancel', {}), { cancelled: true });
  const cancelledJob = await core.jobs.wait(cancelled.jobId);
  assert.equal(cancelledJob.status, 'cancelled');
  assert.deepEqual(await call('runs.list', {}), []);

  const imagenet = (await call('predict.images', {
    paths: [heldOut],
    imagenet: true,
    topK: 5,
  })) as ImagePrediction[];
  assert.equal(imagenet[0]?.top.length, 5);
  assert.ok(imagenet[0]!.top.every((x) => x.classId === null && x.label.length > 0));

  const features = await job(call('features.start', {}));
  assert.ok((features.result as { computed: number }).computed <= 34);
  const after = (await call('model.status', {})) as ModelStatus;
  // (the cancelled training above may already have stored some vectors: resuming skips them)
  assert.deepEqual(after.features, { images: 34, done: 34, missing: 0, failed: 0 });
  // Resuming computes only what is missing: nothing.
  const again = await job(call('features.start', {}));
  assert.equal((again.result as { computed: number }).computed, 0);

  const trained = await job(call('train.start', { settings: { seed: 11 } }));
  const runId = (trained.result as { runId: number }).runId;
  const run = (await call('runs.get', { id: runId })) as RunDetail;
  assert.equal(run.classes.length, 3);
  assert.ok(run.validationCount >= 3, 'every class has a validation image');
  assert.ok(run.trainCount + run.validationCount <= 31);
  assert.equal(run.current, true);
  assert.equal(run.stale, false);
  assert.equal(run.train.confusion.length, 3);
  assert.ok(run.trainAccuracy >= 0.9, `training accuracy ${run.trainAccuracy}`);

  const predicted = (await call('predict.images', { paths: [heldOut] })) as ImagePrediction[];
  assert.equal(predicted[0]?.top[0]?.label, CLASS_STYLES[1]!.name, JSON.stringify(predicted));

  const suggestions = (await call('predictions.query', { kind: 'suggestions' })) as PredictionPage;
  assert.equal(suggestions.total, 3);
  // The grid's filter lists the same images in the same order.
  const suggestedRows = (await call('images.query', { filter: { kind: 'suggestions' } })) as ImagePage;
  assert.equal(suggestedRows.total, 3);
  assert.deepEqual(
    suggestedRows.items.map((r) => r.id),
    suggestions.items.map((p) => p.imageId),
  );
  for (const row of suggestedRows.items) assert.ok(row.prediction, 'each row carries its suggestion');
  const preview = (await call('suggestions.accept', { minProbability: 0, dryRun: true })) as {
    accepted: number;
  };
  assert.equal(preview.accepted, 3);
  const accepted = (await call('suggestions.accept', { minProbability: 0 })) as { accepted: number };
  assert.equal(accepted.accepted, 3);
  assert.equal(((await call('predictions.query', { kind: 'suggestions' })) as PredictionPage).total, 0);
  await call('labels.undo', {});
  assert.equal(
    ((await call('predictions.query', { kind: 'suggestions' })) as PredictionPage).total,
    3,
    'one undo takes all back',
  );

  // Relabeling makes the current run stale.
  const page = (await call('images.query', { filter: { kind: 'unlabeled' } })) as { items: { id: number }[] };
  const classes = (await call('classes.list', {})) as { id: number }[];
  await call('labels.set', { imageIds: [page.items[0]!.id], classId: classes[0]!.id });
  const runs = (await call('runs.list', {})) as RunSummary[];
  assert.equal(runs[0]?.stale, true);

  // Same data, settings and seed: bit-identical weights.
  await call('labels.undo', {});
  const twin = await job(call('train.start', { settings: { seed: 11 } }));
  const project = core.requireProject();
  const a = runHead(project, runId);
  const b = runHead(project, (twin.result as { runId: number }).runId);
  assert.deepEqual(Buffer.from(b.weights.buffer), Buffer.from(a.weights.buffer));
  const cmp = (await call('runs.compare', { a: runId, b: (twin.result as { runId: number }).runId })) as {
    changedLabels: unknown[];
  };
  assert.deepEqual(cmp.changedLabels, []);

  // Augmentation: mirrored and cropped variants of training images, cached as feature variants.
  const augmented = await job(call('train.start', { settings: { seed: 11, augment: true } }));
  const augRun = (await call('runs.get', { id: (augmented.result as { runId: number }).runId })) as RunDetail;
  assert.equal(augRun.settings.augment, true);
  const variants = core
    .requireProject()
    .db.prepare('SELECT count(*) AS n FROM features WHERE variant > 0')
    .get() as { n: number };
  // Five views per labeled image in the project's train split (the run may lend one to validation).
  assert.equal(variants.n % 5, 0);
  assert.ok(
    variants.n >= augRun.trainCount * 5,
    `${variants.n} variants for ${augRun.trainCount} training images`,
  );
  await call('runs.setCurrent', { id: runId });

  // Export both formats: the self-check reloads them with the stock loaders.
  const out = join(dir, 'export');
  const exported = await job(call('export.start', { format: 'both', out }));
  const report = exported.result as ExportReport;
  assert.deepEqual(report.formats.sort(), ['onnx', 'tfjs']);
  for (const check of report.checks) {
    assert.equal(check.passed, true, JSON.stringify(check));
    assert.equal(check.agreement, 1);
    assert.ok(check.maxDiff < 1e-4, `${check.format} max diff ${check.maxDiff}`);
    assert.ok(check.images > 0);
  }
  const refused = (await call('export.start', { format: 'onnx', out })) as { jobId: string };
  const refusedJob = await core.jobs.wait(refused.jobId);
  assert.equal(refusedJob.status, 'failed');
  assert.match(refusedJob.error?.message ?? '', /already exists and is not empty/);
  assert.deepEqual(refusedJob.error?.details, { remedy: 'overwrite' });

  // The near-duplicate pair is found; ids resolve to the two files. (Other pairs of these
  // generated shapes can be as alike, and a pair that crosses the random splits comes first.)
  const dups = (await call('predictions.query', { kind: 'duplicates', limit: 1000 })) as PredictionPage;
  assert.ok(dups.total >= 1);
  const pathOf = async (id: number): Promise<string> =>
    ((await call('images.get', { id })) as { path: string }).path;
  let pair: PredictionPage['items'][number] | undefined;
  for (const d of dups.items) {
    const other = d.path === original ? nearDuplicate : d.path === nearDuplicate ? original : null;
    if (other !== null && (await pathOf(d.duplicateOf!)) === other) pair = d;
  }
  assert.ok(pair, JSON.stringify(dups.items.slice(0, 3)));
  assert.ok(pair.similarity! > 0.98, `similarity ${pair.similarity}`);
  const dupRows = (await call('images.query', { filter: { kind: 'duplicates' }, limit: 1000 })) as ImagePage;
  const dupPaths = dupRows.items.map((r) => r.path);
  assert.ok(dupPaths.includes(original) && dupPaths.includes(nearDuplicate), JSON.stringify(dupPaths));
  assert.equal(new Set(dupPaths).size, dupRows.total, 'each image once');

  // A deliberately wrong label is flagged as "likely mislabeled" (out-of-fold predictions).
  const victims = (await call('images.query', { filter: { kind: 'class', classId: classes[2]!.id } })) as {
    items: { id: number }[];
  };
  const flipped = victims.items.slice(0, 1).map((i) => i.id);
  await call('labels.set', { imageIds: flipped, classId: classes[0]!.id });
  await job(call('train.start', { settings: { seed: 11 } }));
  const suspects = (await call('predictions.query', { kind: 'mislabeled' })) as PredictionPage;
  const suspectIds = suspects.items.map((i) => i.imageId);
  for (const id of flipped)
    assert.ok(suspectIds.includes(id), `image ${id} flagged: ${JSON.stringify(suspects.items)}`);
  for (const item of suspects.items.filter((i) => flipped.includes(i.imageId))) {
    assert.equal(item.predictedClassId, classes[2]!.id, 'the suggested class is the true one');
  }
  const suspectRows = (await call('images.query', {
    filter: { kind: 'mislabeled' },
    limit: 1000,
  })) as ImagePage;
  assert.deepEqual(
    suspectRows.items.map((r) => r.id),
    suspectIds,
  );
});
