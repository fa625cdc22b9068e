import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ExportReport, ImagePrediction, RunDetail } from '../../../src/api/contract.ts';
import { writeGoogLeNet } from '../../fixtures/googlenet.ts';
import { CLASS_STYLES, shapeImage } from '../../fixtures/images.ts';
import { incept, initLabeledProject } from '../../helpers/cli.ts';
import { tempDir } from '../../helpers/tmp.ts';

test('CLI workflow: init, import, model --file, embed, train, runs, predict, export', async (t) => {
  const dir = tempDir(t);
  const heldOut = join(dir, 'held out é.jpg');
  writeFileSync(heldOut, await shapeImage(CLASS_STYLES[2]!, 4242, 96));
  const model = join(dir, 'googlenet.onnx');
  await writeGoogLeNet(model, { seed: 8 });
  const { data, project } = await initLabeledProject(dir, 'cli.incept');

  const noModel = await incept(['train', project], data);
  assert.equal(noModel.code, 2);
  assert.match(noModel.stderr, /^incept: .*no model yet.*--download.*--file/);
  assert.equal(noModel.stderr.trim().split('\n').length, 1);

  const m = await incept(['model', project, '--file', model], data);
  assert.equal(m.code, 0, m.stderr);
  assert.match(m.stdout, /1024 features/);

  const embed = await incept(['embed', project, '--json'], data);
  assert.equal(embed.code, 0, embed.stderr);
  assert.equal((JSON.parse(embed.stdout) as { computed: number }).computed, 24);

  const train = await incept(['train', project, '--seed', '3'], data);
  assert.equal(train.code, 0, train.stderr);
  assert.match(train.stdout, /Per class/);
  assert.match(train.stdout, /Confusion matrix/);
  for (const s of CLASS_STYLES.slice(0, 3)) assert.match(train.stdout, new RegExp(s.name));

  const runs = await incept(['runs', project, '--json'], data);
  const list = JSON.parse(runs.stdout) as RunDetail[];
  assert.equal(list.length, 1);
  assert.equal(list[0]?.current, true);

  const badSetting = await incept(['train', project, '--epochs', 'many'], data);
  assert.equal(badSetting.code, 2);
  assert.match(badSetting.stderr, /--epochs needs a number/);

  // Paths can also come on stdin, which keeps argv short for thousands of files.
  const predict = await incept(['predict', project, '--from', '-', '--json'], data, `${heldOut}\n`);
  assert.equal(predict.code, 0, predict.stderr);
  const predictions = JSON.parse(predict.stdout) as ImagePrediction[];
  assert.equal(predictions[0]?.top[0]?.label, CLASS_STYLES[2]!.name);
  assert.equal(predictions[0]?.top.length, 3);

  const out = join(dir, 'exported');
  const exp = await incept(['export', project, '--format', 'onnx', '--out', out, '--json'], data);
  assert.equal(exp.code, 0, exp.stderr);
  const report = JSON.parse(exp.stdout) as ExportReport;
  assert.equal(report.checks[0]?.passed, true);
  assert.ok(existsSync(join(out, 'onnx', 'model.onnx')));
  assert.ok(existsSync(join(out, 'metadata.json')));
  const again = await incept(['export', project, '--format', 'onnx', '--out', out], data);
  assert.equal(again.code, 2);
  assert.match(again.stderr, /--force/);

  mkdirSync(join(dir, 'empty'));
  const notModel = await incept(['model', project, '--file', join(dir, 'empty')], data);
  assert.notEqual(notModel.code, 0);
  assert.equal(notModel.stderr.trim().split('\n').length, 1);
});
