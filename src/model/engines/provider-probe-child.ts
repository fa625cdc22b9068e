/**
 * The program a provider probe runs in a child process (plain CommonJS, passed with `node -e`,
 * so it needs no file of its own inside a packaged app). It loads onnxruntime-node from the path
 * it is given, runs the probe model on the CPU provider and on the provider under test, and
 * prints one marked JSON line. Whatever the driver does (hang, abort, segfault) happens in that
 * child, which the parent kills on its time limit.
 */
export const PROBE_RESULT_MARK = '@@incept-probe@@';

export interface ProbeChildConfig {
  ortPath: string;
  provider: string;
  modelPath: string;
  inputPath: string;
  shape: number[];
}

export interface ProbeChildResult {
  ok: boolean;
  error?: string;
  createMs?: number;
  firstRunMs?: number;
  warmRunMs?: number;
  cpuWarmRunMs?: number;
  maxRelDiff?: number;
}

export const PROBE_CHILD_SOURCE = `
'use strict';
const fs = require('node:fs');
const cfg = JSON.parse(process.env.INCEPT_PROBE_CONFIG);
const out = { ok: false };
const done = () => process.stdout.write('\\n' + ${JSON.stringify(PROBE_RESULT_MARK)} + JSON.stringify(out) + '\\n');
(async () => {
  const ort = require(cfg.ortPath);
  // Info level makes onnxruntime print the hardware devices it finds (to stderr).
  ort.env.logLevel = 'info';
  const bytes = fs.readFileSync(cfg.modelPath);
  const raw = fs.readFileSync(cfg.inputPath);
  const data = new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4);
  const feeds = { x: new ort.Tensor('float32', data, cfg.shape) };
  const quiet = { logSeverityLevel: 3, graphOptimizationLevel: 'all' };
  const cpu = await ort.InferenceSession.create(bytes, { ...quiet, executionProviders: ['cpu'] });
  const want = (await cpu.run(feeds)).y.data;
  let t = performance.now();
  await cpu.run(feeds);
  out.cpuWarmRunMs = performance.now() - t;
  t = performance.now();
  const s = await ort.InferenceSession.create(bytes, { ...quiet, executionProviders: [cfg.provider] });
  out.createMs = performance.now() - t;
  t = performance.now();
  const got = (await s.run(feeds)).y.data;
  out.firstRunMs = performance.now() - t;
  t = performance.now();
  await s.run(feeds);
  out.warmRunMs = performance.now() - t;
  let scale = 0;
  let diff = 0;
  for (let i = 0; i < want.length; i++) {
    scale = Math.max(scale, Math.abs(want[i]));
    diff = Math.max(diff, Math.abs(got[i] - want[i]));
  }
  out.maxRelDiff = scale > 0 ? diff / scale : diff;
  out.ok = got.length === want.length;
  if (!out.ok) out.error = 'the provider returned ' + got.length + ' values instead of ' + want.length;
  await s.release();
  await cpu.release();
})()
  .catch((err) => {
    out.error = String((err && err.message) || err);
  })
  .finally(() => {
    done();
    process.exit(0);
  });
`;
