import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { test } from 'node:test';
import { ProjectStore } from '../../../src/store/project.ts';
import { writeManyJpegs } from '../../fixtures/images.ts';
import { harness } from './harness.ts';

const FILES = 2000;
const ACKS_BEFORE_KILL = 60;

test('kill -9 in the middle of an import and a labeling burst loses no acknowledged label', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'incept-crash-'));
  try {
    const folder = join(dir, 'imgs');
    await writeManyJpegs(folder, FILES, { folders: 8 });
    const project = join(dir, 'crash.incept');
    ProjectStore.create(project).close();

    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        new URL('./crash-child.ts', import.meta.url).pathname,
        project,
        folder,
        join(dir, 'data'),
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const acked = new Map<number, number>();
    let importDone = false;
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.on('exit', (_code, signal) => resolve(signal)),
    );
    for await (const line of createInterface({ input: child.stdout })) {
      const [word, id, cls] = line.split(' ');
      if (word === 'import-done') importDone = true;
      if (word === 'ack') {
        acked.set(Number(id), Number(cls));
        if (acked.size >= ACKS_BEFORE_KILL || importDone) {
          child.kill('SIGKILL');
          break;
        }
      }
    }
    assert.equal(await exited, 'SIGKILL');
    assert.ok(acked.size > 0);

    const store = ProjectStore.open(project);
    let committed: number;
    try {
      assert.equal(store.db.pragma('integrity_check', { simple: true }), 'ok');
      assert.deepEqual(store.db.pragma('foreign_key_check'), []);
      const labels = new Map(
        (
          store.db.prepare('SELECT image_id, class_id FROM labels').all() as {
            image_id: number;
            class_id: number;
          }[]
        ).map((r) => [r.image_id, r.class_id]),
      );
      for (const [id, cls] of acked) assert.equal(labels.get(id), cls, `acknowledged label of image ${id}`);
      committed = (store.db.prepare('SELECT count(*) AS n FROM images').get() as { n: number }).n;
      const incomplete = store.db
        .prepare("SELECT count(*) AS n FROM images WHERE hash IS NULL OR width IS NULL OR status <> 'ok'")
        .get() as { n: number };
      assert.equal(incomplete.n, 0, 'no half-written image rows');
    } finally {
      store.close();
    }
    if (!importDone) assert.ok(committed < FILES, `killed mid-import (${committed} of ${FILES} committed)`);

    // The project opens cleanly through the API and a rescan finishes the import.
    const h = await harness();
    try {
      await h.call('project.open', { path: project });
      const job = await h.job('import.rescan', {});
      assert.equal(job.status, 'succeeded');
      assert.equal((await h.call('images.query', {})).total, FILES);
      assert.ok((await h.call('images.counts', {})).labeled >= acked.size);
    } finally {
      await h.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
