import { readFileSync } from 'node:fs';
import { ApiError } from './domain/errors.ts';
import { EventBus } from './domain/events.ts';
import { AppData } from './app-data.ts';
import { ComputeClient } from './jobs/compute-client.ts';
import { JobManager } from './jobs/manager.ts';
import { ModelLibrary } from './model/library.ts';
import type { ProjectStore } from './store/project.ts';

export const APP_VERSION: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

export interface CoreOptions {
  dataDir?: string;
}

/**
 * The state behind the API: the open project, running jobs, and the event bus that every
 * transport forwards. One Core per process that serves the API.
 */
export class Core {
  readonly events = new EventBus();
  readonly jobs = new JobManager(this.events);
  readonly appData: AppData;
  /** The worker thread that holds the engine and trains, so this thread stays responsive. */
  readonly compute = new ComputeClient();
  readonly models: ModelLibrary;
  #project: ProjectStore | null = null;
  /** Label of the engine that holds the model, once one is loaded. */
  engineInUse: string | null = null;

  constructor(opts: CoreOptions = {}) {
    this.appData = new AppData(opts.dataDir);
    this.models = new ModelLibrary(this.appData.modelsDir);
  }

  get project(): ProjectStore | null {
    return this.#project;
  }

  requireProject(): ProjectStore {
    if (!this.#project)
      throw new ApiError('no_project', 'No project is open. Create or open a project first.');
    return this.#project;
  }

  async setProject(project: ProjectStore | null): Promise<void> {
    const previous = this.#project;
    if (previous && previous !== project) {
      // Closing: windows learn it before the cancelled jobs finish, so nothing reloads a closed project.
      if (project === null) {
        this.#project = null;
        this.events.emit('project.changed', { project: null });
      }
      await this.jobs.cancelAll();
      previous.close();
    }
    const announced = project === null && previous !== null && previous !== project;
    this.#project = project;
    if (project) this.appData.touchRecent(project.path);
    if (!announced) this.events.emit('project.changed', { project: project?.info() ?? null });
  }

  async dispose(): Promise<void> {
    await this.setProject(null);
    await this.compute.dispose();
  }
}
