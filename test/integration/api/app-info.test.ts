// app.info probes the GPU engines, each in a child process: a test that starts processes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { createCoreDispatch } from '../../../src/api/handlers.ts';
import { Core } from '../../../src/core.ts';
import { tempDir } from '../../helpers/tmp.ts';

function setup(t: { after(fn: () => void): void }): { call: (m: unknown, a: unknown) => Promise<unknown> } {
  const dir = tempDir(t);
  const core = new Core({ dataDir: join(dir, 'data') });
  t.after(() => void core.dispose());
  return { call: createCoreDispatch(core) };
}

test('app.info reports version, platform and engines with reasons', async (t) => {
  const { call } = setup(t);
  const info = (await call('app.info', {})) as {
    version: string;
    engines: { name: string; available: boolean; reason?: string }[];
  };
  assert.match(info.version, /^\d+\.\d+\.\d+/);
  const wasm = info.engines.find((e) => e.name === 'wasm');
  assert.equal(wasm?.available, true, 'wasm is always available');
  for (const e of info.engines) if (!e.available) assert.ok(e.reason, `${e.name} says why it is unavailable`);
});
