/**
 * Browser mode without typing server paths: the server-side file browser behind every path
 * field (home, recent folders, bookmarks, image counts, previews), and files dropped from the
 * person's machine onto a class.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { chromiumMissingReason, screenshot } from '../helpers/browser.ts';
import { openStudio } from '../helpers/studio.ts';
import { tempDir } from '../helpers/tmp.ts';
import { CLASS_STYLES, shapeImage } from '../fixtures/images.ts';
import { imagesDecoded, settledValue } from './studio-steps.ts';

function entry(browser: Locator, name: string): Locator {
  return browser.getByTestId('fb-entry').filter({ has: browser.page().getByText(name, { exact: true }) });
}

/** Drops files on a target the way a file manager does (a DataTransfer carrying Files). */
async function dropFiles(
  page: Page,
  target: Locator,
  files: { name: string; type: string; bytes: Buffer }[],
): Promise<void> {
  interface PageGlobals {
    DataTransfer: new () => { items: { add(file: unknown): void } };
    File: new (parts: unknown[], name: string, opts: { type: string }) => unknown;
    atob(s: string): string;
  }
  const dataTransfer = await page.evaluateHandle(
    (list) => {
      const g = globalThis as unknown as PageGlobals;
      const dt = new g.DataTransfer();
      for (const f of list) {
        const raw = g.atob(f.b64);
        const bytes = new Uint8Array(raw.length);
        for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
        dt.items.add(new g.File([bytes], f.name, { type: f.type }));
      }
      return dt;
    },
    files.map((f) => ({ name: f.name, type: f.type, b64: f.bytes.toString('base64') })),
  );
  await target.dispatchEvent('dragenter', { dataTransfer });
  await target.dispatchEvent('dragover', { dataTransfer });
  await target.dispatchEvent('drop', { dataTransfer });
}

test('file browser for every path field, and files dropped onto a class', async (t) => {
  const missing = chromiumMissingReason();
  if (missing) return t.skip(missing);
  const dir = tempDir(t);
  const home = join(dir, 'home');
  const photos = join(home, 'photos');
  mkdirSync(join(photos, 'cats'), { recursive: true });
  mkdirSync(join(photos, 'dogs'), { recursive: true });
  mkdirSync(join(home, 'models'));
  for (let i = 0; i < 3; i++)
    writeFileSync(join(photos, 'cats', `cat-${i}.png`), await shapeImage(CLASS_STYLES[0]!, i, 64, 'png'));
  for (let i = 0; i < 2; i++)
    writeFileSync(join(photos, 'dogs', `dog-${i}.jpg`), await shapeImage(CLASS_STYLES[1]!, 20 + i, 64));
  symlinkSync(join(photos, 'gone'), join(photos, 'broken-link'));
  writeFileSync(join(home, 'models', 'googlenet.onnx'), 'picked, not imported');

  const { page, problems } = await openStudio(t, {
    dir,
    env: { HOME: home },
    viewport: { width: 1280, height: 860 },
  });

  // A new project, placed by browsing: home first, folders with their counts.
  await page.getByRole('button', { name: 'New project in…' }).click();
  const fb = page.getByTestId('file-browser');
  await fb.waitFor();
  assert.equal(await settledValue(fb.getByLabel('Folder path'), home), home);
  await entry(fb, 'photos').getByText('2 folders').waitFor();
  await entry(fb, 'photos').click();
  await entry(fb, 'cats').getByText('3 images').waitFor();
  await entry(fb, 'dogs').getByText('2 images').waitFor();
  await entry(fb, 'broken-link')
    .getByText(/cannot be followed: it does not exist/)
    .waitFor();
  await fb.getByTestId('fb-bookmark-toggle').click();
  await fb.getByTestId('fb-bookmark').getByText('photos').waitFor();
  await screenshot(page, 'files-browser-new-project');
  await fb.getByLabel('File name').fill('trip');
  await fb.getByTestId('fb-pick').click();
  await page.getByTestId('project-screen').waitFor();
  assert.ok(existsSync(join(photos, 'trip.incept')), 'the project was created where browsed to');

  // Import: starts from the recent folder, shows the first images of a folder, fills the field.
  await page.getByRole('button', { name: 'Import images…' }).click();
  const dialog = page.getByTestId('import-dialog');
  await dialog.getByRole('button', { name: 'Browse…' }).click();
  await fb.waitFor();
  assert.equal(await settledValue(fb.getByLabel('Folder path'), photos), photos, 'recent folder first');
  await fb.getByTestId('fb-recent').first().waitFor();
  await entry(fb, 'cats').click();
  await fb.getByTestId('fb-summary').getByText('3 images in this folder').waitFor();
  await imagesDecoded(page, '[data-testid="fb-previews"] img', 3);
  await screenshot(page, 'files-browser-previews');
  await fb.getByTestId('fb-pick').click();
  await fb.waitFor({ state: 'detached' });
  assert.equal(
    await settledValue(dialog.getByLabel('Folder', { exact: true }), join(photos, 'cats')),
    join(photos, 'cats'),
  );
  await dialog.getByLabel('Labels from subfolders').setChecked(false);
  await dialog.getByRole('button', { name: 'Import', exact: true }).click();
  await dialog.getByTestId('import-result').getByText('3 imported').waitFor({ timeout: 30_000 });
  await dialog.getByRole('button', { name: 'Done' }).click();
  await page.getByTestId('grid-total').getByText('3 images').waitFor();

  // The model file: only .onnx files can be picked.
  await page.getByRole('button', { name: 'Train', exact: true }).click();
  const modelPanel = page.getByTestId('model-panel');
  await modelPanel.getByRole('button', { name: 'Browse…' }).click();
  await fb.waitFor();
  await fb.getByLabel('Folder path').fill(join(home, 'models'));
  await fb.getByRole('button', { name: 'Go' }).click();
  await entry(fb, 'googlenet.onnx').click();
  await fb.getByRole('button', { name: 'Open', exact: true }).click();
  const modelFile = join(home, 'models', 'googlenet.onnx');
  assert.equal(await settledValue(modelPanel.getByLabel('…or import a model file'), modelFile), modelFile);

  // Files dropped onto a class are uploaded and labeled; a text file is skipped with its reason.
  await page.getByRole('button', { name: 'Dataset', exact: true }).click();
  await page.getByLabel('New class name').fill('dog');
  await page.getByRole('button', { name: 'Add', exact: true }).click();
  const row = page.getByTestId('class-dog');
  await row.waitFor();
  await dropFiles(page, row, [
    { name: 'drop-1.png', type: 'image/png', bytes: await shapeImage(CLASS_STYLES[1]!, 101, 64, 'png') },
    { name: 'drop-2.png', type: 'image/png', bytes: await shapeImage(CLASS_STYLES[1]!, 102, 64, 'png') },
    { name: 'notes.txt', type: 'text/plain', bytes: Buffer.from('hello') },
  ]);
  await page
    .getByTestId('notifications')
    .getByText('Added 2 images to “dog”; 1 skipped.')
    .waitFor({ timeout: 30_000 });
  await page.getByTestId('grid-total').getByText('5 images').waitFor();
  await row.getByText('2', { exact: true }).first().waitFor();
  await screenshot(page, 'files-dropped-on-class');
  assert.deepEqual(problems, []);
});
