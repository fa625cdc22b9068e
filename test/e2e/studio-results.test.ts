/**
 * What a trained model shows a newcomer: test-split scores apart from validation, a confusion
 * matrix that fits at 1400 px, chart legends with line styles and even axis labels, export
 * errors worded for the app, suggestion thumbnails large enough to judge, and duplicate pairs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { chromiumMissingReason, screenshot } from '../helpers/browser.ts';
import { openStudio } from '../helpers/studio.ts';
import { tempDir } from '../helpers/tmp.ts';
import { CLASS_STYLES, jpegVariant, shapeImage } from '../fixtures/images.ts';
import { writeGoogLeNet } from '../fixtures/googlenet.ts';
import { imagesDecoded, importFolder, importModel } from './studio-steps.ts';

/** The page's own measurements of an element (the Node tsconfig has no DOM library). */
async function box(page: Page, selector: string): Promise<{ scrollWidth: number; clientWidth: number }> {
  return page.evaluate((sel) => {
    const doc = (globalThis as unknown as { document: { querySelector(s: string): unknown } }).document;
    const el = doc.querySelector(sel) as { scrollWidth: number; clientWidth: number } | null;
    return { scrollWidth: el?.scrollWidth ?? -1, clientWidth: el?.clientWidth ?? -1 };
  }, selector);
}

test('run results, charts, export wording, suggestion thumbnails and duplicates', async (t) => {
  const missing = chromiumMissingReason();
  if (missing) return t.skip(missing);
  const dir = tempDir(t);
  // Ten classes named digit-0 … digit-9 (shapes repeat; the layout is what matters), 6 images each.
  const labeled = join(dir, 'digits');
  for (let c = 0; c < 10; c++) {
    mkdirSync(join(labeled, `digit-${c}`), { recursive: true });
    for (let i = 0; i < 6; i++)
      writeFileSync(
        join(labeled, `digit-${c}`, `${c}-${i}.jpg`),
        await shapeImage(CLASS_STYLES[c % 4]!, 1000 * c + i, 64),
      );
  }
  const unlabeled = join(dir, 'unlabeled');
  mkdirSync(unlabeled);
  for (let i = 0; i < 6; i++)
    writeFileSync(join(unlabeled, `u-${i}.jpg`), await shapeImage(CLASS_STYLES[i % 4]!, 7000 + i, 64));
  // The same picture twice (different bytes): a near-duplicate pair.
  const twin = await shapeImage(CLASS_STYLES[0]!, 4242, 64);
  writeFileSync(join(unlabeled, 'twin-a.jpg'), twin);
  writeFileSync(join(unlabeled, 'twin-b.jpg'), jpegVariant(twin, 1));
  const modelPath = join(dir, 'googlenet.onnx');
  await writeGoogLeNet(modelPath, { seed: 5 });

  const { page, problems } = await openStudio(t, {
    dir,
    viewport: { width: 1400, height: 900 },
    project: join(dir, 'results.incept'),
  });
  await importFolder(page, labeled, true);
  await importFolder(page, unlabeled, false);
  await page
    .getByTestId('grid-total')
    .getByText(/^6\d images$/)
    .waitFor();

  const modelPanel = await importModel(page, modelPath);
  // Every image's features first, so that the unlabeled ones get suggestions.
  await modelPanel.getByRole('button', { name: /Extract features/ }).click();
  await modelPanel.getByText('all done').waitFor({ timeout: 120_000 });
  await page.getByTestId('train-button').click();
  const results = page.getByTestId('run-results');
  await results.waitFor({ timeout: 120_000 });

  // The test split has its own scores, named as held out.
  const splitButtons = results.getByRole('group', { name: 'Which images' });
  await splitButtons.getByRole('button', { name: 'Test' }).click();
  await results
    .getByTestId('run-accuracy-split')
    .getByText(/test images \(held out/)
    .waitFor();
  await splitButtons.getByRole('button', { name: 'Validation' }).click();
  await results
    .getByTestId('run-accuracy-split')
    .getByText(/validation images$/)
    .waitFor();

  // Ten classes fit at 1400 px: no horizontal scrollbar, the last column inside the card.
  await page.getByTestId('cm-9-9').waitFor();
  const wrap = await box(page, '.confusion-wrap');
  assert.ok(wrap.clientWidth > 0);
  assert.ok(
    wrap.scrollWidth <= wrap.clientWidth + 1,
    `matrix ${wrap.scrollWidth} px in ${wrap.clientWidth} px`,
  );
  await results.scrollIntoViewIfNeeded();
  await screenshot(page, 'results-confusion-1400');

  // Chart legends show each line's style; axis labels share their decimals.
  const loss = page.getByTestId('chart-loss');
  await loss
    .getByTestId('legend-train')
    .locator('line:not([stroke-dasharray])')
    .waitFor({ state: 'attached' });
  await loss
    .getByTestId('legend-validation')
    .locator('line[stroke-dasharray]')
    .waitFor({ state: 'attached' });
  for (const id of ['chart-loss', 'chart-accuracy']) {
    // uPlot redraws its axes as the last epochs arrive: wait for a finished axis, not the first.
    await page
      .waitForFunction(
        `(document.querySelector('[data-testid="${id}"]')?.getAttribute('data-y-ticks') ?? '').split(' ').length >= 2`,
        undefined,
        { timeout: 10_000 },
      )
      .catch(() => undefined);
    const ticks = ((await page.getByTestId(id).getAttribute('data-y-ticks')) ?? '').split(' ');
    assert.ok(ticks.length >= 2, `${id} has y ticks: ${ticks.join(' ')}`);
    const decimals = new Set(ticks.map((x) => (/\.(\d+)/.exec(x)?.[1] ?? '').length));
    assert.equal(decimals.size, 1, `${id} ticks share their decimals: ${ticks.join(' ')}`);
  }
  await page.getByTestId('chart-loss').scrollIntoViewIfNeeded();
  await screenshot(page, 'results-charts');

  // Exporting into a non-empty folder names the checkbox, not a command-line flag.
  const out = join(dir, 'export');
  mkdirSync(out);
  writeFileSync(join(out, 'keep.txt'), 'mine');
  await page.getByRole('button', { name: 'Export model…' }).click();
  const dialog = page.getByTestId('export-dialog');
  await dialog.getByLabel('Target folder').fill(out);
  await dialog.getByRole('button', { name: 'Export', exact: true }).click();
  const refusal = dialog.getByRole('alert');
  await refusal.getByText('already exists and is not empty').waitFor({ timeout: 30_000 });
  const said = (await refusal.textContent()) ?? '';
  assert.match(said, /“Overwrite files already there”/);
  assert.doesNotMatch(said, /--force|force: true/);
  await screenshot(page, 'results-export-refused');
  await dialog.getByRole('button', { name: 'Close' }).click();

  // Suggestions: thumbnails of at least 96 px, and a large view on hover.
  await page.getByRole('button', { name: 'Suggestions', exact: true }).click();
  const thumb = page.getByTestId('sugg-thumb').first();
  await thumb.waitFor();
  await imagesDecoded(page, '[data-testid="sugg-thumb"] img', 1);
  const size = await thumb.locator('img').first().boundingBox();
  assert.ok(size && size.width >= 96 && size.height >= 96, `thumbnail ${size?.width}×${size?.height}`);
  await thumb.hover();
  await imagesDecoded(page, '[data-testid="sugg-zoom"]', 1);
  const zoom = await page.getByTestId('sugg-zoom').boundingBox();
  assert.ok(zoom && zoom.width >= 300, `zoom ${zoom?.width}`);
  await screenshot(page, 'results-suggestions-zoom');

  // Duplicates: pairs side by side with their similarity, and something to do about each.
  await page.getByRole('button', { name: 'Dataset', exact: true }).click();
  await page.getByTestId('filter-duplicates').click();
  const view = page.getByTestId('duplicates-view');
  const pair = view.getByTestId('dup-pair').first();
  await pair.waitFor({ timeout: 30_000 });
  assert.equal(await pair.getByTestId('dup-side').count(), 2);
  await imagesDecoded(page, '[data-testid="dup-pair"]:first-child img', 2);
  assert.match((await pair.getByTestId('dup-similarity').textContent()) ?? '', /^\d+(\.\d)?%$/);
  await screenshot(page, 'results-duplicates');
  if ((await pair.getByTestId('dup-same-split').count()) > 0) {
    await pair.getByTestId('dup-same-split').click();
    await page.getByTestId('notifications').getByText('Both images are now in train.').waitFor();
    assert.deepEqual(await pair.getByTestId('dup-split').allTextContents(), ['train', 'train']);
  }
  const before = Number(/(\d+) images/.exec((await page.getByTestId('status-bar').textContent()) ?? '')?.[1]);
  const first = view.getByTestId('dup-pair').first();
  const removed = (await first.getByTestId('dup-side').nth(1).locator('.dup-name').textContent())!.trim();
  await first.getByTestId('dup-side').first().getByRole('button', { name: 'Keep this one' }).click();
  await page
    .getByTestId('notifications')
    .getByText(`${removed} is out of the project`, { exact: false })
    .waitFor();
  await page
    .getByTestId('status-bar')
    .getByText(`${before - 1} images`)
    .waitFor();

  assert.deepEqual(
    problems.filter((p) => !/WebSocket/.test(p)),
    [],
  );
});
