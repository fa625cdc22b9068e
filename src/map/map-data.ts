/**
 * What the map shows: every ok image with features for the project's model, at the position
 * its content hash has in the layout, with its label, prediction, split and "likely
 * mislabeled" flag, packed into typed arrays (base64) rather than one object per point.
 */
import type { Database } from 'better-sqlite3';
import type { MapPoints } from '../api/contract.ts';
import { mislabeledCondition } from '../store/mislabeled-sql.ts';
import type { ProjectStore } from '../store/project.ts';
import { featureSet, loadFeatureMatrix, type FeatureSet } from './feature-set.ts';
import { layoutFile, readLayout, writeLayout, type Layout, type LayoutMethod } from './layout-cache.ts';
import { pcaLayout } from './layouts.ts';

export interface MapModel {
  id: number;
  sha256: string;
}

export function mapLayoutFile(
  cacheDir: string,
  project: ProjectStore,
  model: MapModel,
  method: LayoutMethod,
): string {
  return layoutFile(cacheDir, project.path, model.sha256, method);
}

/** The PCA layout of the current feature set: from the cache, or computed (about a second per 100 000). */
export function currentPcaLayout(
  cacheDir: string,
  project: ProjectStore,
  model: MapModel,
  set?: FeatureSet,
): Layout {
  const fs = set ?? featureSet(project.db, model.id);
  const file = mapLayoutFile(cacheDir, project, model, 'pca');
  const cached = readLayout(file, fs.key);
  if (cached) return cached;
  const t0 = performance.now();
  const coords = pcaLayout(loadFeatureMatrix(project.db, model.id, fs.hashes));
  const layout: Layout = {
    method: 'pca',
    key: fs.key,
    hashes: fs.hashes,
    coords,
    seconds: (performance.now() - t0) / 1000,
    createdAt: new Date().toISOString(),
  };
  writeLayout(file, layout);
  return layout;
}

const SPLIT_CODE = { train: 0, validation: 1, test: 2 } as const;

interface PointRow {
  id: number;
  hash: string;
  split: keyof typeof SPLIT_CODE;
  class_id: number | null;
  pred: number | null;
  probability: number | null;
  mislabeled: number | null;
}

const MISLABELED = mislabeledCondition({ pr: 'pr', r: 'r', l: 'l' });
const POINTS_SQL = `SELECT i.id, i.hash, i.split, l.class_id,
    json_extract(r.classes, '$[' || pr.class_index || '].id') AS pred, pr.probability,
    (${MISLABELED.sql}) AS mislabeled
  FROM images i
  LEFT JOIN labels l ON l.image_id = i.id
  LEFT JOIN runs r ON r.id = (SELECT CAST(value AS INTEGER) FROM project_settings WHERE key = 'current_run_id')
  LEFT JOIN predictions pr ON pr.run_id = r.id AND pr.image_id = i.id
  WHERE i.status = 'ok' AND i.hash IS NOT NULL
  ORDER BY i.id`;

function pack(a: Int32Array | Float32Array | Uint8Array): string {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
}

export function mapPoints(
  db: Database,
  layout: Layout,
  opts: { offset: number; limit: number; umap: MapPoints['umap'] },
): MapPoints {
  const at = new Map<string, number>();
  layout.hashes.forEach((h, i) => at.set(h, i));
  const rows: PointRow[] = [];
  let withoutFeatures = 0;
  for (const r of db.prepare(POINTS_SQL).iterate(...MISLABELED.params) as Iterable<PointRow>) {
    if (at.has(r.hash)) rows.push(r);
    else withoutFeatures++;
  }
  const page = rows.slice(opts.offset, opts.offset + opts.limit);
  const n = page.length;
  const ids = new Int32Array(n);
  const xy = new Float32Array(n * 2);
  const label = new Int32Array(n);
  const predicted = new Int32Array(n);
  const confidence = new Float32Array(n);
  const split = new Uint8Array(n);
  const mislabeled = new Uint8Array(n);
  page.forEach((r, i) => {
    const p = at.get(r.hash)!;
    ids[i] = r.id;
    xy[i * 2] = layout.coords[p * 2]!;
    xy[i * 2 + 1] = layout.coords[p * 2 + 1]!;
    label[i] = r.class_id ?? 0;
    predicted[i] = r.pred ?? 0;
    confidence[i] = r.probability ?? Number.NaN;
    split[i] = SPLIT_CODE[r.split];
    mislabeled[i] = r.mislabeled ? 1 : 0;
  });
  return {
    method: layout.method,
    total: rows.length,
    offset: opts.offset,
    count: n,
    withoutFeatures,
    umap: opts.umap,
    ids: pack(ids),
    xy: pack(xy),
    label: pack(label),
    predicted: pack(predicted),
    confidence: pack(confidence),
    split: pack(split),
    mislabeled: pack(mislabeled),
  };
}
