/**
 * The studio's feedback to a newcomer: one notification area that floats over the page, keeps
 * details behind a click and clears what got resolved; error texts without raw system codes;
 * Undo/Redo buttons; a model import that shows it is working; Advanced settings that show their
 * defaults; "Try it" that never mixes two files; text with its spaces.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { chromiumMissingReason, screenshot } from '../helpers/browser.ts';
import { openStudio } from '../helpers/studio.ts';
import { tempDir } from '../helpers/tmp.ts';
import { CLASS_STYLES, shapeImage, writeClassTree } from '../fixtures/images.ts';
import { writeGoogLeNet } from '../fixtures/googlenet.ts';
import { cell, importFolder, thumbnailsPainted } from './studio-steps.ts';

async function topOf(page: Page, testid: string): Promise<number> {
  const box = await page.getByTestId(testid).boundingBox();
  assert.ok(box, `${testid} is on screen`);
  return box.y;
}

test('notifications, readable errors, undo buttons, model import progress and Try it', async (t) => {
  const missing = chromiumMissingReason();
  if (missing) return t.skip(missing);
  const dir = tempDir(t);
  const labeled = join(dir, 'shapes');
  await writeClassTree(labeled, { classes: 3, perClass: 4, size: 64, seed: 11 });
  const modelPath = join(dir, 'googlenet.onnx');
  await writeGoogLeNet(modelPath, { seed: 5 });
  const { page, problems } = await openStudio(t, {
    dir,
    viewport: { width: 1280, height: 800 },
    project: join(dir, 'feedback.incept'),
  });
  await importFolder(page, labeled, true);
  await page.getByTestId('grid-total').getByText('12 images').waitFor();
  await thumbnailsPainted(page, 12);

  // Undo and Redo are buttons, and the status bar's "Undo: …" is one too.
  const undo = page.getByTestId('undo');
  const redo = page.getByTestId('redo');
  assert.equal(await undo.isDisabled(), true, 'nothing to undo yet');
  await cell(page, 0).click();
  const chip = cell(page, 0).getByTestId('label-chip');
  const original = (await chip.textContent())!.trim();
  const other = CLASS_STYLES.slice(0, 3).find((s) => !original.includes(s.name))!.name;
  const otherKey = (await page.getByTestId(`class-${other}`).locator('kbd').textContent())!.trim();
  await page.keyboard.press(otherKey);
  await chip.getByText(other).waitFor();
  await page.getByTestId('status-undo').waitFor();
  await screenshot(page, 'feedback-undo-buttons');
  await undo.click();
  await chip.getByText(original).waitFor();
  assert.equal(await redo.isDisabled(), false);
  await redo.click();
  await chip.getByText(other).waitFor();
  await page.getByTestId('status-undo').click();
  await chip.getByText(original).waitFor();

  // Errors land in one floating area: the page does not move, the text has no raw ENOENT.
  await page.getByRole('button', { name: 'Train', exact: true }).click();
  const modelPanel = page.getByTestId('model-panel');
  await modelPanel.waitFor();
  const panelTop = await topOf(page, 'model-panel');
  await modelPanel.getByLabel('…or import a model file').fill(join(dir, 'nowhere', 'missing.onnx'));
  await modelPanel.getByRole('button', { name: 'Import model' }).click();
  const area = page.getByTestId('notifications');
  const notice = area.getByTestId('notice');
  await notice.first().waitFor();
  const text = (await notice.first().textContent()) ?? '';
  assert.match(text, /Could not import the model/);
  assert.doesNotMatch(text, /ENOENT|EACCES|no such file or directory/);
  assert.equal(await topOf(page, 'model-panel'), panelTop, 'a notice does not push the page down');
  // A second failure about the same thing replaces the first instead of stacking up.
  const notOnnx = join(dir, 'notes.onnx');
  writeFileSync(notOnnx, 'this is not a model');
  await modelPanel.getByLabel('…or import a model file').fill(notOnnx);
  await modelPanel.getByRole('button', { name: 'Import model' }).click();
  await notice.getByText(/Could not import the model/).waitFor();
  await page.waitForTimeout(300);
  assert.equal(await notice.count(), 1, 'one notice about the model, not a stack');
  await notice.getByRole('button', { name: 'Details' }).click();
  await notice.getByTestId('notice-details').getByText('Error code').waitFor();
  await screenshot(page, 'feedback-notice-details');
  assert.equal(await topOf(page, 'model-panel'), panelTop);

  // The model import shows that it is working, and its success resolves the error notice.
  await page.route('**/api/model.import', async (route) => {
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await route.continue();
  });
  await modelPanel.getByLabel('…or import a model file').fill(modelPath);
  await modelPanel.getByRole('button', { name: 'Import model' }).click();
  await modelPanel.getByTestId('model-import-progress').getByRole('progressbar').waitFor();
  await screenshot(page, 'feedback-model-import-progress');
  await modelPanel.getByTestId('model-ready').waitFor({ timeout: 30_000 });
  await area.locator('[data-testid="notice"].error').waitFor({ state: 'detached' });
  const ready = (await modelPanel.getByTestId('model-ready').textContent())!.replace(/\s+/g, ' ');
  assert.match(ready, /1024-d features( · engine \S|$)/, `spaces around the separator: "${ready}"`);
  assert.doesNotMatch(ready, /\S·/);

  // Advanced settings show the defaults a run will use, not "auto".
  await page.getByText('Advanced settings').click();
  const settings = page.getByRole('group', { name: 'Training settings' });
  assert.equal(await settings.getByLabel('Epochs').getAttribute('placeholder'), '100');
  assert.equal(await settings.getByLabel('Learning rate').getAttribute('placeholder'), '0.001');
  assert.equal(await settings.getByLabel('Batch size').getAttribute('placeholder'), '64');
  await settings.getByLabel('Optimizer').selectOption('sgd');
  assert.equal(await settings.getByLabel('Learning rate').getAttribute('placeholder'), '0.01');
  assert.equal(await settings.locator('input[placeholder="auto"]').count(), 0);
  await screenshot(page, 'feedback-advanced-settings');

  // Try it: a text file after an image leaves neither the image nor its name behind.
  await page.getByRole('button', { name: 'Try it', exact: true }).click();
  await page.getByTestId('try-file').setInputFiles({
    name: 'probe.png',
    mimeType: 'image/png',
    buffer: await shapeImage(CLASS_STYLES[1]!, 4242, 64, 'png'),
  });
  const tryResult = page.getByTestId('try-result');
  await tryResult.getByRole('heading', { name: 'probe.png' }).waitFor();
  await tryResult.locator('img.try-preview').waitFor();
  await page.getByTestId('try-file').setInputFiles({
    name: 'notes.txt',
    mimeType: 'text/plain',
    buffer: Buffer.from('not an image'),
  });
  await tryResult.getByText('notes.txt is not an image').waitFor();
  assert.equal(await tryResult.locator('img').count(), 0, 'the old preview is gone');
  assert.equal(await tryResult.getByText('probe.png').count(), 0, 'the old name is gone');
  assert.equal(await tryResult.locator('ol.top-list').count(), 0, 'the old result is gone');
  await screenshot(page, 'feedback-try-not-image');

  // The two refused model imports are the only failed requests (the browser logs each one too).
  const expected =
    /HTTP (404|400) for .*\/api\/model\.import|Failed to load resource: .* status of (404|400)/;
  assert.equal(problems.filter((p) => expected.test(p)).length, 4, problems.join('\n'));
  assert.deepEqual(
    problems.filter((p) => !expected.test(p)),
    [],
  );
});
