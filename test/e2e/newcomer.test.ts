/**
 * What a newcomer meets in the studio: the right pictures for each project, classes in their
 * natural order with keys that match, live predictions for new images, and honest messages.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { chromiumMissingReason, screenshot, watchPage } from '../helpers/browser.ts';
import { startServeProcess } from '../helpers/serve.ts';
import { createProject, openStudio, type Studio } from '../helpers/studio.ts';
import { tempDir } from '../helpers/tmp.ts';
import { CLASS_STYLES, shapeImage, writeClassTree } from '../fixtures/images.ts';
import { writeGoogLeNet } from '../fixtures/googlenet.ts';
import {
  assertNear,
  cell,
  firstThumbColor,
  focusWithin,
  importFolder,
  importModel,
  solidPng,
  thumbnailsPainted,
  writeSolidFolder,
} from './studio-steps.ts';

/** A studio over a fresh folder; null (and the test skipped) without Chromium. */
async function freshStudio(
  t: TestContext,
  serveArgs: string[] = [],
): Promise<(Studio & { dir: string }) | null> {
  const missing = chromiumMissingReason();
  if (missing) {
    t.skip(missing);
    return null;
  }
  const dir = tempDir(t);
  return { dir, ...(await openStudio(t, { dir, serveArgs, viewport: { width: 1280, height: 820 } })) };
}

test("a second project in the same browser shows its own pictures, not the first one's", async (t) => {
  const s = await freshStudio(t);
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

test('classes from folders come in natural order, every one has its own key, Backspace clears', async (t) => {
  const s = await freshStudio(t);
  if (!s) return;
  const { dir, page } = s;
  const names = ['7', '10', '1', '4', '0', '11', '6', '2', '9', '5', '8', '3'];
  for (const [i, name] of names.entries()) {
    mkdirSync(join(dir, 'digits', name), { recursive: true });
    writeFileSync(join(dir, 'digits', name, 'a.png'), await solidPng([20 * i, 100, 50], i));
  }
  await writeSolidFolder(join(dir, 'new'), [200, 200, 40], 2);
  await createProject(page, join(dir, 'digits.incept'));
  await importFolder(page, join(dir, 'digits'), true);
  await importFolder(page, join(dir, 'new'), false);

  const rows = page.getByTestId('class-list').locator('li.class-row');
  await rows.nth(11).waitFor();
  const shown: [string, string][] = [];
  for (let i = 0; i < 12; i++) {
    const row = rows.nth(i);
    shown.push([
      (await row.locator('.filter-name').textContent())!.trim(),
      ((await row.locator('kbd.hotkey').textContent({ timeout: 2000 })) ?? '').trim(),
    ]);
  }
  assert.deepEqual(shown, [
    ['0', '1'],
    ['1', '2'],
    ['2', '3'],
    ['3', '4'],
    ['4', '5'],
    ['5', '6'],
    ['6', '7'],
    ['7', '8'],
    ['8', '9'],
    ['9', 'q'],
    ['10', 'w'],
    ['11', 'e'],
  ]);
  await screenshot(page, 'newcomer-class-keys');

  // Each key labels its own class, in the grid and in the viewer; 0 is no "clear" any more.
  await page.getByTestId('filter-unlabeled').click();
  await page.getByTestId('grid-total').getByText('2 images').waitFor();
  await cell(page, 0).click();
  await page.keyboard.press('4');
  await cell(page, 0).getByTestId('label-chip').getByText('3', { exact: true }).waitFor();
  await page.keyboard.press('ArrowLeft');
  await page.keyboard.press('0');
  await cell(page, 0).getByTestId('label-chip').getByText('3', { exact: true }).waitFor();
  await page.keyboard.press('Backspace');
  await cell(page, 0).getByText('unlabeled').waitFor();
  await page.keyboard.press('ArrowLeft');
  await page.keyboard.press('Enter');
  const viewer = page.getByTestId('viewer');
  await viewer.waitFor();
  await viewer.getByRole('button', { name: 'w 10', exact: true }).waitFor();
  await focusWithin(page, 'viewer');
  await page.keyboard.press('w');
  await viewer.getByText('2 of 2').waitFor();
  await page.keyboard.press('ArrowLeft');
  await viewer.getByTestId('viewer-label').getByText('10', { exact: true }).waitFor();
  await screenshot(page, 'newcomer-viewer-keys');
  await page.keyboard.press('Delete');
  await page.keyboard.press('ArrowLeft');
  await viewer.getByText('1 of 2').waitFor();
  await viewer.getByTestId('viewer-label').getByText('unlabeled').waitFor();
  assert.deepEqual(s.problems, []);
});

interface ObserverDoc {
  document: { querySelector(s: string): { textContent: string | null } | null; body: unknown };
  MutationObserver: new (cb: () => void) => { observe(target: unknown, opts: Record<string, boolean>): void };
  __seen?: string[];
}

/** Records every text the status bar's jobs show, as they change (the page's own view). */
async function recordJobTexts(page: Page): Promise<() => Promise<string[]>> {
  await page.evaluate(() => {
    const g = globalThis as unknown as ObserverDoc;
    g.__seen = [];
    // Inline and anonymous: the test's transpiler wraps named functions in a helper the page lacks.
    new g.MutationObserver(() => {
      const text = g.document.querySelector('[data-testid="status-bar"] .jobs')?.textContent ?? '';
      const clean = text.replace(/\s+/g, ' ').trim();
      if (clean && g.__seen![g.__seen!.length - 1] !== clean) g.__seen!.push(clean);
    }).observe(g.document.body, { childList: true, subtree: true, characterData: true });
  });
  return () => page.evaluate(() => (globalThis as unknown as ObserverDoc).__seen ?? []);
}

test('one-click Train counts images then epochs, and new images get predictions without a retrain', async (t) => {
  const s = await freshStudio(t);
  if (!s) return;
  const { dir, page } = s;
  await writeClassTree(join(dir, 'shapes'), { classes: 3, perClass: 6, size: 64, format: 'png', seed: 3 });
  mkdirSync(join(dir, 'later'));
  for (let i = 0; i < 5; i++)
    writeFileSync(
      join(dir, 'later', `n${i}.png`),
      await shapeImage(CLASS_STYLES[i % 3]!, 7000 + i, 64, 'png'),
    );
  const modelPath = join(dir, 'googlenet.onnx');
  await writeGoogLeNet(modelPath, { seed: 5 });

  await createProject(page, join(dir, 'live.incept'));
  await importFolder(page, join(dir, 'shapes'), true);
  await importModel(page, modelPath);
  const modelPanel = page.getByTestId('model-panel');
  await modelPanel.getByText('Features: 0 of 18 images').waitFor();

  const seen = await recordJobTexts(page);
  await page.getByTestId('train-button').click();
  await page.getByTestId('run-results').waitFor({ timeout: 60_000 });
  // The panel follows the job: Train computed every feature, and the panel says so at once.
  await modelPanel.getByText('Features: 18 of 18 images').waitFor({ timeout: 5000 });
  await modelPanel.getByText('all done').waitFor();
  const texts = await seen();
  assert.ok(
    texts.some((x) => /computing features.*images/.test(x)),
    texts.join('\n'),
  );
  for (const x of texts) {
    assert.doesNotMatch(x, /computing features.*epochs/, 'features are counted in images');
    assert.doesNotMatch(x, /(mislabeled|near-duplicates|measuring|predicting).*\d+ (epochs|images)/, x);
  }
  await screenshot(page, 'newcomer-after-train');

  // New images: features and the current run's predictions arrive by themselves, as a job.
  await page.getByRole('button', { name: 'Dataset', exact: true }).click();
  const more = await recordJobTexts(page);
  await importFolder(page, join(dir, 'later'), false);
  await page
    .getByRole('navigation', { name: 'Project views' })
    .getByRole('button', { name: 'Suggestions' })
    .click();
  await page.getByText('Queue (5 unlabeled', { exact: false }).waitFor({ timeout: 60_000 });
  await page.getByTestId('suggestion-list').locator('li').nth(4).waitFor();
  assert.ok(
    (await more()).some((x) => /Features (computing|predicting)/.test(x)),
    'the background job showed in the status bar',
  );
  await screenshot(page, 'newcomer-suggestions-without-retrain');
  await page.getByRole('button', { name: 'Dataset', exact: true }).click();
  await page.getByTestId('filter-unlabeled').click();
  await cell(page, 0).getByTestId('prediction-badge').waitFor();
  assert.equal(await page.getByTestId('run-history').count(), 0);
  assert.deepEqual(s.problems, []);
});

test('"Likely mislabeled" tiles show the given label, the held-out model\'s label and its probability', async (t) => {
  const s = await freshStudio(t);
  if (!s) return;
  const { dir, page } = s;
  const root = join(dir, 'shapes');
  await writeClassTree(root, { classes: 3, perClass: 8, size: 64, format: 'png', seed: 4 });
  // Three pictures of the first class filed under the second.
  for (let i = 0; i < 3; i++)
    writeFileSync(
      join(root, CLASS_STYLES[1]!.name, `odd-${i}.png`),
      await shapeImage(CLASS_STYLES[0]!, 8100 + i, 64, 'png'),
    );
  const modelPath = join(dir, 'googlenet.onnx');
  await writeGoogLeNet(modelPath, { seed: 5 });
  await createProject(page, join(dir, 'mislabeled.incept'));
  await importFolder(page, root, true);
  await importModel(page, modelPath);
  await page.getByTestId('train-button').click();
  await page.getByTestId('run-results').waitFor({ timeout: 60_000 });

  await page.getByRole('button', { name: 'Dataset', exact: true }).click();
  await page.getByTestId('filter-mislabeled').click();
  await page.getByTestId('grid-title').getByText('Likely mislabeled').waitFor();
  await page.getByTestId('grid-rule').getByText('70 %').waitFor();
  await cell(page, 0).waitFor();
  await thumbnailsPainted(page, 1);
  const total = Number(/^(\d+)/.exec((await page.getByTestId('grid-total').textContent())!)![1]);
  assert.ok(total >= 1, 'the misfiled pictures are found');
  for (let i = 0; i < total; i++) {
    const tile = cell(page, i);
    const label = (await tile.getByTestId('label-chip').textContent())!.trim();
    const badge = (await tile.getByTestId('prediction-badge').textContent({ timeout: 3000 }))!.trim();
    const m = /^→ (\S+)\s+(\d+)\s?%$/.exec(badge);
    assert.ok(m, `tile ${i} shows the model's label and probability: "${badge}"`);
    assert.notEqual(m[1], label, `tile ${i}: the model disagrees with the label`);
    assert.ok(Number(m[2]) >= 70, `tile ${i}: ${badge} meets the 70 % rule`);
  }
  await screenshot(page, 'newcomer-mislabeled');
  assert.deepEqual(s.problems, []);
});

test('a page whose token the restarted server no longer accepts says so at once', async (t) => {
  const s = await freshStudio(t);
  if (!s) return;
  const { dir, page, server } = s;
  await page.getByTestId('connection').getByText('Connected').waitFor();
  const port = new URL(server.url).port;
  await server.stop();
  await page.getByTestId('connection').getByText('Reconnecting…').waitFor();
  const again = await startServeProcess(['--port', port, '--new-token'], {
    INCEPT_DATA_DIR: join(dir, 'data'),
  });
  t.after(() => again.stop());
  assert.notEqual(again.token, server.token);
  // No click: the page finds out by itself and names the way out.
  await page.getByTestId('connection').getByText('open the new URL').waitFor({ timeout: 15_000 });
  await page.getByText('open the new URL that "incept serve" printed').waitFor();
  await screenshot(page, 'newcomer-old-token');
  // The new URL works in the same browser.
  await page.goto(again.openUrl);
  await page.getByTestId('connection').getByText('Connected').waitFor();
});

test('an import that finds no images says so and why', async (t) => {
  const s = await freshStudio(t);
  if (!s) return;
  const { dir, page } = s;
  mkdirSync(join(dir, 'notes'));
  writeFileSync(join(dir, 'notes', 'readme.txt'), 'no pictures');
  await createProject(page, join(dir, 'empty.incept'));
  await page.getByRole('button', { name: 'Import images…' }).click();
  const dialog = page.getByTestId('import-dialog');
  await dialog.getByLabel('Folder', { exact: true }).fill(join(dir, 'notes'));
  await dialog.getByRole('button', { name: 'Import', exact: true }).click();
  await dialog.getByTestId('import-empty').getByText('holds no image files').waitFor({ timeout: 30_000 });
  await screenshot(page, 'newcomer-empty-import');
  assert.deepEqual(s.problems, []);
});

/** An HTTP server that sends a "model" a trickle at a time, so a download job keeps running. */
async function trickleServer(t: TestContext): Promise<string> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': String(50_000_000) });
    const timer = setInterval(() => res.write(Buffer.alloc(512)), 200);
    res.on('close', () => clearInterval(timer));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/googlenet-7.onnx`;
}

test('two tabs show one project and its jobs; closing in one warns, naming the job started in the other', async (t) => {
  const s = await freshStudio(t);
  if (!s) return;
  const { dir, page, server, browser } = s;
  const url = await trickleServer(t);
  await createProject(page, join(dir, 'shared.incept'));
  const other = await browser.newPage({ viewport: { width: 1280, height: 820 } });
  const otherWatch = watchPage(other);
  await other.goto(server.openUrl);
  await other.getByTestId('project-screen').waitFor();

  // Tab A starts a long download (through the API, with a source that never finishes).
  const res = await fetch(new URL('/api/model.download', server.url), {
    method: 'POST',
    headers: { Authorization: `Bearer ${server.token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ url }),
  });
  assert.equal(res.status, 200, await res.clone().text());
  await page.getByTestId('job-model-download').waitFor();
  await other.getByTestId('job-model-download').waitFor();

  // Tab B closes the project: it is asked first, with the job named; keeping it changes nothing.
  await other.getByRole('button', { name: 'Close project' }).click();
  const confirm = other.getByTestId('switch-confirm');
  await confirm.getByTestId('switch-message').getByText('Closing the project stops Model download').waitFor();
  await screenshot(other, 'newcomer-close-warning');
  await confirm.getByRole('button', { name: 'Keep working' }).click();
  await confirm.waitFor({ state: 'detached' });
  await page.getByTestId('job-model-download').getByRole('button', { name: 'Cancel' }).waitFor();
  await other.getByTestId('project-screen').waitFor();

  // The backend refuses as well, for a client that has not heard of the job.
  const refused = await fetch(new URL('/api/project.close', server.url), {
    method: 'POST',
    headers: { Authorization: `Bearer ${server.token}`, 'Content-Type': 'application/json' },
    body: '{}',
  });
  assert.equal(refused.status, 409);
  assert.match(((await refused.json()) as { error: { message: string } }).error.message, /model download/);

  // Going on stops it for everyone, and both tabs show the start screen.
  await other.getByRole('button', { name: 'Close project' }).click();
  await confirm.getByRole('button', { name: 'Stop it and go on' }).click();
  await other.getByRole('button', { name: 'Create project' }).waitFor();
  await page.getByRole('button', { name: 'Create project' }).waitFor();
  await page.getByText('Model download cancelled.', { exact: true }).waitFor();
  assert.deepEqual(s.problems, []);
  assert.deepEqual(otherWatch.problems, []);
});

test('classes: drag to reorder, sort by name, merge two', async (t) => {
  const s = await freshStudio(t);
  if (!s) return;
  const { dir, page } = s;
  await writeSolidFolder(join(dir, 'fruit', 'Mango'), [240, 170, 40], 2);
  await writeSolidFolder(join(dir, 'fruit', 'apple'), [200, 30, 30], 1);
  await createProject(page, join(dir, 'fruit.incept'));
  await importFolder(page, join(dir, 'fruit'), true);
  await page.getByLabel('New class name').fill('zebra');
  await page.getByRole('button', { name: 'Add', exact: true }).click();
  const list = page.getByTestId('class-list');
  const order = async (): Promise<string[]> =>
    (await list.locator('li.class-row .filter-name').allTextContents()).map((x) => x.trim());
  await list.getByTestId('class-zebra').waitFor();
  assert.deepEqual(await order(), ['apple', 'Mango', 'zebra']);

  await list.getByTestId('class-zebra').dragTo(list.getByTestId('class-apple'));
  await page.waitForFunction(
    () =>
      (
        globalThis as unknown as { document: { querySelector(s: string): { textContent: string } | null } }
      ).document
        .querySelector('[data-testid="class-list"] li.class-row .filter-name')
        ?.textContent.trim() === 'zebra',
  );
  assert.deepEqual(await order(), ['zebra', 'apple', 'Mango']);
  await page.reload();
  await list.getByTestId('class-zebra').waitFor();
  assert.deepEqual(await order(), ['zebra', 'apple', 'Mango'], 'the order is saved');
  s.problems.splice(0);

  await page.getByRole('button', { name: 'Sort A–Z' }).click();
  await page.getByRole('button', { name: 'Sort A–Z' }).and(page.locator(':disabled')).waitFor();
  assert.deepEqual(await order(), ['apple', 'Mango', 'zebra']);
  await screenshot(page, 'newcomer-classes-sorted');

  await list.getByRole('button', { name: 'Edit Mango' }).click();
  await list.getByLabel('Merge into').selectOption({ label: 'apple' });
  await list.getByRole('button', { name: 'Merge', exact: true }).click();
  await list.getByTestId('class-Mango').waitFor({ state: 'detached' });
  await list.getByTestId('class-apple').locator('.count').getByText('3').waitFor();
  assert.deepEqual(await order(), ['apple', 'zebra']);
  assert.deepEqual(s.problems, []);
});
