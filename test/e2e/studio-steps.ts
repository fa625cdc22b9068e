/** Steps the studio and journey browser tests share. */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import type { Locator, Page } from 'playwright-core';

export async function importFolder(page: Page, folder: string, labelsFromFolders: boolean): Promise<void> {
  await page.getByRole('button', { name: 'Import images…' }).click();
  const dialog = page.getByTestId('import-dialog');
  await dialog.getByLabel('Folder', { exact: true }).fill(folder);
  await dialog.getByLabel('Labels from subfolders').setChecked(labelsFromFolders);
  await dialog.getByRole('button', { name: 'Import', exact: true }).click();
  await dialog.getByTestId('import-result').waitFor({ timeout: 30_000 });
  await dialog.getByRole('button', { name: 'Done' }).click();
  await dialog.waitFor({ state: 'detached' });
}

/** Opens the Train tab, imports the model file and waits until it is ready; returns the panel. */
export async function importModel(page: Page, modelPath: string): Promise<Locator> {
  await page.getByRole('button', { name: 'Train', exact: true }).click();
  const modelPanel = page.getByTestId('model-panel');
  await modelPanel.getByLabel('…or import a model file').fill(modelPath);
  await modelPanel.getByRole('button', { name: 'Import model' }).click();
  await modelPanel.getByTestId('model-ready').waitFor({ timeout: 30_000 });
  return modelPanel;
}

/** The little of the DOM the page-side checks use (the Node tsconfig has no DOM library). */
interface PageGlobals {
  document: { querySelectorAll(selector: string): Iterable<{ complete: boolean; naturalWidth: number }> };
}

/**
 * Waits until at least `n` images match `selector` and all of them have decoded. A function,
 * not a string: the page's CSP forbids eval, which string predicates need.
 */
export async function imagesDecoded(page: Page, selector: string, n: number): Promise<void> {
  await page.waitForFunction(
    ({ selector, n }) => {
      const imgs = [...(globalThis as unknown as PageGlobals).document.querySelectorAll(selector)];
      return imgs.length >= n && imgs.every((i) => i.complete && i.naturalWidth > 0);
    },
    { selector, n },
    { timeout: 20_000 },
  );
}

/** Waits until every rendered thumbnail in the grid has decoded. */
export async function thumbnailsPainted(page: Page, atLeast: number): Promise<void> {
  await imagesDecoded(page, '[data-testid="grid"] .thumb img', atLeast);
}

export function cell(page: Page, index: number): Locator {
  return page.locator(`#cell-${index}`);
}

/** A flat PNG of one colour; `n` varies one pixel so that every file has its own content. */
export function solidPng(rgb: [number, number, number], n: number, size = 48): Promise<Buffer> {
  const raw = Buffer.alloc(size * size * 3);
  for (let i = 0; i < size * size; i++) raw.set(rgb, i * 3);
  raw[0] = n % 256;
  return sharp(raw, { raw: { width: size, height: size, channels: 3 } })
    .png()
    .toBuffer();
}

export async function writeSolidFolder(
  dir: string,
  rgb: [number, number, number],
  count: number,
): Promise<void> {
  mkdirSync(dir, { recursive: true });
  for (let i = 0; i < count; i++) writeFileSync(join(dir, `img-${i}.png`), await solidPng(rgb, i));
}

interface CanvasDoc {
  document: {
    querySelector(s: string): unknown;
    createElement(tag: 'canvas'): {
      width: number;
      height: number;
      getContext(kind: '2d'): {
        drawImage(img: unknown, x: number, y: number): void;
        getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> };
      };
    };
  };
}

/** The colour at the centre of the first grid thumbnail, as the page shows it. */
export async function firstThumbColor(page: Page): Promise<[number, number, number]> {
  return page.evaluate(() => {
    const doc = (globalThis as unknown as CanvasDoc).document;
    const img = doc.querySelector('[data-testid="grid"] #cell-0 .thumb img') as {
      naturalWidth: number;
      naturalHeight: number;
    };
    const canvas = doc.createElement('canvas');
    canvas.width = img.naturalWidth;
    canvas.height = img.naturalHeight;
    const ctx = canvas.getContext('2d');
    ctx.drawImage(img, 0, 0);
    const d = ctx.getImageData(img.naturalWidth >> 1, img.naturalHeight >> 1, 1, 1).data;
    return [d[0]!, d[1]!, d[2]!] as [number, number, number];
  });
}

export function assertNear(
  actual: [number, number, number],
  expected: [number, number, number],
  what: string,
): void {
  assert.ok(
    actual.every((v, i) => Math.abs(v - expected[i]!) < 24),
    `${what}: expected about ${expected.join(',')}, saw ${actual.join(',')}`,
  );
}

/**
 * A field's value once the studio has filled it: fields are filled from API answers, which can
 * arrive after the element appears, so reading the value at once would race the answer.
 */
export async function settledValue(field: Locator, expected: string, timeout = 15_000): Promise<string> {
  const until = Date.now() + timeout;
  let value = await field.inputValue();
  while (value !== expected && Date.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    value = await field.inputValue();
  }
  return value;
}

/**
 * Waits until keyboard focus is inside the element with this test id: a dialog that has just
 * appeared takes focus a moment later, and a key pressed before then goes elsewhere.
 */
export async function focusWithin(page: Page, testId: string, timeout = 15_000): Promise<void> {
  const probe = `!!document.activeElement?.closest('[data-testid="${testId}"]')`;
  const until = Date.now() + timeout;
  while (!(await page.evaluate(probe))) {
    if (Date.now() > until) throw new Error(`Keyboard focus never moved into ${testId}.`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
