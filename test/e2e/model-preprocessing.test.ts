import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { chromiumMissingReason, launchChromium, watchPage } from '../helpers/browser.ts';
import { startServeProcess } from '../helpers/serve.ts';
import { tempDir } from '../helpers/tmp.ts';
import { writeTorchvisionGoogLeNet } from '../fixtures/torchvision-googlenet.ts';

test('the model panel shows the preprocessing read from the file and lets it be changed', async (t) => {
  const missing = chromiumMissingReason();
  if (missing) return t.skip(missing);
  const dir = tempDir(t);
  const modelPath = join(dir, 'torchvision.onnx');
  await writeTorchvisionGoogLeNet(modelPath);
  const server = await startServeProcess([], { INCEPT_DATA_DIR: join(dir, 'data') });
  t.after(() => server.stop());
  const { browser, close } = await launchChromium();
  t.after(close);
  const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
  const { problems } = watchPage(page);

  await page.goto(server.openUrl);
  await page.getByLabel('Project file').fill(join(dir, 'p.incept'));
  await page.getByRole('button', { name: 'Create project' }).click();
  await page.getByTestId('project-screen').waitFor();
  await page.getByRole('button', { name: 'Train', exact: true }).click();
  const panel = page.getByTestId('model-panel');
  assert.equal(await panel.getByLabel('Preprocessing').inputValue(), '', 'by default read from the file');
  await panel.getByLabel('…or import a model file').fill(modelPath);
  await panel.getByRole('button', { name: 'Import model' }).click();
  await panel.getByTestId('model-ready').waitFor({ timeout: 30_000 });
  const select = panel.getByTestId('model-preprocessing').getByLabel('Preprocessing');
  assert.equal(await select.inputValue(), 'torchvision');
  await panel
    .getByTestId('model-preprocessing')
    .getByText(/detected from PyTorch/)
    .waitFor();

  await select.selectOption('tf');
  await panel.getByTestId('model-preprocessing').getByText('chosen at import').waitFor();
  assert.equal(await select.inputValue(), 'tf');
  assert.deepEqual(problems, []);
});
