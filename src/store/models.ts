import { floatBlob, readFloats } from './runs.ts';
import type { ModelDescription } from '../api/contract.ts';
import type { ProjectStore } from './project.ts';

export interface ModelRow {
  id: number;
  description: ModelDescription;
}

/** Records a model for the project (once per sha256) and makes it the project's model. */
export function useModel(project: ProjectStore, description: ModelDescription): ModelRow {
  const db = project.db;
  const id = db.transaction(() => {
    db.prepare(
      `INSERT INTO models (sha256, name, source, bytes, description, added_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT(sha256) DO UPDATE SET name = excluded.name, description = excluded.description`,
    ).run(
      description.sha256,
      description.name,
      description.source,
      description.bytes,
      JSON.stringify(description),
      new Date().toISOString(),
    );
    const row = db.prepare('SELECT id FROM models WHERE sha256 = ?').get(description.sha256) as {
      id: number;
    };
    project.setSetting('model_id', String(row.id));
    return row.id;
  })();
  return { id, description };
}

export function currentModel(project: ProjectStore): ModelRow | null {
  const id = Number(project.setting('model_id'));
  if (!id) return null;
  return modelById(project, id);
}

export function modelById(project: ProjectStore, id: number): ModelRow | null {
  const row = project.db.prepare('SELECT id, description FROM models WHERE id = ?').get(id) as
    { id: number; description: string } | undefined;
  return row ? { id: row.id, description: JSON.parse(row.description) as ModelDescription } : null;
}

/** Images (ok, distinct content) with and without features for the model. */
export function featureCounts(
  project: ProjectStore,
  modelId: number,
): { images: number; done: number; missing: number; failed: number } {
  const row = project.db
    .prepare(
      `SELECT count(*) AS images,
              sum(EXISTS (SELECT 1 FROM features f WHERE f.model_id = @m AND f.variant = 0 AND f.hash = h.hash)) AS done,
              sum(EXISTS (SELECT 1 FROM feature_failures x WHERE x.model_id = @m AND x.hash = h.hash)) AS failed
       FROM (SELECT DISTINCT hash FROM images WHERE status = 'ok' AND hash IS NOT NULL) h`,
    )
    .get({ m: modelId }) as { images: number; done: number | null; failed: number | null };
  const done = row.done ?? 0;
  const failed = row.failed ?? 0;
  return { images: row.images, done, failed, missing: row.images - done - failed };
}

export { floatBlob as vectorBlob, readFloats as readVector };

/** How images become 224×224: 'center' (shorter side to 224, centre crop) or 'squash'. */
export function cropMode(project: ProjectStore): 'center' | 'squash' {
  return project.setting('crop_mode') === 'squash' ? 'squash' : 'center';
}
