/**
 * Every API method, implemented on top of the core. Each domain keeps its handlers in
 * `handlers/<domain>.ts`; this file only assembles them, and the type checker proves that the
 * assembly covers the whole contract.
 */
import type { Core } from '../core.ts';
import { explainSqliteError } from '../services/project.ts';
import { createDispatch, type Dispatch, type Handlers } from './dispatch.ts';
import { appHandlers } from './handlers/app.ts';
import { datasetHandlers } from './handlers/dataset.ts';
import { fileHandlers } from './handlers/files.ts';
import { imageEditHandlers } from './handlers/image-edits.ts';
import { importHandlers } from './handlers/import.ts';
import { jobHandlers } from './handlers/jobs.ts';
import { mapHandlers } from './handlers/map.ts';
import { modelHandlers } from './handlers/model.ts';
import { projectHandlers } from './handlers/project.ts';
import { trainHandlers } from './handlers/train.ts';
import { uploadHandlers } from './handlers/upload.ts';

export function createHandlers(core: Core): Handlers {
  const imports = importHandlers(core);
  return {
    ...appHandlers(core),
    ...projectHandlers(core),
    ...jobHandlers(core),
    ...datasetHandlers(core),
    ...imports,
    ...uploadHandlers(core),
    ...modelHandlers(core),
    ...trainHandlers(core),
    ...fileHandlers(core),
    ...imageEditHandlers(core),
    ...mapHandlers(core),
  };
}

export function createCoreDispatch(core: Core): Dispatch {
  return createDispatch(createHandlers(core), (err) => {
    const project = core.project;
    return project ? explainSqliteError(err, project.path, project.readOnly) : err;
  });
}
