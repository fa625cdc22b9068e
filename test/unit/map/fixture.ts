import { join } from 'node:path';
import { ProjectStore } from '../../../src/store/project.ts';
import { tempDir } from '../../helpers/tmp.ts';

/** A real project file with a model row and nothing else; images get features with `addImage`. */
export function mapProject(t: { after(fn: () => void): void }): {
  project: ProjectStore;
  dir: string;
  modelId: number;
  addImage(name: string, vector: Float32Array | null): number;
} {
  const dir = tempDir(t);
  const project = ProjectStore.create(join(dir, 'p.incept'));
  t.after(() => project.close());
  const modelId = Number(
    project.db
      .prepare(
        `INSERT INTO models (sha256, name, source, bytes, description, added_at)
         VALUES ('abc123', 'googlenet', 'file', 1, '{}', '2024-01-01T00:00:00.000Z')`,
      )
      .run().lastInsertRowid,
  );
  const addImage = (name: string, vector: Float32Array | null): number => {
    const id = Number(
      project.db
        .prepare(
          `INSERT INTO images (path, name, hash, bytes, mtime_ms, status, split, added_at)
           VALUES (?, ?, ?, 1, 0, 'ok', 'train', '2024-01-01T00:00:00.000Z')`,
        )
        .run(join(dir, `${name}.jpg`), `${name}.jpg`, `hash-${name}`).lastInsertRowid,
    );
    if (vector)
      project.db
        .prepare('INSERT INTO features (model_id, variant, hash, vector) VALUES (?, 0, ?, ?)')
        .run(modelId, `hash-${name}`, Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength));
    return id;
  };
  return { project, dir, modelId, addImage };
}

/** Adjusted Rand index of two labelings (Hubert & Arabie), computed from the contingency table. */
export function adjustedRand(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  const table = new Map<string, number>();
  const rows = new Map<number, number>();
  const cols = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const key = `${a[i]},${b[i]}`;
    table.set(key, (table.get(key) ?? 0) + 1);
    rows.set(a[i]!, (rows.get(a[i]!) ?? 0) + 1);
    cols.set(b[i]!, (cols.get(b[i]!) ?? 0) + 1);
  }
  const pairs = (x: number): number => (x * (x - 1)) / 2;
  let index = 0;
  for (const v of table.values()) index += pairs(v);
  let sumRows = 0;
  for (const v of rows.values()) sumRows += pairs(v);
  let sumCols = 0;
  for (const v of cols.values()) sumCols += pairs(v);
  const expected = (sumRows * sumCols) / pairs(n);
  const max = (sumRows + sumCols) / 2;
  return max === expected ? 1 : (index - expected) / (max - expected);
}
