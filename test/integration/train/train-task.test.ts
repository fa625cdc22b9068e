/**
 * The training task on a real project file whose features are written directly: how it decides
 * there are too few images to look for mislabels, and that other failures surface as themselves.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { createClass } from '../../../src/store/classes.ts';
import { setLabels } from '../../../src/store/labels.ts';
import { vectorBlob } from '../../../src/store/models.ts';
import { ProjectStore } from '../../../src/store/project.ts';
import { getRun } from '../../../src/store/runs.ts';
import type { TaskHooks } from '../../../src/jobs/task-hooks.ts';
import { outOfFoldPredictions } from '../../../src/train/kfold.ts';
import { runTrainTask } from '../../../src/jobs/train-task.ts';
import { MISLABEL_MIN_ROWS, type TrainSeams } from '../../../src/train/training.ts';
import { tempDir } from '../../helpers/tmp.ts';

const DIM = 8;

/** Two well-separated classes of `perClass` labeled images each, with plain features. */
function writeProject(
  t: { after(fn: () => void): void },
  perClass: number,
): { path: string; modelId: number } {
  const path = join(tempDir(t), 'p.incept');
  const project = ProjectStore.create(path);
  try {
    const db = project.db;
    const { lastInsertRowid } = db
      .prepare(
        `INSERT INTO models (sha256, name, source, bytes, description, added_at)
         VALUES ('abc', 'googlenet', 'file', 1, '{}', '2024-01-01T00:00:00.000Z')`,
      )
      .run();
    const modelId = Number(lastInsertRowid);
    const addImage = db.prepare(
      `INSERT INTO images (path, name, hash, bytes, mtime_ms, status, split, added_at)
       VALUES (?, ?, ?, 1, 0, 'ok', ?, '2024-01-01T00:00:00.000Z')`,
    );
    const addFeatures = db.prepare(
      'INSERT INTO features (model_id, variant, hash, vector) VALUES (?, 0, ?, ?)',
    );
    ['cat', 'dog'].forEach((name, c) => {
      const cls = createClass(db, { name });
      const ids: number[] = [];
      for (let i = 0; i < perClass; i++) {
        const hash = `hash-${name}-${i}`;
        const split = i % 4 === 3 ? 'validation' : 'train';
        ids.push(
          Number(addImage.run(`/photos/${name}-${i}.jpg`, `${name}-${i}.jpg`, hash, split).lastInsertRowid),
        );
        const v = new Float32Array(DIM);
        for (let k = 0; k < DIM; k++) v[k] = (k % 2 === c ? 2 : -2) + Math.sin(i * 7 + k) * 0.3;
        addFeatures.run(modelId, hash, vectorBlob(v));
      }
      setLabels(db, ids, cls.id);
    });
    return { path, modelId };
  } finally {
    project.close();
  }
}

function hooks(): TaskHooks {
  return { signal: new AbortController().signal, progress: () => {} };
}

const settings = { epochs: 5, seed: 1 };

test('a RangeError from inside training fails the task as itself, not as "too few images"', async (t) => {
  const { path, modelId } = writeProject(t, 8);
  const broken: TrainSeams = {
    outOfFold: () => Promise.reject(new RangeError('x has 3 values; expected 2 rows × 8 features')),
  };
  await assert.rejects(
    runTrainTask({ projectPath: path, modelId, settings }, hooks(), broken),
    (err: unknown) => {
      assert.ok(err instanceof RangeError, String(err));
      assert.equal(err.message, 'x has 3 values; expected 2 rows × 8 features');
      return true;
    },
  );
  const project = ProjectStore.open(path);
  t.after(() => project.close());
  const runs = project.db.prepare('SELECT count(*) AS n FROM runs').get() as { n: number };
  assert.equal(runs.n, 0, 'a failed training stores no run');
});

test('too few labeled images to look for mislabels: said in the run, found before any fold is trained', async (t) => {
  const perClass = Math.floor((MISLABEL_MIN_ROWS - 1) / 2);
  const { path, modelId } = writeProject(t, perClass);
  const never: TrainSeams = {
    outOfFold: () => Promise.reject(new Error('the mislabel search ran on too few images')),
  };
  const out = await runTrainTask({ projectPath: path, modelId, settings }, hooks(), never);
  const project = ProjectStore.open(path);
  t.after(() => project.close());
  const run = getRun(project, out.runId);
  const said = run.flags.filter((f) => /likely mislabeled/.test(f));
  assert.equal(said.length, 1, JSON.stringify(run.flags));
  assert.match(
    said[0]!,
    new RegExp(`at least ${MISLABEL_MIN_ROWS} labeled images .* there are ${perClass * 2}\\. Label more`),
  );
  const judged = project.db
    .prepare('SELECT count(*) AS n FROM predictions WHERE run_id = ? AND oof_class_index IS NOT NULL')
    .get(out.runId) as { n: number };
  assert.equal(judged.n, 0);
});

test('enough labeled images: the mislabel search runs and its predictions are stored', async (t) => {
  const { path, modelId } = writeProject(t, 8);
  let calls = 0;
  const counted: TrainSeams = {
    outOfFold: (data, options) => {
      calls++;
      return outOfFoldPredictions(data, options);
    },
  };
  const out = await runTrainTask({ projectPath: path, modelId, settings }, hooks(), counted);
  assert.equal(calls, 1);
  const project = ProjectStore.open(path);
  t.after(() => project.close());
  const run = getRun(project, out.runId);
  assert.deepEqual(
    run.flags.filter((f) => /likely mislabeled/.test(f)),
    [],
  );
  const judged = project.db
    .prepare('SELECT count(*) AS n FROM predictions WHERE run_id = ? AND oof_class_index IS NOT NULL')
    .get(out.runId) as { n: number };
  assert.equal(judged.n, 16);
});
