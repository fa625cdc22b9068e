import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromiumMissingReason, screenshot } from '../helpers/browser.ts';
import { createProject, openStudio } from '../helpers/studio.ts';
import { tempDir } from '../helpers/tmp.ts';
import { CLASS_STYLES, shapeImage, writeClassTree } from '../fixtures/images.ts';
import { writeGoogLeNet } from '../fixtures/googlenet.ts';
import {
  assertNear,
  cell,
  firstThumbColor,
  importFolder,
  thumbnailsPainted,
  writeSolidFolder,
} from './studio-steps.ts';

test('the whole journey: import, model, features, label, train, confusion cell, suggestions, export', async (t) => {
  const missing = chromiumMissingReason();
  if (missing) return t.skip(missing);
  const dir = tempDir(t);
  const labeled = join(dir, 'shapes');
  await writeClassTree(labeled, { classes: 3, perClass: 8, size: 96, seed: 3 });
  const unlabeled = join(dir, 'unlabeled');
  mkdirSync(unlabeled);
  for (let i = 0; i < 9; i++) {
    writeFileSync(join(unlabeled, `u${i}.jpg`), await shapeImage(CLASS_STYLES[i % 3]!, 9000 + i, 96));
  }
  const modelPath = join(dir, 'googlenet.onnx');
  await writeGoogLeNet(modelPath, { seed: 5 });

  const { page, problems } = await openStudio(t, {
    dir,
    viewport: { width: 1280, height: 860 },
    project: join(dir, 'journey.incept'),
  });
  await importFolder(page, labeled, true);
  await importFolder(page, unlabeled, false);
  await page.getByTestId('grid-total').getByText('33 images').waitFor();
  await thumbnailsPainted(page, 30);

  // The model: import the generated GoogLeNet file, then extract features with progress shown.
  await page.getByRole('button', { name: 'Train', exact: true }).click();
  const modelPanel = page.getByTestId('model-panel');
  await modelPanel.getByLabel('…or import a model file').fill(modelPath);
  await modelPanel.getByRole('button', { name: 'Import model' }).click();
  await modelPanel.getByTestId('model-ready').waitFor({ timeout: 30_000 });
  await modelPanel.getByRole('button', { name: /Extract features \(33\)/ }).click();
  await page.getByTestId('job-features').waitFor();
  await modelPanel.getByText('all done').waitFor({ timeout: 45_000 });

  // Label two unlabeled images with number keys, undo one.
  await page.getByRole('button', { name: 'Dataset', exact: true }).click();
  await page.getByTestId('filter-unlabeled').click();
  await page.getByTestId('grid-total').getByText('9 images').waitFor();
  const firstName = CLASS_STYLES[0]!.name;
  const firstKey = (await page.getByTestId(`class-${firstName}`).locator('kbd').textContent())!.trim();
  await cell(page, 0).click();
  await page.keyboard.press(firstKey);
  await page.keyboard.press(firstKey);
  await cell(page, 1).getByTestId('label-chip').waitFor();
  await page.keyboard.press('Control+z');
  await cell(page, 1).getByText('unlabeled').waitFor();
  await page.getByTestId('filter-unlabeled').getByText('8').waitFor();

  // Train with defaults; curves and results appear.
  await page.getByRole('button', { name: 'Train', exact: true }).click();
  await page.getByTestId('train-button').click();
  await page.getByTestId('run-results').waitFor({ timeout: 45_000 });
  await page.getByTestId('chart-loss').locator('canvas').waitFor();
  await page.getByTestId('metrics-table').waitFor();
  await page.getByTestId('run-history').getByText('current').waitFor();
  await screenshot(page, 'journey-train');

  // A confusion-matrix cell shows exactly its images in the grid.
  const matrix = page.getByTestId('confusion-matrix');
  const cmCell = matrix.locator('button.cm-cell:not([disabled])').first();
  const n = Number((await cmCell.textContent())!.trim());
  assert.ok(n > 0);
  await cmCell.click();
  await page
    .getByTestId('grid-title')
    .getByText(/^True .* → predicted /)
    .waitFor();
  await page
    .getByTestId('grid-total')
    .getByText(n === 1 ? '1 image' : `${n} images`, { exact: true })
    .waitFor();
  await thumbnailsPainted(page, Math.min(n, 10));
  await screenshot(page, 'journey-confusion-cell');

  // The model's filters come from images.query in the model's own order: every unlabeled image
  // has a suggestion, and the sort menu steps aside.
  await page.getByTestId('filter-suggestions').click();
  await page.getByTestId('grid-title').getByText('Suggestions').waitFor();
  await page.getByTestId('grid-total').getByText('8 images').waitFor();
  assert.equal(await page.getByLabel('Sort images').isDisabled(), true);
  await cell(page, 0).getByTestId('prediction-badge').waitFor();
  await page.getByTestId('filter-mislabeled').click();
  await page.getByTestId('grid-title').getByText('Likely mislabeled').waitFor();
  assert.equal(await page.getByLabel('Sort images').isDisabled(), true);

  // Labeling a changed label marks the run stale.
  await page.getByTestId('filter-unlabeled').click();
  await cell(page, 1).click();
  await page.keyboard.press(firstKey);
  await page.getByRole('button', { name: 'Train', exact: true }).click();
  await page.getByTestId('stale-marker').waitFor();

  // Suggestions: preview how many "accept all above p" labels, then apply.
  await page.getByRole('button', { name: 'Suggestions', exact: true }).click();
  await page.getByTestId('suggestion-list').waitFor();
  const slider = page.getByTestId('threshold');
  await slider.fill('0.5');
  const preview = page.getByTestId('threshold-preview');
  await preview.getByText(/labels \d+ image/).waitFor();
  const count = Number(/labels (\d+)/.exec((await preview.textContent())!)![1]);
  assert.ok(count > 0, 'some suggestions are above 50%');
  await screenshot(page, 'journey-suggestions');
  await page.getByTestId('accept-all').click();
  await page.getByRole('status').getByText(`Accepted ${count} suggestion`).waitFor();
  await page
    .getByTestId('status-bar')
    .getByText(`${25 + 1 + count} labeled`)
    .waitFor();

  // Try it: an image file from the person's machine, predicted by the current run (top 3).
  await page.getByRole('button', { name: 'Try it', exact: true }).click();
  await page.getByTestId('try-file').setInputFiles({
    name: 'probe.png',
    mimeType: 'image/png',
    buffer: await shapeImage(CLASS_STYLES[1]!, 4242, 96, 'png'),
  });
  const tryResult = page.getByTestId('try-result');
  await tryResult.locator('ol.top-list li').nth(2).waitFor();
  assert.equal(await tryResult.locator('ol.top-list li').count(), 3);
  await screenshot(page, 'journey-try-it');
  // One key adds it to the dataset with the predicted label.
  await page.getByTestId('try-add').waitFor();
  await page.keyboard.press('Enter');
  await page.getByTestId('try-added').getByText('Added to the dataset as').waitFor();
  await page
    .getByTestId('status-bar')
    .getByText(`${25 + 1 + count + 1} labeled`)
    .waitFor();

  // The webcam (Chromium's synthetic camera here): capture a frame and predict it.
  await page.getByTestId('camera-open').click();
  await page.waitForFunction(() => {
    const doc = (
      globalThis as unknown as { document: { querySelector(s: string): { videoWidth: number } | null } }
    ).document;
    return (doc.querySelector('video.camera')?.videoWidth ?? 0) > 0;
  });
  await page.getByTestId('camera-capture').click();
  await tryResult.getByRole('heading', { name: /^camera-.*\.jpg$/ }).waitFor();
  await tryResult.locator('ol.top-list li').nth(2).waitFor();
  await page.getByRole('button', { name: 'Close camera' }).click();

  // Export both formats; the self-check passes for each.
  const out = join(dir, 'export');
  await page.getByRole('button', { name: 'Export model…' }).click();
  const dialog = page.getByTestId('export-dialog');
  await dialog.getByLabel('Target folder').fill(out);
  await dialog.getByRole('button', { name: 'Export', exact: true }).click();
  const report = dialog.getByTestId('export-report');
  await report.waitFor({ timeout: 60_000 });
  await report.getByTestId('check-tfjs').getByText('passed').waitFor();
  await report.getByTestId('check-onnx').getByText('passed').waitFor();
  await screenshot(page, 'journey-export');
  assert.ok(existsSync(out));
  await dialog.getByRole('button', { name: 'Close' }).first().click();

  // A second project in the same browser: its own pictures (not the first project's, cached
  // under the same image ids), and the model imported once is one click away.
  const blue: [number, number, number] = [30, 40, 220];
  await writeSolidFolder(join(dir, 'second-images'), blue, 4);
  await page.getByRole('button', { name: 'Close project' }).click();
  await createProject(page, join(dir, 'second.incept'));
  await importFolder(page, join(dir, 'second-images'), false);
  await page.getByTestId('grid-total').getByText('4 images').waitFor();
  await thumbnailsPainted(page, 4);
  assertNear(await firstThumbColor(page), blue, 'the second project shows its own thumbnails');
  await page.getByRole('button', { name: 'Train', exact: true }).click();
  await page.getByTestId('model-library').waitFor();
  await screenshot(page, 'journey-second-project-model-offer');
  await page.getByTestId('model-library').getByRole('button', { name: 'Use googlenet.onnx' }).click();
  await page.getByTestId('model-panel').getByTestId('model-ready').waitFor();
  await screenshot(page, 'journey-second-project');

  assert.deepEqual(problems, []);
});
