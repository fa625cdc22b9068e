import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { createClass } from '../../../src/store/classes.ts';
import { setLabels } from '../../../src/store/labels.ts';
import { ProjectStore } from '../../../src/store/project.ts';
import { tempDir } from '../../helpers/tmp.ts';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function labeledProject(dir: string): { project: ProjectStore; ids: number[]; classId: number } {
  const project = ProjectStore.create(join(dir, 'p.incept'));
  const db = project.db;
  const add = db.prepare(
    `INSERT INTO images (path, name, hash, bytes, mtime_ms, status, split, added_at)
     VALUES (?, ?, ?, 1, 0, 'ok', 'train', '2024-01-01')`,
  );
  db.transaction(() => {
    for (let r = 0; r < 3000; r++) add.run(join(dir, `${r}.jpg`), `${r}.jpg`, `h${r}`);
  })();
  db.pragma('wal_checkpoint(TRUNCATE)');
  // No automatic checkpoint: only the idle one may copy the log into the file.
  db.pragma('wal_autocheckpoint = 0');
  const classId = createClass(db, { name: 'a' }).id;
  const ids = Array.from({ length: 3000 }, (_, i) => i + 1);
  setLabels(db, ids, classId);
  return { project, ids, classId };
}

test('a label change is copied from the write-ahead log into the project file once idle, not before', async (t) => {
  const dir = tempDir(t);
  const { project } = labeledProject(dir);
  const file = join(dir, 'p.incept');
  const before = statSync(file).size;
  project.checkpointWhenIdle(40);
  assert.equal(statSync(file).size, before, 'nothing copied during the request');
  await sleep(150);
  assert.ok(statSync(file).size > before, 'the labels reached the project file');
  // Nothing lost: the labels read back after closing and opening again.
  project.close();
  const again = ProjectStore.open(file);
  t.after(() => again.close());
  const n = (again.db.prepare('SELECT count(*) AS n FROM labels').get() as { n: number }).n;
  assert.equal(n, 3000);
});

test('more changes postpone the idle checkpoint', async (t) => {
  const dir = tempDir(t);
  const { project, ids } = labeledProject(dir);
  const file = join(dir, 'p.incept');
  const before = statSync(file).size;
  project.checkpointWhenIdle(80);
  await sleep(40);
  setLabels(project.db, ids.slice(0, 100), null);
  project.checkpointWhenIdle(80);
  await sleep(60);
  assert.equal(statSync(file).size, before, 'still busy: not yet');
  await sleep(120);
  assert.ok(statSync(file).size > before);
  project.close();
});
