/**
 * The portable benchmark bundle: built (fast xz level), copied to a folder outside the checkout
 * where no node_modules can be found, unpacked and run by its own script with a clean PATH.
 */
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { bundleBench } from '../../../bench/bundle.ts';
import { tempDir } from '../../helpers/tmp.ts';

test('bench:bundle runs from a folder outside the checkout, without node_modules', async (t) => {
  if (process.platform !== 'linux' || process.arch !== 'x64') return t.skip('the bundle targets Linux x64');
  if (spawnSync('xz', ['--version']).status !== 0)
    return t.skip('xz is not installed (the bundle is xz-compressed)');
  const dir = tempDir(t, 'incept-bundle-');
  const { dir: built, bytes } = await bundleBench({ out: join(dir, 'built'), level: '-1' });
  assert.ok(bytes < 64 * 2 ** 20, `${bytes} bytes`);
  const elsewhere = join(dir, 'elsewhere');
  mkdirSync(elsewhere);
  for (const f of ['run.sh', 'payload.tar.xz']) copyFileSync(join(built, f), join(elsewhere, f));
  const { stdout } = await promisify(execFile)(
    join(elsewhere, 'run.sh'),
    ['--images=2', '--engines=onnxruntime'],
    { env: { PATH: '/usr/bin:/bin', HOME: dir }, maxBuffer: 16 * 2 ** 20, timeout: 300_000 },
  );
  const out = JSON.parse(stdout) as {
    gpu: string;
    engines: { engines: { name: string; endToEndImagesPerSec: number; peakRssMb: number }[] };
  };
  assert.match(out.gpu, /WebGPU runs on|No usable GPU/);
  assert.equal(out.engines.engines[0]?.name, 'onnxruntime');
  assert.ok(out.engines.engines[0]!.endToEndImagesPerSec > 0);
  assert.ok(out.engines.engines[0]!.peakRssMb > 0);
  assert.ok(statSync(join(elsewhere, 'unpacked', 'node')).size > 0);
});
