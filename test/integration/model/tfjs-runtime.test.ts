import assert from 'node:assert/strict';
import { test } from 'node:test';
import { useWasmBackend } from '../../../src/model/tfjs-runtime.ts';

test("starting the wasm backend leaves the process's error handlers alone", async () => {
  const before = [process.listenerCount('uncaughtException'), process.listenerCount('unhandledRejection')];
  const tf = await useWasmBackend();
  assert.equal(tf.getBackend(), 'wasm');
  assert.deepEqual(
    [process.listenerCount('uncaughtException'), process.listenerCount('unhandledRejection')],
    before,
  );
});
