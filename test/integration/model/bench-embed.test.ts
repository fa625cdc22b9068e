import assert from 'node:assert/strict';
import { test } from 'node:test';
import { benchEmbed } from '../../../bench/embed.ts';

test('bench/embed runs and returns JSON-able numbers (no timing asserts)', async () => {
  const r = await benchEmbed({ images: 2, batchSize: 2, width: 160, height: 120, engines: ['onnxruntime'] });
  const json = JSON.parse(JSON.stringify(r)) as typeof r;
  assert.equal(json.images, 2);
  assert.equal(json.engines.length, 1);
  const [ort] = json.engines;
  assert.equal(ort!.name, 'onnxruntime');
  assert.ok(ort!.endToEndImagesPerSec > 0 && ort!.inferenceImagesPerSec > 0);
  assert.ok(json.onnxruntimeInferenceImagesPerSec! > 0);
  assert.equal(typeof ort!.ratioToOnnxruntimeInference, 'number');
  assert.ok(ort!.ratioToOwnInference > 0);
  assert.ok(ort!.peakRssMb > 0);
  assert.equal(ort!.batchSize, 2);
});
