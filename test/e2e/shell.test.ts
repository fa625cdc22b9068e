import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { chromiumMissingReason, screenshot } from '../helpers/browser.ts';
import { openStudio } from '../helpers/studio.ts';
import { tempDir } from '../helpers/tmp.ts';

test('browser mode: the shell needs the token, shows engines, and creates a project', async (t) => {
  const missing = chromiumMissingReason();
  if (missing) return t.skip(missing);
  const dir = tempDir(t);
  const { server, page, problems } = await openStudio(t, { dir });

  const refused = await fetch(server.url);
  assert.equal(refused.status, 401, 'a request without the token is refused');

  await page.getByRole('heading', { name: 'Start a project' }).waitFor();
  await page.getByText('onnxruntime (CPU)').first().waitFor();
  await screenshot(page, 'start-screen');

  const field = page.getByLabel('Project file');
  await field.fill('relative/path');
  await page.getByText('Use an absolute path').waitFor();

  const projectPath = join(dir, 'birds.incept');
  await field.fill(projectPath);
  await page.getByRole('button', { name: 'Create project' }).click();
  await page.getByTestId('project-screen').waitFor();
  assert.ok(existsSync(projectPath), 'the project file was created');
  await screenshot(page, 'project-screen');

  await page.getByRole('button', { name: 'Close project' }).click();
  await page.getByRole('button', { name: /birds/ }).waitFor();

  // A second create at the same path is refused with a readable message, not a blank screen.
  await page.getByLabel('Project file').fill(projectPath);
  await page.getByRole('button', { name: 'Create project' }).click();
  await page.getByRole('alert').getByText('already exists').waitFor();
  // The refused create is the one expected failure: its 409 response and Chromium's note of it.
  assert.deepEqual(
    problems.filter((p) => !/\b409\b/.test(p)),
    [],
  );
});
