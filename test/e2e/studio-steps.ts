/** Steps the studio and journey browser tests share. */
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
