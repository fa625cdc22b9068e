/**
 * Export benchmark: the generated full-size GoogLeNet with a 3-class head, both formats
 * (float32), self-checked on 200 validation images. Goal: under 10 s on the 2-core dev machine.
 *
 *   node --import tsx bench/export.ts
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { exportModel } from '../src/export/export-model.ts';
import { useBestBackend } from '../src/model/tfjs-runtime.ts';
import { writeGoogLeNet } from '../test/fixtures/googlenet.ts';
import {
  fixtureExportInput,
  makeImages,
  randomHead,
  referenceFeatures,
} from '../test/integration/export/helpers.ts';

export interface ExportBench {
  images: number;
  formats: string[];
  totalMs: number;
  /** Time from each phase's first progress event to the next phase's. */
  phasesMs: Record<string, number>;
  checks: {
    format: string;
    agreement: number;
    maxDiff: number;
    passed: boolean;
    ms: number;
    runtime: string;
  }[];
  /** CPU time of the whole process (all threads) during the export: robust to a busy machine. */
  cpuMs: number;
  /** 1-minute load average before the run; above the core count, wall times are inflated. */
  loadBefore: number;
  cores: number;
  bytes: number;
  tfjsBackend: string;
  setupMs: number;
  goalMs: number;
  metGoal: boolean;
}

export async function benchExport(opts: { images?: number } = {}): Promise<ExportBench> {
  const n = opts.images ?? 200;
  const setupStart = performance.now();
  const dir = await mkdtemp(join(tmpdir(), 'incept-bench-export-'));
  try {
    const fixture = await writeGoogLeNet(join(dir, 'googlenet.onnx'), { seed: 9 });
    const modelBytes = await readFile(fixture.path);
    const images = await makeImages(dir, n);
    const features = await referenceFeatures(modelBytes, 'OC2_DUMMY_0', images);
    const head = randomHead(1024, 3, features);
    const { backend } = await useBestBackend();
    const setupMs = performance.now() - setupStart;

    const loadBefore = loadavg()[0] as number;
    const cpuStart = process.cpuUsage();
    const phasesMs: Record<string, number> = {};
    let phase = 'start';
    let phaseStart = performance.now();
    const start = performance.now();
    const report = await exportModel(
      fixtureExportInput({
        modelBytes,
        modelSha256: fixture.sha256,
        head,
        images,
        features,
        out: join(dir, 'export'),
        appVersion: 'bench',
      }),
      {
        progress: (_done, _total, p) => {
          if (p === phase) return;
          const now = performance.now();
          phasesMs[phase] = (phasesMs[phase] ?? 0) + Math.round(now - phaseStart);
          phase = p;
          phaseStart = now;
        },
      },
    );
    const totalMs = performance.now() - start;
    const cpu = process.cpuUsage(cpuStart);
    const meta = JSON.parse(await readFile(join(dir, 'export', 'metadata.json'), 'utf8')) as {
      selfCheck: { results: ExportBench['checks'] };
    };
    phasesMs[phase] = (phasesMs[phase] ?? 0) + Math.round(performance.now() - phaseStart);
    const goalMs = 10_000;
    return {
      images: n,
      formats: report.formats,
      totalMs: Math.round(totalMs),
      phasesMs,
      checks: meta.selfCheck.results.map(({ format, agreement, maxDiff, passed, ms, runtime }) => ({
        format,
        agreement,
        maxDiff,
        passed,
        ms: Math.round(ms),
        runtime,
      })),
      cpuMs: Math.round((cpu.user + cpu.system) / 1000),
      loadBefore: Math.round(loadBefore * 100) / 100,
      cores: cpus().length,
      bytes: report.bytes,
      tfjsBackend: backend,
      setupMs: Math.round(setupMs),
      goalMs,
      metGoal: totalMs < goalMs,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const images = Number(process.env.BENCH_IMAGES ?? 200);
  console.log(JSON.stringify(await benchExport({ images }), null, 2));
}
