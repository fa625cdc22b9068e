/**
 * The map in a real Chromium (WebGL through SwiftShader): an unlabeled import of three kinds of
 * pictures is grouped and named, then a lasso on the map relabels a region with one key, and
 * one undo brings every label of that lasso back.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import type { Page } from 'playwright-core';
import { chromiumMissingReason, screenshot } from '../helpers/browser.ts';
import { openStudio } from '../helpers/studio.ts';
import { tempDir } from '../helpers/tmp.ts';
import sharp from 'sharp';
import { rng } from '../fixtures/images.ts';
import { writeGoogLeNet } from '../fixtures/googlenet.ts';
import { imagesDecoded, importFolder, importModel } from './studio-steps.ts';

const KINDS = [{ name: 'stripes' }, { name: 'checks' }, { name: 'speckles' }];
const PER_KIND = 12;

/** Three kinds of picture that differ in texture and colour, each image a little different. */
async function kindImage(kind: number, seed: number): Promise<Buffer> {
  const size = 96;
  const random = rng(seed);
  const px = Buffer.alloc(size * size * 3);
  const period = 6 + Math.floor(random() * 6);
  const phase = Math.floor(random() * period);
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) {
      const o = (y * size + x) * 3;
      let rgb: [number, number, number];
      if (kind === 0) rgb = Math.floor((y + phase) / period) % 2 ? [220, 40, 40] : [250, 240, 230];
      else if (kind === 1)
        rgb = (Math.floor((x + phase) / period) + Math.floor(y / period)) % 2 ? [30, 160, 60] : [10, 20, 10];
      else rgb = random() < 0.5 ? [40, 60, 200] : [200, 210, 250];
      // A little noise makes every file distinct (the import skips identical bytes).
      px.set(
        rgb.map((v) => Math.min(255, v + Math.floor(random() * 24))),
        o,
      );
    }
  return sharp(px, { raw: { width: size, height: size, channels: 3 } })
    .jpeg({ quality: 90 })
    .toBuffer();
}

/** Labels as the project file has them: file name → class name (null = unlabeled). */
function labelsOf(projectPath: string): Map<string, string | null> {
  const db = new BetterSqlite3(projectPath, { readonly: true, fileMustExist: true });
  try {
    const rows = db
      .prepare(
        `SELECT i.name, c.name AS cls FROM images i LEFT JOIN labels l ON l.image_id = i.id
         LEFT JOIN classes c ON c.id = l.class_id`,
      )
      .all() as { name: string; cls: string | null }[];
    return new Map(rows.map((r) => [r.name, r.cls]));
  } finally {
    db.close();
  }
}

function steps(projectPath: string): number {
  const db = new BetterSqlite3(projectPath, { readonly: true, fileMustExist: true });
  try {
    return (db.prepare('SELECT count(*) AS n FROM label_history WHERE undone = 0').get() as { n: number }).n;
  } finally {
    db.close();
  }
}

async function canvasBox(page: Page): Promise<{ x: number; y: number; width: number; height: number }> {
  const b = await page.getByTestId('map-canvas').boundingBox();
  assert.ok(b, 'the map canvas is laid out');
  return b;
}

test('map: name proposed groups of an unlabeled import, lasso-label a region, undo it', async (t) => {
  const missing = chromiumMissingReason();
  if (missing) return t.skip(missing);
  const dir = tempDir(t);
  const photos = join(dir, 'photos');
  mkdirSync(photos);
  for (const [k, style] of KINDS.entries())
    for (let i = 0; i < PER_KIND; i++)
      writeFileSync(join(photos, `${style.name}-${i}.jpg`), await kindImage(k, 500 * k + i + 1));
  const modelPath = join(dir, 'googlenet.onnx');
  await writeGoogLeNet(modelPath, { seed: 8 });
  const projectPath = join(dir, 'map.incept');

  const { page, problems, close } = await openStudio(t, {
    dir,
    viewport: { width: 1400, height: 900 },
    webgl: true,
    project: projectPath,
  });
  await importFolder(page, photos, false);

  const modelPanel = await importModel(page, modelPath);
  await modelPanel.getByRole('button', { name: /Extract features/ }).click();
  await modelPanel.getByText('all done').waitFor({ timeout: 120_000 });

  // The map: every image is a point.
  await page.getByRole('button', { name: 'Map', exact: true }).click();
  await page
    .getByTestId('map-summary')
    .getByText(`${KINDS.length * PER_KIND} images · PCA layout`)
    .waitFor();
  await page.waitForTimeout(500);
  await screenshot(page, 'map-unlabeled');

  // Cluster-first labeling: three groups, each named after what its typical images show.
  await page.getByTestId('map-clusters-toggle').click();
  await page.getByTestId('cluster-k').fill('3');
  await page.getByTestId('cluster-propose').click();
  const rows = page.getByTestId('cluster-row');
  await rows.nth(2).waitFor();
  assert.equal(await rows.count(), 3);
  await imagesDecoded(page, '[data-testid="cluster-row"] img', 3 * 8);
  await screenshot(page, 'map-cluster-rows');
  // Name each group by the kind most of its typical images are (read from the file names).
  const named = new Set<string>();
  let firstNamed = '';
  for (let g = 0; g < 3; g++) {
    const row = rows.first();
    const srcs = await row
      .getByTestId('cluster-typical')
      .locator('img')
      .evaluateAll((imgs) => imgs.map((i) => (i as unknown as { src: string }).src));
    assert.ok(srcs.length > 0);
    const ids = srcs.map((s) => Number(/\/img\/(\d+)\//.exec(s)?.[1]));
    const byName = labelsOfIds(projectPath, ids);
    const kind = KINDS.find((k) => byName.filter((n) => n.startsWith(k.name)).length > byName.length / 2);
    assert.ok(kind, `group ${g} is mostly one kind: ${byName.join(', ')}`);
    named.add(kind.name);
    if (g === 0) firstNamed = kind.name;
    await row.getByTestId('cluster-name').fill(kind.name);
    await row.getByTestId('cluster-name-submit').click();
    await page.waitForFunction(
      (n) =>
        (
          globalThis as unknown as { document: { querySelectorAll(s: string): { length: number } } }
        ).document.querySelectorAll('[data-testid="cluster-row"]').length === n,
      2 - g,
    );
  }
  assert.equal(named.size, 3, 'three different kinds were named');
  const labels = labelsOf(projectPath);
  let right = 0;
  for (const [file, cls] of labels) if (cls && file.startsWith(cls)) right++;
  assert.ok(right >= labels.size * 0.9, `${right} of ${labels.size} images got their own kind's name`);
  await page.getByTestId('map-clusters-toggle').click();

  // Lasso: drag a loop around the left half of the map.
  await page.getByTestId('map-lasso-mode').click();
  const b = await canvasBox(page);
  await page.waitForTimeout(500);
  await screenshot(page, 'map-labeled');
  const loop: [number, number][] = [
    [0.02, 0.02],
    [0.5, 0.02],
    [0.5, 0.98],
    [0.02, 0.98],
    [0.02, 0.03],
  ];
  await page.mouse.move(b.x + b.width * loop[0]![0], b.y + b.height * loop[0]![1]);
  await page.mouse.down();
  for (const [fx, fy] of loop.slice(1))
    await page.mouse.move(b.x + b.width * fx, b.y + b.height * fy, { steps: 12 });
  await page.mouse.up();
  const count = page.getByTestId('map-selection-count');
  await count.waitFor({ timeout: 10_000 });
  const selected = Number(/\d+/.exec((await count.textContent()) ?? '')?.[0]);
  assert.ok(selected > 0 && selected < labels.size, `lasso selected ${selected}`);
  await imagesDecoded(page, '[data-testid="map-strip"] img', Math.min(selected, 10));
  await screenshot(page, 'map-lasso');
  // Deselect one outlier by clicking its thumbnail.
  await page.getByTestId('map-strip').locator('button').first().click();
  await count.getByText(`${selected - 1} selected`).waitFor();

  // One key labels the whole selection as one undo step: "1" is the first class named.
  const stripSrcs = await page
    .getByTestId('map-strip')
    .locator('img')
    .evaluateAll((imgs) => imgs.map((i) => (i as unknown as { src: string }).src));
  // The strip asks for each thumbnail by its content-hash address (immutable, cached).
  for (const src of stripSrcs) assert.match(src, /\/img\/\d+\/[0-9a-f]{64}\/thumb$/);
  const stripIds = stripSrcs.map((s) => Number(/\/img\/(\d+)\//.exec(s)?.[1]));
  assert.equal(stripIds.length, selected - 1);
  const lassoed = new Set(labelsOfIds(projectPath, stripIds));
  const before = labelsOf(projectPath);
  const stepsBefore = steps(projectPath);
  await page.keyboard.press('1');
  const expected = new Map([...before].map(([f, c]) => [f, lassoed.has(f) ? firstNamed : c]));
  let after = labelsOf(projectPath);
  for (let i = 0; i < 50 && !sameMap(after, expected); i++) {
    await page.waitForTimeout(100);
    after = labelsOf(projectPath);
  }
  assert.deepEqual(after, expected, 'every lassoed image (and no other) has the class of key 1');
  assert.equal(steps(projectPath), stepsBefore + 1, 'one undo step for the whole lasso');
  // The "Labeled" notice stacks above the selection panel: it covers neither its buttons nor
  // its thumbnails.
  await page
    .getByTestId('notice')
    .filter({ hasText: /Labeled \d+ images?\./ })
    .waitFor();
  await screenshot(page, 'map-labeled-notice');
  const notices = await page.getByTestId('notifications').boundingBox();
  assert.ok(notices && notices.height > 0, 'the notice shows');
  for (const testId of ['map-selection-clear', 'map-to-grid', 'map-strip']) {
    const box = await page.getByTestId(testId).boundingBox();
    assert.ok(box, `${testId} shows`);
    assert.ok(
      !intersects(box, notices),
      `the notices (${JSON.stringify(notices)}) cover ${testId} (${JSON.stringify(box)})`,
    );
  }

  await page.keyboard.press('Control+z');
  let undone = labelsOf(projectPath);
  for (let i = 0; i < 50 && [...undone].some(([f, c]) => before.get(f) !== c); i++) {
    await page.waitForTimeout(100);
    undone = labelsOf(projectPath);
  }
  assert.deepEqual(undone, before, 'one undo restores every label of the lasso');

  // Accept suggestions for just a lasso: train, clear the lasso's labels (Delete), then accept
  // the run's suggested class for exactly those images, as one undo step.
  await page.getByRole('button', { name: 'Train', exact: true }).click();
  await page.getByTestId('train-button').click();
  await page.getByTestId('run-results').waitFor({ timeout: 120_000 });
  await page.getByTestId('run-history').getByText('current').waitFor();
  await page.getByRole('button', { name: 'Map', exact: true }).click();
  await page.getByTestId('map-lasso-mode').click();
  await page.waitForTimeout(500);
  await page.mouse.move(b.x + b.width * loop[0]![0], b.y + b.height * loop[0]![1]);
  await page.mouse.down();
  for (const [fx, fy] of loop.slice(1))
    await page.mouse.move(b.x + b.width * fx, b.y + b.height * fy, { steps: 12 });
  await page.mouse.up();
  await count.waitFor({ timeout: 10_000 });
  const again = Number(/\d+/.exec((await count.textContent()) ?? '')?.[0]);
  await imagesDecoded(page, '[data-testid="map-strip"] img', Math.min(again, 10));
  const region = new Set(
    labelsOfIds(
      projectPath,
      (
        await page
          .getByTestId('map-strip')
          .locator('img')
          .evaluateAll((imgs) => imgs.map((i) => (i as unknown as { src: string }).src))
      ).map((s) => Number(/\/img\/(\d+)\//.exec(s)?.[1])),
    ),
  );
  assert.equal(region.size, again);
  const labeledBefore = labelsOf(projectPath);
  await page.keyboard.press('Delete');
  const cleared = new Map([...labeledBefore].map(([f, c]) => [f, region.has(f) ? null : c]));
  let now = labelsOf(projectPath);
  for (let i = 0; i < 50 && !sameMap(now, cleared); i++) {
    await page.waitForTimeout(100);
    now = labelsOf(projectPath);
  }
  assert.deepEqual(now, cleared, 'Delete clears the labels of the lasso only');
  const suggested = suggestionsOf(projectPath);
  const accepted = new Map([...cleared].map(([f, c]) => [f, region.has(f) ? (suggested.get(f) ?? null) : c]));
  const acceptable = [...region].filter((f) => suggested.has(f)).length;
  assert.ok(acceptable > 0, 'the run predicted the lassoed images');
  const stepsBeforeAccept = steps(projectPath);
  await page.getByTestId('map-accept-suggestions').click();
  await page.getByRole('status').getByText(`Accepted ${acceptable} suggestion`).waitFor();
  now = labelsOf(projectPath);
  assert.deepEqual(now, accepted, "every lassoed image (and no other) has the run's suggested class");
  assert.equal(steps(projectPath), stepsBeforeAccept + 1, 'one undo step for the accepted suggestions');
  await screenshot(page, 'map-accepted-suggestions');
  await page.keyboard.press('Control+z');
  now = labelsOf(projectPath);
  for (let i = 0; i < 50 && !sameMap(now, cleared); i++) {
    await page.waitForTimeout(100);
    now = labelsOf(projectPath);
  }
  assert.deepEqual(now, cleared, 'one undo takes back every accepted suggestion');
  assert.deepEqual(problems, []);
  // Stop the server before the folder goes: it writes the map cache into its data folder.
  await close();
});

function intersects(
  a: { x: number; y: number; width: number; height: number },
  b: { x: number; y: number; width: number; height: number },
): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

function sameMap(a: Map<string, string | null>, b: Map<string, string | null>): boolean {
  return a.size === b.size && [...a].every(([k, v]) => b.get(k) === v);
}

/** The current run's predicted class name per file name. */
function suggestionsOf(projectPath: string): Map<string, string> {
  const db = new BetterSqlite3(projectPath, { readonly: true, fileMustExist: true });
  try {
    const rows = db
      .prepare(
        `SELECT i.name, c.name AS cls FROM images i
         JOIN predictions pr ON pr.image_id = i.id
         JOIN runs r ON r.id = pr.run_id
         JOIN classes c ON c.id = json_extract(r.classes, '$[' || pr.class_index || '].id')
         WHERE r.id = (SELECT CAST(value AS INTEGER) FROM project_settings WHERE key = 'current_run_id')`,
      )
      .all() as { name: string; cls: string }[];
    return new Map(rows.map((r) => [r.name, r.cls]));
  } finally {
    db.close();
  }
}

function labelsOfIds(projectPath: string, ids: number[]): string[] {
  const db = new BetterSqlite3(projectPath, { readonly: true, fileMustExist: true });
  try {
    const get = db.prepare('SELECT name FROM images WHERE id = ?').pluck();
    return ids.map((id) => get.get(id) as string);
  } finally {
    db.close();
  }
}
