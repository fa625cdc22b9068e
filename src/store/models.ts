import { floatBlob, readFloats } from './runs.ts';
import { ApiError } from '../domain/errors.ts';
import type { CropMode, ModelDescription } from '../domain/model.ts';
import type { ProjectStore } from './project.ts';
import {
  PRESETS,
  PRESET_NAMES,
  describePreprocessing,
  samePreprocessing,
  type PresetName,
  type Preprocessing,
} from '../domain/preprocessing.ts';

export interface ModelRow {
  id: number;
  description: ModelDescription;
}

interface StoredPreprocessing {
  preprocessing: Preprocessing;
  from: string;
}

function storedPreprocessing(project: ProjectStore, sha256: string): StoredPreprocessing | null {
  const row = project.db.prepare('SELECT preprocessing FROM models WHERE sha256 = ?').get(sha256) as
    { preprocessing: string | null } | undefined;
  if (!row) return null;
  // A row from before preprocessing was recorded was always fed the Caffe preset.
  if (row.preprocessing === null)
    return { preprocessing: PRESETS.caffe, from: 'used before presets existed' };
  return JSON.parse(row.preprocessing) as StoredPreprocessing;
}

function notDetected(description: ModelDescription): ApiError {
  return new ApiError(
    'precondition',
    `Incept cannot tell how ${description.name} expects its pixels. Choose its preprocessing: ` +
      PRESET_NAMES.filter((n) => n !== 'custom')
        .map((n) => describePreprocessing(PRESETS[n as Exclude<PresetName, 'custom'>]))
        .join('; ') +
      '; or custom (channel order, scale, mean, std). CLI: --preprocessing caffe|torchvision|tf|custom; API: the preprocessing field.',
  );
}

/**
 * Records a model for the project (once per sha256) and makes it the project's model. Its
 * preprocessing is `chosen`, else what was recorded before, else what the file says; a model
 * whose file says nothing needs a choice. A changed preprocessing drops the model's cached
 * features: they were computed from differently prepared pixels.
 */
export function useModel(
  project: ProjectStore,
  description: ModelDescription,
  chosen?: Preprocessing,
): ModelRow {
  const db = project.db;
  const previous = storedPreprocessing(project, description.sha256);
  const effective = effectivePreprocessing(previous, description, chosen);
  if (!effective) throw notDetected(description);
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
    db.prepare('UPDATE models SET preprocessing = ? WHERE id = ?').run(JSON.stringify(effective), row.id);
    if (previous && !samePreprocessing(previous.preprocessing, effective.preprocessing)) {
      db.prepare('DELETE FROM features WHERE model_id = ?').run(row.id);
      db.prepare('DELETE FROM feature_failures WHERE model_id = ?').run(row.id);
    }
    project.setSetting('model_id', String(row.id));
    return row.id;
  })();
  return {
    id,
    description: {
      ...description,
      preprocessing: effective.preprocessing,
      preprocessingFrom: effective.from,
    },
  };
}

/** The chosen preprocessing, else the one recorded before, else what the file says; null if none. */
function effectivePreprocessing(
  previous: StoredPreprocessing | null,
  description: ModelDescription,
  chosen?: Preprocessing,
): StoredPreprocessing | null {
  if (chosen) return { preprocessing: chosen, from: 'chosen at import' };
  if (previous) return previous;
  return description.preprocessing
    ? { preprocessing: description.preprocessing, from: description.preprocessingFrom ?? 'detected' }
    : null;
}

/** A model as `useModel` would record it; `id` is null while the project has no row for it. */
export interface ModelPreview {
  id: number | null;
  description: ModelDescription;
}

/**
 * What `useModel(project, description)` would make the project's model, read without writing;
 * null where the model needs a preprocessing choice first.
 */
export function previewModel(project: ProjectStore, description: ModelDescription): ModelPreview | null {
  const effective = effectivePreprocessing(storedPreprocessing(project, description.sha256), description);
  if (!effective) return null;
  const row = project.db.prepare('SELECT id FROM models WHERE sha256 = ?').get(description.sha256) as
    { id: number } | undefined;
  return {
    id: row?.id ?? null,
    description: {
      ...description,
      preprocessing: effective.preprocessing,
      preprocessingFrom: effective.from,
    },
  };
}

/** The preprocessing a recorded model runs with. */
export function modelPreprocessing(row: ModelRow): Preprocessing {
  return row.description.preprocessing ?? PRESETS.caffe;
}

export function currentModel(project: ProjectStore): ModelRow | null {
  const id = Number(project.setting('model_id'));
  if (!id) return null;
  return modelById(project, id);
}

export function modelById(project: ProjectStore, id: number): ModelRow | null {
  const row = project.db.prepare('SELECT id, description, preprocessing FROM models WHERE id = ?').get(id) as
    { id: number; description: string; preprocessing: string | null } | undefined;
  if (!row) return null;
  const stored: StoredPreprocessing = row.preprocessing
    ? (JSON.parse(row.preprocessing) as StoredPreprocessing)
    : { preprocessing: PRESETS.caffe, from: 'used before presets existed' };
  const description = JSON.parse(row.description) as ModelDescription;
  return {
    id: row.id,
    description: { ...description, preprocessing: stored.preprocessing, preprocessingFrom: stored.from },
  };
}

/** Images (ok, distinct content) with and without features for the model (null: not recorded yet). */
export function featureCounts(
  project: ProjectStore,
  modelId: number | null,
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

/** How this project's images become 224×224 (see CropMode). */
export function cropMode(project: ProjectStore): CropMode {
  return project.setting('crop_mode') === 'squash' ? 'squash' : 'center';
}
