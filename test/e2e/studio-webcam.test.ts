/**
 * Webcam capture into a class, with Chromium's synthetic camera: hold the record button, and
 * the frames become labeled images of the project with their features computed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { chromiumMissingReason, screenshot } from '../helpers/browser.ts';
import { openStudio } from '../helpers/studio.ts';
import { tempDir } from '../helpers/tmp.ts';
import { writeGoogLeNet } from '../fixtures/googlenet.ts';
import { importModel } from './studio-steps.ts';

function frames(projectPath: string): { labeled: number; withFeatures: number; inUploads: number } {
  const db = new BetterSqlite3(projectPath, { readonly: true, fileMustExist: true });
  try {
    return db
      .prepare(
        `SELECT count(*) AS labeled,
                sum(EXISTS (SELECT 1 FROM features f WHERE f.hash = i.hash AND f.variant = 0)) AS withFeatures,
                sum(i.path LIKE ? || '%') AS inUploads
         FROM images i JOIN labels l ON l.image_id = i.id JOIN classes c ON c.id = l.class_id
         WHERE c.name = 'waving' AND i.name LIKE '%webcam-waving-%'`,
      )
      .get(`${projectPath}-uploads`) as { labeled: number; withFeatures: number; inUploads: number };
  } finally {
    db.close();
  }
}

test('webcam: hold to record 10 frames into a class; they are labeled and featurized', async (t) => {
  const missing = chromiumMissingReason();
  if (missing) return t.skip(missing);
  const dir = tempDir(t);
  const modelPath = join(dir, 'googlenet.onnx');
  await writeGoogLeNet(modelPath, { seed: 8 });
  const projectPath = join(dir, 'webcam.incept');
  const { page, problems, close } = await openStudio(t, {
    dir,
    viewport: { width: 1400, height: 900 },
    webgl: true,
    camera: true,
    project: projectPath,
  });
  await page.getByLabel('New class name').fill('waving');
  await page.getByLabel('New class name').press('Enter');
  await page.getByTestId('class-list').getByText('waving').first().waitFor();

  await importModel(page, modelPath);

  await page.getByRole('button', { name: 'Map', exact: true }).click();
  await page.getByTestId('map-capture-toggle').click();
  await page.getByTestId('capture-open').click();
  const hold = page.getByTestId('capture-hold');
  await hold.waitFor();
  await page.getByTestId('capture-fps').fill('10');
  // Hold the button until ten frames are saved.
  const b = await hold.boundingBox();
  assert.ok(b);
  await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2);
  await page.mouse.down();
  await page
    .getByTestId('capture-count')
    .getByText(/^(1\d|[2-9]\d) frames saved|^10 frames saved/)
    .waitFor({ timeout: 30_000 });
  await page.mouse.up();
  await screenshot(page, 'webcam-capture');
  await page.getByTestId('capture-note').waitFor({ timeout: 30_000 });

  let counts = frames(projectPath);
  for (let i = 0; i < 300 && (counts.withFeatures ?? 0) < counts.labeled; i++) {
    await page.waitForTimeout(200);
    counts = frames(projectPath);
  }
  assert.ok(counts.labeled >= 10, `${counts.labeled} frames labeled "waving"`);
  assert.equal(counts.inUploads, counts.labeled, 'every frame is a file beside the project');
  assert.equal(counts.withFeatures, counts.labeled, 'every frame has its features');

  // They show in the grid (the project holds nothing else).
  await page.getByRole('button', { name: 'Dataset', exact: true }).click();
  await page.getByTestId('grid-total').getByText(`${counts.labeled} images`).waitFor();
  assert.deepEqual(problems, []);
  await close();
});
