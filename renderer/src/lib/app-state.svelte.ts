import type { AppInfo, ProjectInfo, RecentProject } from '../../../src/api/contract.ts';
import type { Api } from './api.ts';

export const APP_CONTEXT = Symbol('incept-app');

/** App-wide state: backend info, the open project, recent projects and the last error. */
export class AppState {
  readonly api: Api;
  #info = $state.raw<AppInfo | null>(null);
  #project = $state.raw<ProjectInfo | null>(null);
  #recent = $state.raw<RecentProject[]>([]);
  #error = $state<string | null>(null);
  #busy = $state(false);

  readonly engine = $derived.by(() => {
    const info = this.#info;
    if (!info) return null;
    return info.engineInUse ?? info.engines.find((e) => e.available)?.label ?? null;
  });

  constructor(api: Api) {
    this.api = api;
    api.on('project.changed', ({ project }) => {
      this.#project = project;
      void this.refreshRecent();
    });
  }

  get info(): AppInfo | null {
    return this.#info;
  }
  get project(): ProjectInfo | null {
    return this.#project;
  }
  get recent(): RecentProject[] {
    return this.#recent;
  }
  get error(): string | null {
    return this.#error;
  }
  get busy(): boolean {
    return this.#busy;
  }

  dismissError(): void {
    this.#error = null;
  }

  async load(): Promise<void> {
    await this.#run(async () => {
      const info = await this.api.call('app.info', {});
      this.#info = info;
      this.#project = info.project;
      this.#recent = await this.api.call('project.recent', {});
    });
  }

  async refreshRecent(): Promise<void> {
    try {
      this.#recent = await this.api.call('project.recent', {});
    } catch {
      // The list is a convenience; a failure here must not replace a more useful error.
    }
  }

  createProject(path: string): Promise<boolean> {
    return this.#run(async () => {
      this.#project = await this.api.call('project.create', { path });
    });
  }

  openProject(path: string): Promise<boolean> {
    return this.#run(async () => {
      this.#project = await this.api.call('project.open', { path });
    });
  }

  closeProject(): Promise<boolean> {
    return this.#run(async () => {
      await this.api.call('project.close', {});
      this.#project = null;
    });
  }

  /** Runs an action, turning any failure into a readable message instead of a blank screen. */
  async #run(action: () => Promise<void>): Promise<boolean> {
    this.#busy = true;
    this.#error = null;
    try {
      await action();
      return true;
    } catch (err) {
      this.#error = err instanceof Error ? err.message : String(err);
      return false;
    } finally {
      this.#busy = false;
    }
  }
}
