/**
 * Map benchmark: PCA layout of 100 000 × 1024 features (goal < 2 s), UMAP of 10 000 points (goal
 * < 30 s), lasso of 10 000 points to labeled in a real project file (goal < 200 ms), cluster
 * proposals with k picked automatically, and one `map.points` page of 10 000; then the studio's
 * map of 100 000 points in Chromium (first paint, frames while panning and zooming, lasso of
 * 10 000 to labeled: see map-browser.ts), and the scatter-plot renderers side by side under the
 * app's CSP (map-renderers.ts; libraries that are not installed are reported skipped).
 *
 *   npm run bench -- map [--images N]   (N: UMAP points, default 10 000)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { blobs, proposeClusters } from '../src/map/clusters.ts';
import { createHash } from 'node:crypto';
import { updateLayout } from '../src/map/incremental.ts';
import { pcaLayout, umapLayout } from '../src/map/layouts.ts';
import {
  currentPcaLayout,
  mapPoints,
  mapPointsCheck,
  mapPointsPage,
  runLayoutTask,
  type LayoutTaskInput,
} from '../src/services/map.ts';
import { createClass } from '../src/store/classes.ts';
import { setLabels } from '../src/store/labels.ts';
import { ProjectStore } from '../src/store/project.ts';
import { pointInPolygon } from '../src/map/polygon.ts';
import { benchMapBrowser } from './map-browser.ts';
import { benchMapRenderers } from './map-renderers.ts';

function ms(t0: number): number {
  return Math.round((performance.now() - t0) * 10) / 10;
}

export async function benchMap(opts: { images?: number } = {}): Promise<unknown> {
  const machine = { cpus: cpus().length, load: loadavg()[0] };

  const big = blobs(8, 12_500, 1024, 1).m;
  let t0 = performance.now();
  pcaLayout(big);
  const pcaMs = ms(t0);

  const umapPoints = opts.images ?? 10_000;
  const small = blobs(8, Math.ceil(umapPoints / 8), 1024, 2).m;
  t0 = performance.now();
  const umapLaid = await umapLayout(small);
  const umapMs = ms(t0);
  const umapPlace = benchUmapPlace(small, umapLaid);

  const clusterSet = blobs(5, 400, 1024, 3).m;
  t0 = performance.now();
  const clusters = proposeClusters(clusterSet);
  const clusterMs = ms(t0);

  // A real project: 10 000 images with features, then a lasso around half of them labeled.
  const dir = mkdtempSync(join(tmpdir(), 'incept-bench-map-'));
  try {
    const project = ProjectStore.create(join(dir, 'bench.incept'));
    const db = project.db;
    const modelId = Number(
      db
        .prepare(
          `INSERT INTO models (sha256, name, source, bytes, description, added_at) VALUES ('bench', 'g', 'file', 1, '{}', '2024-01-01')`,
        )
        .run().lastInsertRowid,
    );
    const pts = blobs(4, 2_500, 1024, 4).m;
    const addImage = db.prepare(
      `INSERT INTO images (path, name, hash, bytes, mtime_ms, status, split, added_at) VALUES (?, ?, ?, 1, 0, 'ok', 'train', '2024-01-01')`,
    );
    const addFeature = db.prepare(
      'INSERT INTO features (model_id, variant, hash, vector) VALUES (?, 0, ?, ?)',
    );
    db.transaction(() => {
      for (let r = 0; r < pts.rows; r++) {
        addImage.run(join(dir, `${r}.jpg`), `${r}.jpg`, `h${r}`);
        const v = pts.data.subarray(r * 1024, (r + 1) * 1024);
        addFeature.run(modelId, `h${r}`, Buffer.from(v.buffer, v.byteOffset, v.byteLength));
      }
    })();
    t0 = performance.now();
    const layout = currentPcaLayout(dir, project, { id: modelId, sha256: 'bench' });
    const layoutFromDbMs = ms(t0);
    t0 = performance.now();
    const page = mapPoints(db, layout, { offset: 0, limit: 100_000, umap: 'none' });
    const pointsMs = ms(t0);
    const cls = createClass(db, { name: 'lassoed' });
    const ids = new Int32Array(Uint8Array.from(Buffer.from(page.ids, 'base64')).buffer);
    const xy = new Float32Array(Uint8Array.from(Buffer.from(page.xy, 'base64')).buffer);
    t0 = performance.now();
    const polygon: [number, number][] = [
      [-1, -1],
      [0, -1],
      [0, 1],
      [-1, 1],
    ];
    const chosen: number[] = [];
    for (let i = 0; i < ids.length; i++)
      if (pointInPolygon(xy[i * 2]!, xy[i * 2 + 1]!, polygon)) chosen.push(ids[i]!);
    const lassoMs = ms(t0);
    setLabels(db, chosen, cls.id);
    const lassoToLabeledMs = ms(t0);
    project.close();
    const browser = await benchMapBrowser();
    const renderers = await benchMapRenderers();
    return {
      machine,
      pca: { points: big.rows, dims: big.cols, ms: pcaMs, goalMs: 2000 },
      umap: { points: small.rows, ms: umapMs, goalMs: 30_000, place: umapPlace },
      mapPoints: await benchMapPoints(),
      clusters: { points: clusterSet.rows, k: clusters.k, automatic: true, ms: clusterMs },
      project: {
        images: pts.rows,
        pcaFromDbMs: layoutFromDbMs,
        mapPointsPageMs: pointsMs,
        pageBase64Bytes:
          page.ids.length +
          page.xy.length +
          page.label.length +
          page.predicted.length +
          page.confidence.length +
          page.split.length +
          page.mislabeled.length,
        lasso: { selected: chosen.length, hitTestMs: lassoMs, toLabeledMs: lassoToLabeledMs, goalMs: 200 },
      },
      browser,
      renderers,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** 1 % new points placed into a UMAP layout at their nearest neighbours instead of a new layout. */
export function benchUmapPlace(
  m: { data: Float32Array; rows: number; cols: number },
  laid: Awaited<ReturnType<typeof umapLayout>>,
) {
  const added = Math.max(1, Math.round(m.rows / 100));
  const keep = m.rows - added;
  const hashes = Array.from({ length: m.rows }, (_, i) => `h${String(i).padStart(8, '0')}`);
  const old = {
    method: 'umap' as const,
    key: 'old',
    hashes: hashes.slice(0, keep),
    coords: laid.coords.slice(0, keep * 2),
    seconds: 0,
    createdAt: '',
    placed: 0,
    basis: laid.basis,
    reduced: laid.reduced?.slice(0, keep * laid.basis.k),
  };
  const t0 = performance.now();
  const updated = updateLayout(old, { key: 'new', hashes }, 'umap', (wanted) => ({
    data: m.data.slice(keep * m.cols),
    rows: wanted.length,
    cols: m.cols,
  }));
  return { points: m.rows, added, placed: updated?.placed ?? 0, ms: ms(t0) };
}

/**
 * `map.points` of 100 000 points on the API thread: the first answer after the layout exists
 * (reads every point's row), the same again (answered from memory), ten pages of 10 000, the
 * answer after one label change, and `map.check`. 64-dimension features: map.points never reads
 * the vectors, and writing 100 000 × 1024 would take the bench a minute.
 */
export async function benchMapPoints(points = 100_000): Promise<unknown> {
  const dims = 64;
  const dir = mkdtempSync(join(tmpdir(), 'incept-bench-points-'));
  const project = ProjectStore.create(join(dir, 'bench.incept'));
  try {
    const db = project.db;
    const modelId = Number(
      db
        .prepare(
          `INSERT INTO models (sha256, name, source, bytes, description, added_at) VALUES ('bench', 'g', 'file', 1, '{}', '2024-01-01')`,
        )
        .run().lastInsertRowid,
    );
    const addImage = db.prepare(
      `INSERT INTO images (path, name, hash, bytes, mtime_ms, status, split, added_at) VALUES (?, ?, ?, 1, 0, 'ok', 'train', '2024-01-01')`,
    );
    const addFeature = db.prepare(
      'INSERT INTO features (model_id, variant, hash, vector) VALUES (?, 0, ?, ?)',
    );
    const ids: number[] = [];
    db.transaction(() => {
      const v = new Float32Array(dims);
      for (let r = 0; r < points; r++) {
        const hash = createHash('sha256').update(String(r)).digest('hex');
        ids.push(Number(addImage.run(join(dir, `${r}.jpg`), `${r}.jpg`, hash).lastInsertRowid));
        for (let c = 0; c < dims; c++) v[c] = Math.sin((r % 97) * (c + 1)) + (r % 7);
        addFeature.run(modelId, hash, Buffer.from(v.buffer));
      }
    })();
    const model = { id: modelId, sha256: 'bench' };
    currentPcaLayout(dir, project, model);
    const request = {
      cacheDir: dir,
      project,
      model,
      layout: 'auto' as const,
      layoutInWorker: (input: LayoutTaskInput) =>
        runLayoutTask(input, { signal: new AbortController().signal, progress: () => {} }),
    };
    let t0 = performance.now();
    const first = await mapPointsPage({ ...request, offset: 0, limit: points });
    const firstMs = ms(t0);
    t0 = performance.now();
    await mapPointsPage({ ...request, offset: 0, limit: points });
    const againMs = ms(t0);
    t0 = performance.now();
    for (let offset = 0; offset < points; offset += 10_000)
      await mapPointsPage({ ...request, offset, limit: 10_000 });
    const pagesMs = ms(t0);
    const cls = createClass(db, { name: 'bench' });
    setLabels(db, [ids[5]!], cls.id);
    t0 = performance.now();
    await mapPointsPage({ ...request, offset: 0, limit: points });
    const afterLabelMs = ms(t0);
    t0 = performance.now();
    const check = await mapPointsCheck({ ...request, key: first.key });
    const checkMs = ms(t0);
    return {
      points,
      dims,
      firstMs,
      againMs,
      tenPagesOf10000Ms: pagesMs,
      afterOneLabelChangeMs: afterLabelMs,
      check: { unchanged: check.unchanged, ms: checkMs },
    };
  } finally {
    project.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
