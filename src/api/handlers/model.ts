import type { ModelDescription, ModelStatus } from '../../api/contract.ts';
import type { Core } from '../../core.ts';
import { DEFAULT_MODEL_SOURCE } from '../../model/download.ts';
import { engineStatuses } from '../../model/engine-status.ts';
import {
  currentModel,
  featureCounts,
  previewModel,
  useModel,
  type ModelPreview,
  type ModelRow,
} from '../../store/models.ts';
import type { ProjectStore } from '../../store/project.ts';
import type { Handlers } from '../dispatch.ts';
import { ApiError } from '../errors.ts';
import { remedyDetails } from '../remedies.ts';
import { startModelDownload } from '../../model/download-job.ts';
import { errorMessage } from '../../model/errors.ts';
import { fromChoice, type Preprocessing, type PreprocessingChoice } from '../../model/pixel-presets.ts';

export function modelHandlers(
  core: Core,
): Pick<Handlers, 'model.status' | 'model.download' | 'model.import' | 'model.preprocessing' | 'model.use'> {
  return {
    'model.status': async () => modelStatus(core, core.requireProject()),
    'model.import': async ({ path, preprocessing }) => {
      const project = core.requireProject();
      const chosen = preprocessing === undefined ? undefined : choice(preprocessing);
      const description = await core.models.importFile(path);
      useModel(project, description, chosen);
      return modelStatus(core, project);
    },
    'model.preprocessing': async ({ preprocessing }) => {
      const project = core.requireProject();
      const row = requireModel(core, project);
      useModel(project, row.description, choice(preprocessing));
      return modelStatus(core, project);
    },
    'model.use': async ({ sha256 }) => {
      const project = core.requireProject();
      const entry = core.models.entry(sha256);
      if (!entry)
        throw new ApiError(
          'not_found',
          `No model ${sha256.slice(0, 12)}… on this machine. Import the .onnx file or download the model.`,
        );
      useModel(project, core.models.describeSync(sha256, entry.name, entry.source));
      return modelStatus(core, project);
    },
    'model.download': ({ url, sha256, bytes }) => {
      const project = core.requireProject();
      // A source given once (a mirror, another zoo variant) is remembered as the default.
      const saved = savedModelSource(core);
      const source = url === undefined ? saved : { url, sha256: sha256 ?? null, bytes: bytes ?? null };
      if (url !== undefined) core.appData.saveSettings({ ...core.appData.settings({}), modelSource: source });
      return { jobId: startModelDownload(core, project, source).id };
    },
  };
}

function choice(c: PreprocessingChoice): Preprocessing {
  try {
    return fromChoice(c);
  } catch (err) {
    throw new ApiError('invalid_args', errorMessage(err));
  }
}

interface SavedSource {
  url: string;
  sha256: string | null;
  bytes: number | null;
}

/** The download source: the last one the person chose, else the Model Zoo's googlenet-7. */
export function savedModelSource(core: Core): SavedSource {
  const fallback: SavedSource = {
    url: DEFAULT_MODEL_SOURCE.url,
    sha256: DEFAULT_MODEL_SOURCE.sha256,
    bytes: DEFAULT_MODEL_SOURCE.bytes,
  };
  const saved = core.appData.settings<{ modelSource?: Partial<SavedSource> }>({}).modelSource;
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
