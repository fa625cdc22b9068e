/**
 * The project's base model: which one it uses (downloaded, imported, or already in this
 * machine's library), how its pixels are prepared, and whether it is ready to run.
 */
import { mkdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Core } from '../core.ts';
import { ApiError } from '../domain/errors.ts';
import type { JobInfo } from '../domain/jobs.ts';
import type { ModelDescription, ModelSource, ModelStatus } from '../domain/model.ts';
import { remedyDetails } from '../domain/remedies.ts';
import { DEFAULT_MODEL_SOURCE, downloadFile } from '../model/download.ts';
import { engineStatuses } from '../model/engine-status.ts';
import { errorMessage } from '../model/errors.ts';
import { fromChoice, type PreprocessingChoice } from '../model/pixel-presets.ts';
import { type Preprocessing } from '../domain/preprocessing.ts';
import {
  currentModel,
  featureCounts,
  previewModel,
  useModel,
  type ModelPreview,
  type ModelRow,
} from '../store/models.ts';
import type { ProjectStore } from '../store/project.ts';

/** Uses a local .onnx file (checked and copied into the library) for the open project. */
export async function importModel(
  core: Core,
  path: string,
  preprocessing: PreprocessingChoice | undefined,
): Promise<ModelStatus> {
  const project = core.requireProject();
  const chosen = preprocessing === undefined ? undefined : choice(preprocessing);
  const description = await core.models.importFile(path);
  useModel(project, description, chosen);
  return modelStatus(core, project);
}

/** Changes how the current model's pixels are prepared. */
export async function setModelPreprocessing(
  core: Core,
  preprocessing: PreprocessingChoice,
): Promise<ModelStatus> {
  const project = core.requireProject();
  const row = requireModel(core, project);
  useModel(project, row.description, choice(preprocessing));
  return modelStatus(core, project);
}

/** Uses a model already in this machine's library. */
export async function useLibraryModel(core: Core, sha256: string): Promise<ModelStatus> {
  const project = core.requireProject();
  const entry = core.models.entry(sha256);
  if (!entry)
    throw new ApiError(
      'not_found',
      `No model ${sha256.slice(0, 12)}… on this machine. Import the .onnx file or download the model.`,
    );
  useModel(project, core.models.describeSync(sha256, entry.name, entry.source));
  return modelStatus(core, project);
}

/**
 * Downloads a model (from `request`, or the saved default source) as a job. A source given once
 * (a mirror, another zoo variant) is remembered as the default.
 */
export function startDownload(
  core: Core,
  request: { url?: string | undefined; sha256?: string | undefined; bytes?: number | undefined },
): { jobId: string } {
  const project = core.requireProject();
  const { url, sha256, bytes } = request;
  const source =
    url === undefined ? savedModelSource(core) : { url, sha256: sha256 ?? null, bytes: bytes ?? null };
  if (url !== undefined) core.appData.saveSettings({ ...core.appData.settings({}), modelSource: source });
  return { jobId: startModelDownload(core, project, source).id };
}

/**
 * Downloads a model into the library as a job (progress in bytes, resumable from its `.part`
 * file, verified before use) and makes it the project's model.
 */
export function startModelDownload(core: Core, project: ProjectStore, source: ModelSource): JobInfo {
  return core.jobs.start('model-download', async (ctx) => {
    mkdirSync(core.models.dir, { recursive: true });
    const name = basename(new URL(source.url).pathname) || 'model.onnx';
    // Named by the expected hash when known, so an interrupted download resumes next time.
    const dest = join(core.models.dir, `download-${source.sha256 ?? name}.onnx`);
    ctx.progress({ done: 0, total: source.bytes, phase: `downloading ${name}` });
    const result = await downloadFile({
      url: source.url,
      dest,
      expectedBytes: source.bytes,
      sha256: source.sha256,
      signal: ctx.signal,
      onProgress: (p) => ctx.progress({ done: p.bytes, total: p.total, phase: `downloading ${name}` }),
    });
    ctx.progress({ done: result.bytes, total: result.bytes, phase: 'checking the model' });
    const description = await core.models.adoptDownloaded(result.path, name);
    useModel(project, description);
    return { sha256: description.sha256, bytes: result.bytes };
  });
}

function choice(c: PreprocessingChoice): Preprocessing {
  try {
    return fromChoice(c);
  } catch (err) {
    throw new ApiError('invalid_args', errorMessage(err));
  }
}

/** The download source: the last one the person chose, else the Model Zoo's googlenet-7. */
export function savedModelSource(core: Core): ModelSource {
  const fallback: ModelSource = {
    url: DEFAULT_MODEL_SOURCE.url,
    sha256: DEFAULT_MODEL_SOURCE.sha256,
    bytes: DEFAULT_MODEL_SOURCE.bytes,
  };
  const saved = core.appData.settings<{ modelSource?: Partial<ModelSource> }>({}).modelSource;
  if (!saved || typeof saved.url !== 'string') return fallback;
  return {
    url: saved.url,
    sha256: typeof saved.sha256 === 'string' ? saved.sha256 : null,
    bytes: typeof saved.bytes === 'number' ? saved.bytes : null,
  };
}

/**
 * The project's model state, read without writing: a status is asked for often (and of
 * read-only projects), so a project without a model is shown the library's default model it
 * would adopt, and the first action that needs a model records it (`requireModel`).
 */
export async function modelStatus(
  core: Core,
  project: ProjectStore,
  defaultSha: string | null = DEFAULT_MODEL_SOURCE.sha256,
): Promise<ModelStatus> {
  const row = currentModel(project) ?? previewLibraryDefault(core, project, defaultSha);
  const ready = row !== null && core.models.has(row.description.sha256);
  const engines = await engineStatuses();
  const library = core.models.list();
  return {
    ready,
    model: row?.description ?? null,
    problem: ready
      ? null
      : row
        ? `The model file ${row.description.name} is no longer in ${core.models.dir}. Download the model again, or import the .onnx file.`
        : library.length > 0
          ? 'No model in this project yet. Use one already on this machine, download the pretrained GoogLeNet (28 MB), or import a googlenet .onnx file.'
          : 'No model yet. Download the pretrained GoogLeNet (28 MB), or import a googlenet .onnx file you already have.',
    defaultSource: savedModelSource(core),
    engine: core.engineInUse ?? engines.find((e) => e.available && !e.software)?.label ?? null,
    features: row ? featureCounts(project, row.id) : { images: 0, done: 0, missing: 0, failed: 0 },
    library,
  };
}

/** The default model as it is in the library, when it is there and intact. */
function libraryDefault(core: Core, sha: string | null): ModelDescription | null {
  if (sha === null || !core.models.has(sha)) return null;
  try {
    return core.models.describeSync(sha, DEFAULT_MODEL_SOURCE.fileName, 'download');
  } catch {
    return null;
  }
}

function previewLibraryDefault(core: Core, project: ProjectStore, sha: string | null): ModelPreview | null {
  const description = libraryDefault(core, sha);
  return description ? previewModel(project, description) : null;
}

/** A project with no model yet adopts the default model when the library already has it. */
export function adoptLibraryDefault(
  core: Core,
  project: ProjectStore,
  defaultSha: string | null = DEFAULT_MODEL_SOURCE.sha256,
): ModelRow | null {
  const row = currentModel(project);
  if (row) return row;
  const description = libraryDefault(core, defaultSha);
  if (!description) return null;
  try {
    return useModel(project, description);
  } catch {
    return null;
  }
}

/** The project's model, ready to run, or a precondition error that says both ways to get one. */
export function requireModel(core: Core, project: ProjectStore): ModelRow {
  const row = adoptLibraryDefault(core, project);
  if (!row) {
    throw new ApiError('precondition', 'This project has no model yet.', remedyDetails('get-model'));
  }
  if (!core.models.has(row.description.sha256)) {
    throw new ApiError(
      'precondition',
      `The model file ${row.description.name} is missing from ${core.models.dir}. Download it again or import the .onnx file.`,
    );
  }
  return row;
}
