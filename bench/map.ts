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
import { pcaLayout, umapLayout } from '../src/map/layouts.ts';
import { currentPcaLayout, mapPoints } from '../src/services/map.ts';
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
  await umapLayout(small);
  const umapMs = ms(t0);

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
      umap: { points: small.rows, ms: umapMs, goalMs: 30_000 },
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
