/**
 * The feature-extraction job as the app runs it: a project of generated 640×480 JPEGs, the job
 * in the compute worker (decode + preprocess + inference + store), while the API thread keeps
 * answering. Reports images/s, the API's latency meanwhile, and the process's peak RSS.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import sharp from 'sharp';
import type { JobInfo, ModelStatus } from '../src/api/contract.ts';
import { createCoreDispatch } from '../src/api/handlers.ts';
import { Core } from '../src/core.ts';
import type { EngineName } from '../src/model/engines/types.ts';
import { writeGoogLeNet } from '../test/fixtures/googlenet.ts';

export interface EmbedJobBench {
  images: number;
  engine: string;
  seconds: number;
  imagesPerSec: number;
  apiLatencyMs: { samples: number; p50: number; p95: number; max: number };
  peakRssMb: number;
  rssBeforeMb: number;
}

function percentile(sorted: number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]! : 0;
}

export async function benchEmbedJob(
  opts: { images?: number; engine?: 'auto' | EngineName } = {},
): Promise<EmbedJobBench> {
  const n = opts.images ?? 2000;
  const dir = mkdtempSync(join(tmpdir(), 'incept-bench-embedjob-'));
  const core = new Core({ dataDir: join(dir, 'data') });
  try {
    const folder = join(dir, 'images');
    mkdirSync(folder);
    // Distinct images from a few noisy bases, so the JPEG decoder does real work.
    const bases = await Promise.all(
      [0, 1, 2, 3].map((s) =>
        sharp({
          create: {
            width: 640,
            height: 480,
            channels: 3,
            background: { r: 40 * s, g: 120, b: 200 - 40 * s },
            noise: { type: 'gaussian', mean: 128, sigma: 40 },
          },
        })
          .jpeg({ quality: 85 })
          .toBuffer(),
      ),
    );
    for (let i = 0; i < n; i++) {
      const base = bases[i % bases.length]!;
      // A comment segment after SOI makes each file's bytes (and hash) unique at no cost.
      const comment = Buffer.from(`incept-bench-${i}`);
      const seg = Buffer.alloc(4);
      seg.writeUInt16BE(0xfffe, 0);
      seg.writeUInt16BE(comment.length + 2, 2);
      writeFileSync(
        join(folder, `img-${i}.jpg`),
        Buffer.concat([base.subarray(0, 2), seg, comment, base.subarray(2)]),
      );
    }
    const modelPath = join(dir, 'googlenet.onnx');
    await writeGoogLeNet(modelPath, { seed: 1 });
    const call = createCoreDispatch(core);
    await call('project.create', { path: join(dir, 'bench.incept') });
    const imp = (await call('import.start', { folder, labelsFromFolders: false })) as { jobId: string };
    await core.jobs.wait(imp.jobId);
    await call('model.import', { path: modelPath });

    const rssBefore = process.memoryUsage().rss;
    let peak = rssBefore;
    const latencies: number[] = [];
    const started = performance.now();
    const { jobId } = (await call('features.start', { engine: opts.engine ?? 'auto' })) as { jobId: string };
    let finished = false;
    const done = core.jobs.wait(jobId).finally(() => (finished = true));
    // Meanwhile the API answers the UI's typical calls.
    while (!finished) {
      const t0 = performance.now();
      await call('images.query', { filter: { kind: 'all' }, limit: 100 });
      await call('jobs.list', {});
      latencies.push(performance.now() - t0);
      peak = Math.max(peak, process.memoryUsage().rss);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    const info: JobInfo = await done;
    if (info.status !== 'succeeded') throw new Error(`feature job ${info.status}: ${info.error?.message}`);
    const seconds = (performance.now() - started) / 1000;
    const status = (await call('model.status', {})) as ModelStatus;
    latencies.sort((a, b) => a - b);
    return {
      images: status.features.done,
      engine: (info.result as { engineLabel: string }).engineLabel,
      seconds,
      imagesPerSec: status.features.done / seconds,
      apiLatencyMs: {
        samples: latencies.length,
        p50: percentile(latencies, 0.5),
        p95: percentile(latencies, 0.95),
        max: latencies[latencies.length - 1] ?? 0,
      },
      peakRssMb: peak / 2 ** 20,
      rssBeforeMb: rssBefore / 2 ** 20,
    };
  } finally {
    await core.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const i = process.argv.indexOf('--images');
  const e = process.argv.indexOf('--engine');
  console.log(
    JSON.stringify(
      await benchEmbedJob({
        ...(i >= 0 ? { images: Number(process.argv[i + 1]) } : {}),
        ...(e >= 0 ? { engine: process.argv[e + 1] as EngineName } : {}),
      }),
      null,
      2,
    ),
  );
}
