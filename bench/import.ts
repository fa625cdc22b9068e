/**
 * Dataset benchmarks (prints JSON):
 * - import: 10 000 small generated JPEGs, hashed and header-read (thumbnails deferred) → files/s;
 * - label latency: labels.set + images.get through the in-process dispatch at that size → p50/p95;
 * - queries at 100 000 images (rows synthesised in SQL): images.query pages, filters, search,
 *   images.counts → milliseconds.
 *
 *   node --import tsx bench/import.ts [--files N]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeManyJpegs } from '../test/fixtures/images.ts';

export interface ImportBench {
  files: number;
  import: { seconds: number; filesPerSecond: number; imported: number };
  labelRoundTripMs: { p50: number; p95: number; max: number; samples: number };
  queries100k: Record<string, { p50: number; max: number }>;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

const round = (n: number): number => Math.round(n * 1000) / 1000;

async function time(fn: () => Promise<unknown>, runs: number): Promise<{ p50: number; max: number }> {
  const t: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    t.push(performance.now() - t0);
  }
  t.sort((a, b) => a - b);
  return { p50: round(percentile(t, 50)), max: round(t[t.length - 1]!) };
}

export async function benchImport(opts: { files?: number } = {}): Promise<ImportBench> {
  const files = opts.files ?? 10_000;
  const dir = mkdtempSync(join(tmpdir(), 'incept-bench-import-'));
  const prevDataDir = process.env.INCEPT_DATA_DIR;
  process.env.INCEPT_DATA_DIR = join(dir, 'data');
  const { Core } = await import('../src/core.ts');
  const { createCoreDispatch } = await import('../src/api/handlers.ts');
  const core = new Core({ dataDir: join(dir, 'data') });
  const call = createCoreDispatch(core);
  try {
    const images = join(dir, 'images');
    await writeManyJpegs(images, files, { folders: 20 });
    await call('project.create', { path: join(dir, 'bench.incept') });

    const t0 = performance.now();
    const { jobId } = (await call('import.start', { folder: images })) as { jobId: string };
    const job = await core.jobs.wait(jobId);
    const seconds = (performance.now() - t0) / 1000;
    if (job.status !== 'succeeded') throw new Error(`import ${job.status}: ${job.error?.message}`);
    const imported = (job.result as { counters: { imported: number } }).counters.imported;

    const cls = (await call('classes.create', { name: 'bench' })) as { id: number };
    const other = (await call('classes.create', { name: 'other' })) as { id: number };
    const lat: number[] = [];
    for (let i = 0; i < 400; i++) {
      const id = 1 + ((i * 7919) % imported);
      const t = performance.now();
      await call('labels.set', { imageIds: [id], classId: i % 2 ? cls.id : other.id });
      await call('images.get', { id });
      lat.push(performance.now() - t);
    }
    lat.sort((a, b) => a - b);
    await call('project.close', {});

    const queries100k = await benchQueries(join(dir, 'q100k.incept'), call);
    return {
      files,
      import: { seconds: round(seconds), filesPerSecond: Math.round(files / seconds), imported },
      labelRoundTripMs: {
        p50: round(percentile(lat, 50)),
        p95: round(percentile(lat, 95)),
        max: round(lat[lat.length - 1]!),
        samples: lat.length,
      },
      queries100k,
    };
  } finally {
    await core.dispose();
    if (prevDataDir === undefined) delete process.env.INCEPT_DATA_DIR;
    else process.env.INCEPT_DATA_DIR = prevDataDir;
    rmSync(dir, { recursive: true, force: true });
  }
}

/** 100 000 image rows written straight in SQL (70 % labeled over 10 classes), then the UI's queries. */
async function benchQueries(
  path: string,
  call: (m: string, a: unknown) => Promise<unknown>,
): Promise<Record<string, { p50: number; max: number }>> {
  const { ProjectStore } = await import('../src/store/project.ts');
  const store = ProjectStore.create(path);
  store.db.exec(`
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000)
    INSERT INTO images (path, name, hash, bytes, mtime_ms, width, height, format, status, split, added_at)
    SELECT '/data/set/folder' || (i % 50) || '/img-' || printf('%06d', (i * 7919) % 100000) || '.jpg',
           'img-' || printf('%06d', (i * 7919) % 100000) || '.jpg', lower(hex(randomblob(32))), 10000, 0, 64, 64, 'jpeg',
           CASE WHEN i % 1000 = 0 THEN 'unreadable' WHEN i % 997 = 0 THEN 'missing' ELSE 'ok' END,
           CASE WHEN i % 10 < 8 THEN 'train' WHEN i % 10 = 8 THEN 'validation' ELSE 'test' END,
           '2024-01-01T00:00:00.000Z'
    FROM n;
    WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 10)
    INSERT INTO classes (name, name_key, color, sort_order, created_at)
    SELECT 'class' || i, 'class' || i, '#000000', i, '' FROM c;
    INSERT INTO labels (image_id, class_id, source, labeled_at)
    SELECT id, 1 + id % 10, 'human', '' FROM images WHERE id % 10 < 7;
  `);
  store.close();
  await call('project.open', { path });
  const q = (args: object) => () => call('images.query', { limit: 100, ...args });
  const runs = 20;
  const out: Record<string, { p50: number; max: number }> = {
    allFirstPage: await time(q({}), runs),
    allDeepOffset: await time(q({ offset: 99_000 }), runs),
    byPathDeepOffset: await time(q({ sort: 'path', offset: 99_000 }), runs),
    byNameMidOffset: await time(q({ sort: 'name', offset: 50_000 }), runs),
    unlabeledDeep: await time(q({ filter: { kind: 'unlabeled' }, offset: 29_000 }), runs),
    classByPath: await time(q({ filter: { kind: 'class', classId: 3 }, sort: 'path', offset: 5_000 }), runs),
    classByAdded: await time(q({ filter: { kind: 'class', classId: 3 }, offset: 9_000 }), runs),
    failed: await time(q({ filter: { kind: 'failed' } }), runs),
    splitValidation: await time(q({ filter: { kind: 'split', split: 'validation' }, offset: 5_000 }), runs),
    ids1000: await time(
      q({ filter: { kind: 'ids', ids: Array.from({ length: 1000 }, (_, i) => 1 + i * 97) } }),
      runs,
    ),
    searchPath: await time(q({ filter: { kind: 'all', search: 'img-0420' } }), runs),
    counts: await time(() => call('images.counts', {}), runs),
    classesList: await time(() => call('classes.list', {}), runs),
  };
  await call('project.close', {});
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const i = process.argv.indexOf('--files');
  const files = i >= 0 ? Number(process.argv[i + 1]) : undefined;
  console.log(JSON.stringify(await benchImport(files ? { files } : {}), null, 2));
}
