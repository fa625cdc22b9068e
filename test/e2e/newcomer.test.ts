/**
 * What a newcomer meets in the studio: the right pictures for each project, classes in their
 * natural order with keys that match, live predictions for new images, and honest messages.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import type { Browser, Page } from 'playwright-core';
import { chromiumMissingReason, launchChromium, screenshot, watchPage } from '../helpers/browser.ts';
import { startServeProcess, type ServeProcess } from '../helpers/serve.ts';
import { tempDir } from '../helpers/tmp.ts';
import { cell, importFolder, thumbnailsPainted } from './studio-steps.ts';

interface Studio {
  dir: string;
  server: ServeProcess;
  browser: Browser;
  page: Page;
  problems: string[];
}

async function openStudio(t: TestContext, serveArgs: string[] = []): Promise<Studio | null> {
  const missing = chromiumMissingReason();
  if (missing) {
    t.skip(missing);
    return null;
  }
  const dir = tempDir(t);
  const server = await startServeProcess(serveArgs, { INCEPT_DATA_DIR: join(dir, 'data') });
  t.after(() => server.stop());
  const { browser, close } = await launchChromium();
  t.after(close);
  const page = await browser.newPage({ viewport: { width: 1280, height: 820 } });
  const { problems } = watchPage(page);
  await page.goto(server.openUrl);
  return { dir, server, browser, page, problems };
}

async function createProject(page: Page, path: string): Promise<void> {
  await page.getByLabel('Project file').fill(path);
  await page.getByRole('button', { name: 'Create project' }).click();
  await page.getByTestId('project-screen').waitFor();
}

/** A flat PNG of one colour; `n` varies one pixel so that every file has its own content. */
function solidPng(rgb: [number, number, number], n: number, size = 48): Promise<Buffer> {
  const raw = Buffer.alloc(size * size * 3);
  for (let i = 0; i < size * size; i++) raw.set(rgb, i * 3);
  raw[0] = n % 256;
  return sharp(raw, { raw: { width: size, height: size, channels: 3 } })
    .png()
    .toBuffer();
}

async function writeSolidFolder(dir: string, rgb: [number, number, number], count: number): Promise<void> {
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
async function firstThumbColor(page: Page): Promise<[number, number, number]> {
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

function assertNear(actual: [number, number, number], expected: [number, number, number], what: string): void {
  assert.ok(
    actual.every((v, i) => Math.abs(v - expected[i]!) < 24),
    `${what}: expected about ${expected.join(',')}, saw ${actual.join(',')}`,
  );
}

test("a second project in the same browser shows its own pictures, not the first one's", async (t) => {
  const s = await openStudio(t);
  if (!s) return;
  const { dir, page } = s;
  const red: [number, number, number] = [220, 30, 30];
  const blue: [number, number, number] = [30, 40, 220];
  await writeSolidFolder(join(dir, 'red'), red, 3);
  await writeSolidFolder(join(dir, 'blue'), blue, 3);

  await createProject(page, join(dir, 'a.incept'));
  await importFolder(page, join(dir, 'red'), false);
  await thumbnailsPainted(page, 3);
  assertNear(await firstThumbColor(page), red, 'project A');

  await page.getByRole('button', { name: 'Close project' }).click();
  await createProject(page, join(dir, 'b.incept'));
  await importFolder(page, join(dir, 'blue'), false);
  await thumbnailsPainted(page, 3);
  assertNear(await firstThumbColor(page), blue, 'project B right after A');
  await screenshot(page, 'newcomer-second-project');

  assert.deepEqual(s.problems, []);
  await page.reload();
  await page.getByTestId('project-screen').waitFor();
  await thumbnailsPainted(page, 3);
  // Requests cut short by the reload itself are not faults of the page.
  s.problems.splice(0);
  assertNear(await firstThumbColor(page), blue, 'project B after a reload');
  assert.deepEqual(s.problems, []);
});

export { cell };
