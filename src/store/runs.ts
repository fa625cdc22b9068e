import { createHash } from 'node:crypto';
import type { Database } from 'better-sqlite3';
import { ApiError } from '../domain/errors.ts';
import { remedyDetails } from '../domain/remedies.ts';
import type { Split } from '../domain/splits.ts';
import type {
  EpochStats,
  PredictionPage,
  RunComparison,
  RunDetail,
  RunSummary,
  SplitMetrics,
  StoredPrediction,
  TrainSettings,
} from '../domain/training.ts';
import { lowerBound32 } from '../domain/float32-bounds.ts';
import { predictionPage } from './prediction-filters.ts';
import type { ProjectStore } from './project.ts';

export interface RunClass {
  id: number;
  name: string;
}

/** What a training run used and produced; written in one transaction with its predictions. */
export interface NewRun {
  modelId: number;
  createdAt: string;
  durationMs: number;
  settings: TrainSettings;
  classes: RunClass[];
  labelsHash: string;
  snapshot: [imageId: number, classId: number, split: Split][];
  weights: Float32Array;
  bias: Float32Array;
  metrics: RunMetrics;
}

export interface RunMetrics {
  train: SplitMetrics;
  validation: SplitMetrics | null;
  /** The test split's scores; absent in runs stored before they were measured. */
  test?: SplitMetrics | null;
  history: EpochStats[];
  bestEpoch: number;
  flags: string[];
}

interface RunRow {
  id: number;
  model_id: number;
  created_at: string;
  duration_ms: number;
  settings: string;
  classes: string;
  labels_hash: string;
  metrics: string;
  sha256: string;
}

const RUN_COLUMNS = `r.id, r.model_id, r.created_at, r.duration_ms, r.settings, r.classes, r.labels_hash, r.metrics, m.sha256`;

/**
 * A fingerprint of the labels and classes training would use now. A run whose fingerprint
 * differs is stale: someone relabeled, or added, renamed or deleted a class since.
 */
export function currentLabelsHash(db: Database): string {
  const h = createHash('sha256');
  for (const c of db.prepare('SELECT id, name FROM classes ORDER BY id').iterate() as Iterable<RunClass>) {
    h.update(`c${c.id}:${c.name}\n`);
  }
  const rows = db
    .prepare(
      `SELECT l.image_id AS i, l.class_id AS c FROM labels l JOIN images im ON im.id = l.image_id
       WHERE im.status = 'ok' ORDER BY l.image_id`,
    )
    .raw()
    .iterate() as Iterable<[number, number]>;
  for (const [i, c] of rows) h.update(`${i}=${c}\n`);
  return h.digest('hex');
}

export interface DuplicateInsert {
  a: number;
  b: number;
  similarity: number;
  leak: boolean;
}

export function insertRun(
  project: ProjectStore,
  run: NewRun,
  predictions: StoredPrediction[],
  duplicates: DuplicateInsert[] = [],
): number {
  const db = project.db;
  return db
    .transaction(() => {
      const { lastInsertRowid } = db
        .prepare(
          `INSERT INTO runs (model_id, created_at, duration_ms, settings, classes, labels_hash, label_snapshot, weights, bias, metrics)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          run.modelId,
          run.createdAt,
          Math.round(run.durationMs),
          JSON.stringify(run.settings),
          JSON.stringify(run.classes),
          run.labelsHash,
          Buffer.from(JSON.stringify(run.snapshot)),
          floatBlob(run.weights),
          floatBlob(run.bias),
          JSON.stringify(run.metrics),
        );
      const runId = Number(lastInsertRowid);
      const insert = db.prepare(
        `INSERT INTO predictions (run_id, image_id, class_index, probability, margin, probs, oof_class_index, oof_probability, oof_label_probability)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      );
      for (const p of predictions) {
        insert.run(
          runId,
          p.imageId,
          p.classIndex,
          p.probability,
          p.margin,
          floatBlob(p.probs),
          p.oofClassIndex,
          p.oofProbability,
          p.oofLabelProbability,
        );
      }
      const dup = db.prepare(
        'INSERT OR IGNORE INTO near_duplicates (run_id, image_a, image_b, similarity, leak) VALUES (?, ?, ?, ?, ?)',
      );
      for (const d of duplicates)
        dup.run(runId, Math.min(d.a, d.b), Math.max(d.a, d.b), d.similarity, d.leak ? 1 : 0);
      project.setSetting('current_run_id', String(runId));
      return runId;
    })
    .immediate();
}

export function currentRunId(project: ProjectStore): number | null {
  const id = Number(project.setting('current_run_id'));
  return id > 0 ? id : null;
}

export function setCurrentRun(project: ProjectStore, id: number): RunSummary {
  requireRun(project.db, id);
  project.setSetting('current_run_id', String(id));
  return getRunSummary(project, id);
}

function requireRun(db: Database, id: number): RunRow {
  const row = db
    .prepare(`SELECT ${RUN_COLUMNS} FROM runs r JOIN models m ON m.id = r.model_id WHERE r.id = ?`)
    .get(id) as RunRow | undefined;
  if (!row) throw new ApiError('not_found', `No training run with id ${id}.`, remedyDetails('list-runs'));
  return row;
}

function summarize(row: RunRow, currentId: number | null, labelsHash: string): RunSummary {
  const metrics = JSON.parse(row.metrics) as RunMetrics;
  return {
    id: row.id,
    createdAt: row.created_at,
    durationMs: row.duration_ms,
    classes: JSON.parse(row.classes) as RunClass[],
    trainCount: metrics.train.count,
    validationCount: metrics.validation?.count ?? 0,
    trainAccuracy: metrics.train.accuracy,
    validationAccuracy: metrics.validation?.accuracy ?? null,
    current: row.id === currentId,
    stale: row.labels_hash !== labelsHash,
    modelSha256: row.sha256,
  };
}

export function listRuns(project: ProjectStore): RunSummary[] {
  const rows = project.db
    .prepare(`SELECT ${RUN_COLUMNS} FROM runs r JOIN models m ON m.id = r.model_id ORDER BY r.id DESC`)
    .all() as RunRow[];
  if (rows.length === 0) return [];
  const hash = currentLabelsHash(project.db);
  const current = currentRunId(project);
  return rows.map((r) => summarize(r, current, hash));
}

export function getRunSummary(project: ProjectStore, id: number): RunSummary {
  return summarize(requireRun(project.db, id), currentRunId(project), currentLabelsHash(project.db));
}

export function getRun(project: ProjectStore, id: number): RunDetail {
  const row = requireRun(project.db, id);
  const metrics = JSON.parse(row.metrics) as RunMetrics;
  return {
    ...summarize(row, currentRunId(project), currentLabelsHash(project.db)),
    settings: JSON.parse(row.settings) as TrainSettings,
    labelsHash: row.labels_hash,
    history: metrics.history,
    bestEpoch: metrics.bestEpoch,
    train: metrics.train,
    validation: metrics.validation,
    test: metrics.test ?? null,
    flags: metrics.flags,
  };
}

export function runHead(
  project: ProjectStore,
  id: number,
): { classes: RunClass[]; weights: Float32Array; bias: Float32Array; modelId: number } {
  const row = project.db.prepare('SELECT classes, weights, bias, model_id FROM runs WHERE id = ?').get(id) as
    { classes: string; weights: Buffer; bias: Buffer; model_id: number } | undefined;
  if (!row) throw new ApiError('not_found', `No training run with id ${id}.`);
  return {
    classes: JSON.parse(row.classes) as RunClass[],
    weights: readFloats(row.weights),
    bias: readFloats(row.bias),
    modelId: row.model_id,
  };
}

/** What a run states about itself for an export: settings, validation scores, and its labels. */
export interface RunRecord {
  modelId: number;
  settings: TrainSettings;
  validation: SplitMetrics | null;
  snapshot: NewRun['snapshot'];
}

export function runRecord(project: ProjectStore, id: number): RunRecord {
  const row = project.db
    .prepare('SELECT model_id, settings, metrics, label_snapshot FROM runs WHERE id = ?')
    .get(id) as { model_id: number; settings: string; metrics: string; label_snapshot: Buffer } | undefined;
  if (!row) throw new ApiError('not_found', `No training run with id ${id}.`, remedyDetails('list-runs'));
  return {
    modelId: row.model_id,
    settings: JSON.parse(row.settings) as TrainSettings,
    validation: (JSON.parse(row.metrics) as Pick<RunMetrics, 'validation'>).validation,
    snapshot: parseSnapshot(row.label_snapshot),
  };
}

/** The id of the model a run was trained on. */
export function runModelId(project: ProjectStore, id: number): number {
  return requireRun(project.db, id).model_id;
}

function parseSnapshot(blob: Buffer): NewRun['snapshot'] {
  return JSON.parse(blob.toString('utf8')) as NewRun['snapshot'];
}

function snapshotOf(db: Database, id: number): Map<number, number> {
  const row = db.prepare('SELECT label_snapshot FROM runs WHERE id = ?').get(id) as {
    label_snapshot: Buffer;
  };
  const entries = parseSnapshot(row.label_snapshot);
  return new Map(entries.map(([imageId, classId]) => [imageId, classId]));
}

export function compareRuns(project: ProjectStore, a: number, b: number): RunComparison {
  const runA = getRun(project, a);
  const runB = getRun(project, b);
  const snapA = snapshotOf(project.db, a);
  const snapB = snapshotOf(project.db, b);
  const changedLabels: RunComparison['changedLabels'] = [];
  for (const id of new Set([...snapA.keys(), ...snapB.keys()])) {
    const la = snapA.get(id) ?? null;
    const lb = snapB.get(id) ?? null;
    if (la !== lb) changedLabels.push({ imageId: id, a: la, b: lb });
  }
  changedLabels.sort((x, y) => x.imageId - y.imageId);
  return { a: runA, b: runB, changedLabels };
}

export interface PredictionQuery {
  kind: 'all' | 'suggestions' | 'mislabeled' | 'duplicates';
  order: 'uncertain' | 'confident';
  minProbability: number;
  offset: number;
  limit: number;
}

/**
 * The current run's predictions, for the suggestion queue, the mislabeled list and the duplicate
 * pairs. The images and their order come from the same filter SQL as `images.query`'s kinds.
 */
export function queryPredictions(project: ProjectStore, q: PredictionQuery): PredictionPage {
  const runId = currentRunId(project);
  if (runId === null) {
    throw new ApiError('precondition', 'There is no trained model yet.', remedyDetails('train-first'));
  }
  const { classes } = runHead(project, runId);
  if (q.kind === 'duplicates') return queryDuplicates(project, runId, classes, q);
  const page = predictionPage({
    kind: q.kind === 'all' ? 'predicted' : q.kind,
    order: q.order,
    minProbability: q.minProbability,
  });
  const total = (project.db.prepare(page.countSql).get(...page.countParams) as { n: number }).n;
  const rows = project.db
    .prepare(
      `SELECT p.id AS image_id, im.path, im.hash, l.class_id, pr.class_index, pr.probability, pr.margin,
         pr.oof_class_index, pr.oof_probability, im.split
       FROM (${page.pageSql}) p JOIN images im ON im.id = p.id LEFT JOIN labels l ON l.image_id = p.id
       JOIN predictions pr ON pr.run_id = ? AND pr.image_id = p.id
       ORDER BY ${page.outerOrder}`,
    )
    .all(...page.params, q.limit, q.offset, runId) as {
    image_id: number;
    path: string;
    hash: string | null;
    class_id: number | null;
    class_index: number;
    probability: number;
    margin: number;
    oof_class_index: number | null;
    oof_probability: number | null;
    split: Split;
  }[];
  return {
    total,
    items: rows.map((r) => {
      // A mislabeled item shows the held-out prediction that put it on the list.
      const useOof = q.kind === 'mislabeled' && r.oof_class_index !== null;
      return {
        imageId: r.image_id,
        path: r.path,
        hash: r.hash,
        classId: r.class_id,
        predictedClassId: classes[useOof ? r.oof_class_index! : r.class_index]!.id,
        probability: useOof ? r.oof_probability! : r.probability,
        margin: r.margin,
        split: r.split,
      };
    }),
  };
}

/** Near-duplicate pairs of the run, most similar first; each row is one side of a pair. */
function queryDuplicates(
  project: ProjectStore,
  runId: number,
  classes: RunClass[],
  q: PredictionQuery,
): PredictionPage {
  const db = project.db;
  const total = (
    db.prepare('SELECT count(*) AS n FROM near_duplicates WHERE run_id = ?').get(runId) as { n: number }
  ).n;
  const rows = db
    .prepare(
      `SELECT d.image_a, d.image_b, d.similarity, d.leak, im.path, im.hash, im.split, l.class_id, p.class_index, p.probability, p.margin
       FROM near_duplicates d
       JOIN images im ON im.id = d.image_a
       LEFT JOIN labels l ON l.image_id = d.image_a
       LEFT JOIN predictions p ON p.run_id = d.run_id AND p.image_id = d.image_a
       WHERE d.run_id = ? ORDER BY d.leak DESC, d.similarity DESC, d.image_a LIMIT ? OFFSET ?`,
    )
    .all(runId, q.limit, q.offset) as {
    image_a: number;
    image_b: number;
    similarity: number;
    leak: number;
    path: string;
    hash: string | null;
    split: Split;
    class_id: number | null;
    class_index: number | null;
    probability: number | null;
    margin: number | null;
  }[];
  return {
    total,
    items: rows.map((r) => ({
      imageId: r.image_a,
      path: r.path,
      hash: r.hash,
      classId: r.class_id,
      predictedClassId: r.class_index === null ? -1 : classes[r.class_index]!.id,
      probability: r.probability ?? 0,
      margin: r.margin ?? 0,
      split: r.split,
      duplicateOf: r.image_b,
      similarity: r.similarity,
      leak: r.leak === 1,
    })),
  };
}

/** Unlabeled images whose suggestion is at least `minProbability` (or the given ones), with their class. */
export function suggestionsToAccept(
  project: ProjectStore,
  sel: { minProbability?: number | undefined; imageIds?: number[] | undefined },
): { imageId: number; classId: number }[] {
  const runId = currentRunId(project);
  if (runId === null) throw new ApiError('precondition', 'There is no trained model yet: train one first.');
  const { classes } = runHead(project, runId);
  const existing = new Set(
    (project.db.prepare('SELECT id FROM classes').all() as { id: number }[]).map((r) => r.id),
  );
  const rows = project.db
    .prepare(
      `SELECT p.image_id, p.class_index, p.probability FROM predictions p
       JOIN images im ON im.id = p.image_id LEFT JOIN labels l ON l.image_id = p.image_id
       WHERE p.run_id = ? AND im.status = 'ok' AND l.image_id IS NULL AND p.probability >= ?`,
    )
    .all(runId, lowerBound32(sel.minProbability ?? 0)) as {
    image_id: number;
    class_index: number;
    probability: number;
  }[];
  const only = sel.imageIds ? new Set(sel.imageIds) : null;
  return rows
    .filter((r) => (only ? only.has(r.image_id) : true))
    .map((r) => ({ imageId: r.image_id, classId: classes[r.class_index]!.id }))
    .filter((r) => existing.has(r.classId));
}

export function floatBlob(v: Float32Array): Buffer {
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}

export function readFloats(blob: Buffer): Float32Array {
  // Copy: a Buffer from SQLite may sit at an offset that is not 4-byte aligned.
  const out = new Float32Array(blob.length / 4);
  new Uint8Array(out.buffer).set(blob);
  return out;
}

/** The current run's stored class probabilities for one image, best first. */
export function predictionFor(
  project: ProjectStore,
  imageId: number,
  topK: number,
): { runId: number; top: { classId: number; label: string; probability: number }[] } | null {
  const runId = currentRunId(project);
  if (runId === null) return null;
  const row = project.db
    .prepare('SELECT probs FROM predictions WHERE run_id = ? AND image_id = ?')
    .get(runId, imageId) as { probs: Buffer } | undefined;
  if (!row) return null;
  const { classes } = runHead(project, runId);
  const probs = readFloats(row.probs);
  const top = classes
    .map((c, i) => ({ classId: c.id, label: c.name, probability: probs[i] ?? 0 }))
    .sort((a, b) => b.probability - a.probability)
    .slice(0, topK);
  return { runId, top };
}
