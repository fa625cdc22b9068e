import type { Core } from '../../core.ts';
import {
  importModel,
  modelStatus,
  setModelPreprocessing,
  startDownload,
  useLibraryModel,
} from '../../services/model.ts';
import type { Handlers } from '../dispatch.ts';

/** Kept for the callers that still import it from here; the service is its home. */

export function modelHandlers(
  core: Core,
): Pick<Handlers, 'model.status' | 'model.download' | 'model.import' | 'model.preprocessing' | 'model.use'> {
  return {
    'model.status': async () => modelStatus(core, core.requireProject()),
    'model.import': ({ path, preprocessing }) => importModel(core, path, preprocessing),
    'model.preprocessing': ({ preprocessing }) => setModelPreprocessing(core, preprocessing),
    'model.use': ({ sha256 }) => useLibraryModel(core, sha256),
    'model.download': (args) => startDownload(core, args),
  };
}
