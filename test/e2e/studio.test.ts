import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { chromiumMissingReason, screenshot } from '../helpers/browser.ts';
import { openStudio } from '../helpers/studio.ts';
import { tempDir } from '../helpers/tmp.ts';
import { CLASS_STYLES, shapeImage, writeClassTree } from '../fixtures/images.ts';
import { cell, imagesDecoded, importFolder, thumbnailsPainted } from './studio-steps.ts';

/** 3 classes × 6 PNGs in subfolders, plus 6 unlabeled images of the same shapes. */
async function writeDataset(root: string): Promise<{ labeled: string; unlabeled: string }> {
  const labeled = join(root, 'labeled');
  const unlabeled = join(root, 'unlabeled');
  await writeClassTree(labeled, { classes: 3, perClass: 6, size: 64, format: 'png', seed: 3 });
  mkdirSync(unlabeled, { recursive: true });
  for (let i = 0; i < 6; i++) {
    const style = CLASS_STYLES[i % 3]!;
    writeFileSync(join(unlabeled, `u-${i}.png`), await shapeImage(style, 9000 + i, 64, 'png'));
  }
  return { labeled, unlabeled };
}

test('labeling studio: import, grid, number-key labels, undo, filters and viewer', async (t) => {
  const missing = chromiumMissingReason();
  if (missing) return t.skip(missing);
  const dir = tempDir(t);
  const data = await writeDataset(join(dir, 'images'));
  const { server, page, problems } = await openStudio(t, {
    dir,
    viewport: { width: 1280, height: 800 },
    project: join(dir, 'studio.incept'),
  });
  await page.getByText('No images yet.').waitFor();
  await expectConnection(page);

  await importFolder(page, data.labeled, true);
  await importFolder(page, data.unlabeled, false);
  await page.getByTestId('grid-total').getByText('24 images').waitFor();
  await thumbnailsPainted(page, 24);
  const classList = page.getByTestId('class-list');
  for (const style of CLASS_STYLES.slice(0, 3))
    await classList.getByText(style.name, { exact: true }).waitFor();
  assert.equal(
    await page.getByTestId('label-chip').count(),
    18,
    'the 18 imported-with-labels images show chips',
  );
  await screenshot(page, 'studio-grid');

  // The first class gets hotkey 1, the second 2 (picked by the backend when imports create classes).
  const keyOf = async (name: string): Promise<string> =>
    (await classList.getByTestId(`class-${name}`).locator('kbd').textContent())!.trim();
  const first = CLASS_STYLES[0]!.name;
  const second = CLASS_STYLES[1]!.name;
  const firstKey = await keyOf(first);
  const secondKey = await keyOf(second);

  // Keyboard labeling in the Unlabeled filter: the labeled images stay in view with their new chip.
  await page.getByTestId('filter-unlabeled').click();
  await page.getByTestId('grid-total').getByText('6 images').waitFor();
  await cell(page, 0).click();
  await page.keyboard.press(firstKey);
  await cell(page, 0).getByTestId('label-chip').getByText(first).waitFor();
  assert.equal(
    await cell(page, 1).getAttribute('aria-selected'),
    'true',
    'labeling advanced to the next image',
  );
  await page.keyboard.press(secondKey);
  await cell(page, 1).getByTestId('label-chip').getByText(second).waitFor();
  await page.getByTestId('filter-unlabeled').getByText('4').waitFor();
  await page.keyboard.press('Control+z');
  await cell(page, 1).getByText('unlabeled').waitFor();
  await page.getByTestId('filter-unlabeled').getByText('5').waitFor();
  await cell(page, 0).getByTestId('label-chip').getByText(first).waitFor();
  await page.getByTestId('refresh-view').waitFor();
  await screenshot(page, 'studio-labeling');

  // Arrow keys and shift-range selection.
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('Shift+ArrowRight');
  await page.getByTestId('selection-count').getByText('2 selected').waitFor();

  // Filter by class: 6 imported + the one labeled by key.
  await classList.getByRole('button', { name: new RegExp(`^${first}`) }).click();
  await page.getByTestId('grid-title').getByText(first).waitFor();
  await page.getByTestId('grid-total').getByText('7 images').waitFor();
  await thumbnailsPainted(page, 7);

  // The viewer: Enter opens the image under the cursor, arrows move, Escape closes.
  await cell(page, 0).click();
  await page.keyboard.press('Enter');
  const viewer = page.getByTestId('viewer');
  await viewer.waitFor();
  await viewer.getByTestId('viewer-label').getByText(first).waitFor();
  await imagesDecoded(page, '[data-testid="viewer"] .viewer-image img', 1);
  await viewer.getByText('1 of 7').waitFor();
  await page.keyboard.press('ArrowRight');
  await viewer.getByText('2 of 7').waitFor();
  await screenshot(page, 'studio-viewer');
  await page.keyboard.press('Escape');
  await viewer.waitFor({ state: 'detached' });

  // Class management: rename through the edit form.
  await classList.getByRole('button', { name: `Edit ${CLASS_STYLES[2]!.name}` }).click();
  await classList.getByLabel('Class name').fill('blue');
  await classList.getByRole('button', { name: 'Save' }).click();
  await classList.getByRole('button', { name: /^blue/ }).waitFor();

  // A file that is not an image: the import lists it with its reason, the grid shows it as failed.
  const broken = join(dir, 'broken');
  mkdirSync(broken);
  writeFileSync(join(broken, 'not-really.png'), 'this is text, not a PNG');
  await page.getByRole('button', { name: 'Import images…' }).click();
  const dialog = page.getByTestId('import-dialog');
  await dialog.getByLabel('Folder', { exact: true }).fill(broken);
  await dialog.getByRole('button', { name: 'Import', exact: true }).click();
  await dialog.getByTestId('import-result').getByText('not-really.png').waitFor();
  await screenshot(page, 'studio-import-failures');
  await dialog.getByRole('button', { name: 'Show them in the grid' }).click();
  await page.getByTestId('grid-title').getByText('Failed to read').waitFor();
  await cell(page, 0).locator('.broken').waitFor();

  // Dark theme renders the same screen readably.
  await page.getByTestId('filter-all').click();
  await page.getByRole('button', { name: /^Theme/ }).click(); // system → light
  await page.getByRole('button', { name: /^Theme/ }).click(); // light → dark
  assert.equal(await page.locator('html').getAttribute('data-theme'), 'dark');
  await thumbnailsPainted(page, 24);
  await screenshot(page, 'studio-dark');

  // Before a model exists, the Train tab offers both ways to get one.
  await page.getByRole('button', { name: 'Train', exact: true }).click();
  await page
    .getByTestId('model-panel')
    .getByRole('button', { name: /Download GoogLeNet/ })
    .waitFor();
  await page.getByTestId('model-panel').getByLabel('…or import a model file').fill('relative.onnx');
  await page.getByText('Use an absolute file path').waitFor();
  await screenshot(page, 'studio-train-no-model');
  assert.deepEqual(problems, []);

  // The server goes away: the status bar says so instead of the page going blank.
  await server.stop();
  await page.getByTestId('connection').getByText('Reconnecting…').waitFor();
  await page.getByTestId('model-panel').waitFor();
  assert.deepEqual(
    problems.filter((p) => !/WebSocket|ERR_CONNECTION_(REFUSED|RESET)/.test(p)),
    [],
  );
});

async function expectConnection(page: Page): Promise<void> {
  await page.getByTestId('connection').getByText('Connected').waitFor();
}
