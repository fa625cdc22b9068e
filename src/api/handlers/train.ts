import type { JobKind } from '../../api/contract.ts';
import type { Core } from '../../core.ts';
import type { Handlers } from '../dispatch.ts';
import { startExport } from '../../services/export.ts';
import {
  acceptSuggestions,
  compareRuns,
  getRun,
  listRuns,
  predictImages,
  predictionFor,
  queryPredictions,
  setCurrentRun,
  startTraining,
} from '../../services/train.ts';
import { startFeatures } from '../../services/train-features.ts';

// Import and rescan start the new images' features and predictions through this handler module.

type TrainHandlers = Pick<
  Handlers,
  | 'features.start'
  | 'features.cancel'
  | 'train.start'
  | 'train.cancel'
  | 'runs.list'
  | 'runs.get'
  | 'runs.compare'
  | 'runs.setCurrent'
  | 'predictions.query'
  | 'predictions.get'
  | 'suggestions.accept'
  | 'predict.images'
  | 'export.start'
>;

export function trainHandlers(core: Core): TrainHandlers {
  const cancelKind = (kind: JobKind): { cancelled: boolean } => {
    const running = core.jobs.list().filter((j) => j.kind === kind && j.status === 'running');
    return { cancelled: running.map((j) => core.jobs.cancel(j.id)).some(Boolean) };
  };

  return {
    'features.start': ({ engine, batchSize, augment }) =>
      startFeatures(core, { engine, augment, ...(batchSize !== undefined ? { batchSize } : {}) }),
    'features.cancel': () => cancelKind('features'),

    'train.start': ({ settings }) => startTraining(core, core.requireProject(), settings),
    'train.cancel': () => cancelKind('train'),

    'runs.list': () => listRuns(core.requireProject()),
    'runs.get': ({ id }) => getRun(core.requireProject(), id),
    'runs.compare': ({ a, b }) => compareRuns(core.requireProject(), a, b),
    'runs.setCurrent': ({ id }) => setCurrentRun(core.requireProject(), id),

    'predictions.query': (q) => queryPredictions(core.requireProject(), q),
    'predictions.get': ({ imageId, topK }) => predictionFor(core.requireProject(), imageId, topK),
    'suggestions.accept': (args) => acceptSuggestions(core, core.requireProject(), args),

    'predict.images': (args) => predictImages(core, args),

    'export.start': (args) => startExport(core, args),
  };
}
