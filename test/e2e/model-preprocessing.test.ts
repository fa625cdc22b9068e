import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { chromiumMissingReason } from '../helpers/browser.ts';
import { openStudio } from '../helpers/studio.ts';
import { tempDir } from '../helpers/tmp.ts';
import { writeTorchvisionGoogLeNet } from '../fixtures/torchvision-googlenet.ts';

test('the model panel shows the preprocessing read from the file and lets it be changed', async (t) => {
  const missing = chromiumMissingReason();
  if (missing) return t.skip(missing);
  const dir = tempDir(t);
  const modelPath = join(dir, 'torchvision.onnx');
  await writeTorchvisionGoogLeNet(modelPath);
  const { page, problems } = await openStudio(t, {
    dir,
    viewport: { width: 1280, height: 860 },
    project: join(dir, 'p.incept'),
  });
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
