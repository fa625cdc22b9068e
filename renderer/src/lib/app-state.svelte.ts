import type { AppInfo, ProjectInfo, RecentProject } from '../../../src/api/contract.ts';
import type { Api, ConnectionState, Observable } from './api.ts';
import { bridge, type ComputeStatus, type MenuCommand } from './desktop.ts';
import { errorCode, errorMessage } from './errors.ts';
import { JOB_TITLES } from './job-labels.ts';
import { JobsState, type JobView } from './jobs.svelte.ts';
import { Notices } from './notices.svelte.ts';
import { ThemeState } from './theme.svelte.ts';
import { Workspace } from './workspace.svelte.ts';

export const APP_CONTEXT = Symbol('incept-app');
/** The notice about a refused access token, gone as soon as the connection is back. */
const TOKEN_NOTICE = 'connection-token';

export interface PendingSwitch {
  /** What would stop, in words ("Closing the project stops Training (40 %)."). */
  message: string;
  proceed(): Promise<boolean>;
}

function describeRunningJob(j: JobView): string {
  const { done, total } = j.progress;
  return `${JOB_TITLES[j.kind]}${total ? ` (${Math.floor((100 * done) / total)} %)` : ''}`;
}

/**
 * App-wide state: backend info, the open project (and its Workspace), recent projects, jobs,
 * messages, the theme and the connection to the backend.
 */
export class AppState {
  readonly api: Api;
  readonly notices = new Notices();
  readonly jobs: JobsState;
  readonly theme = new ThemeState();
  #info = $state.raw<AppInfo | null>(null);
  #project = $state.raw<ProjectInfo | null>(null);
  #workspace = $state.raw<Workspace | null>(null);
  #recent = $state.raw<RecentProject[]>([]);
  #busy = $state(false);
  #pendingSwitch = $state.raw<PendingSwitch | null>(null);
  #connection = $state<ConnectionState>('open');

  readonly engine = $derived.by(() => {
    const info = this.#info;
    if (!info) return null;
    return info.engineInUse ?? info.engines.find((e) => e.available && !e.software)?.label ?? null;
  });

  /** For the engine badge's tooltip: the GPU engines' adapters, or why they cannot run. */
  readonly engineDetail = $derived.by(() => {
    const info = this.#info;
    if (!info) return '';
    return info.engines
      .filter((e) => e.adapter !== undefined || e.name.startsWith('onnxruntime-'))
      .map(
        (e) =>
          `${e.label}: ${[e.adapter, e.software ? 'software, used only when chosen' : '', e.reason].filter(Boolean).join('; ')}`,
      )
      .join('\n');
  });

  constructor(api: Api & { connection?: Observable<ConnectionState> }) {
    this.api = api;
    this.jobs = new JobsState(api, this.notices);
    api.on('project.changed', ({ project }) => {
      this.#setProject(project);
      void this.refreshRecent();
    });
    let wasClosed = false;
    api.connection?.subscribe((state) => {
      const was = this.#connection;
      this.#connection = state;
      if (state === 'closed' || state === 'unauthorized') wasClosed = true;
      if (state === 'unauthorized' && was !== 'unauthorized')
        this.notices.push(
          'error',
          "This page's access token is no longer valid (the server restarted with a new one): " +
            'open the new URL that "incept serve" printed.',
          { code: 'unauthorized', key: TOKEN_NOTICE },
        );
      if (state === 'open') this.notices.resolve(TOKEN_NOTICE);
      // The server answers again (even if only to refuse the token): "not reachable" is over.
      if (state === 'open' || state === 'unauthorized')
        for (const n of this.notices.items) if (n.code === 'unavailable') this.notices.dismiss(n.id);
      if (state === 'open' && wasClosed) {
        wasClosed = false;
        void this.#resync();
      }
    });
    const desk = bridge();
    desk?.onMenuCommand?.((cmd) => this.#menu(cmd));
    desk?.onComputeStatus?.((status) => this.#compute(status));
  }

  get info(): AppInfo | null {
    return this.#info;
  }
  get project(): ProjectInfo | null {
    return this.#project;
  }
  get workspace(): Workspace | null {
    return this.#workspace;
  }
  get recent(): RecentProject[] {
    return this.#recent;
  }
  /** The latest error message, for places that show one line. */
  get error(): string | null {
    return this.notices.latestError?.title ?? null;
  }
  get busy(): boolean {
    return this.#busy;
  }
  get connection(): ConnectionState {
    return this.#connection;
  }

  dismissError(): void {
    this.notices.clearErrors();
  }

  async load(): Promise<void> {
    await this.#run(async () => {
      const info = await this.api.call('app.info', {});
      this.#info = info;
      this.#setProject(info.project);
      this.#recent = await this.api.call('project.recent', {});
    });
    await this.jobs.sync();
  }

  async refreshRecent(): Promise<void> {
    try {
      this.#recent = await this.api.call('project.recent', {});
    } catch {
      // The list is a convenience; a failure here must not replace a more useful error.
    }
  }

  /** A project switch that would stop running jobs, waiting for the person's answer. */
  get pendingSwitch(): PendingSwitch | null {
    return this.#pendingSwitch;
  }

  createProject(path: string): Promise<boolean> {
    return this.#switch('Creating another project', (force) =>
      this.api.call('project.create', { path, force }),
    );
  }

  openProject(path: string): Promise<boolean> {
    return this.#switch('Opening another project', (force) => this.api.call('project.open', { path, force }));
  }

  closeProject(): Promise<boolean> {
    return this.#switch('Closing the project', async (force) => {
      await this.api.call('project.close', { force });
      return null;
    });
  }

  /** The person's answer to `pendingSwitch`. */
  async answerSwitch(stop: boolean): Promise<void> {
    const pending = this.#pendingSwitch;
    this.#pendingSwitch = null;
    if (pending && stop) await pending.proceed();
  }

  /**
   * Closing or switching the project cancels its jobs, wherever they were started (another tab
   * or window shares them): ask first, naming them. The backend refuses too, for the jobs this
   * tab has not heard of yet.
   */
  async #switch(action: string, call: (force: boolean) => Promise<ProjectInfo | null>): Promise<boolean> {
    const proceed = (): Promise<boolean> => this.#run(async () => this.#setProject(await call(true)));
    const running = this.jobs.running;
    if (running.length > 0) {
      this.#pendingSwitch = {
        message: `${action} stops ${running.map(describeRunningJob).join(' and ')}.`,
        proceed,
      };
      return false;
    }
    let refused: string | null = null;
    const ok = await this.#run(async () => {
      try {
        this.#setProject(await call(false));
      } catch (err) {
        const details = (err as { details?: { jobs?: unknown } }).details;
        if (errorCode(err) !== 'conflict' || !details?.jobs) throw err;
        refused = errorMessage(err);
      }
    });
    if (refused !== null) {
      this.#pendingSwitch = { message: refused, proceed };
      return false;
    }
    return ok;
  }

  #setProject(project: ProjectInfo | null): void {
    this.#project = project;
    const ws = this.#workspace;
    if (ws && project && ws.project.path === project.path) return;
    ws?.dispose();
    if (!project) {
      this.#workspace = null;
      return;
    }
    const next = new Workspace(this.api, this.jobs, this.notices, project);
    this.#workspace = next;
    void next.load();
  }

  /** Electron's menu: Import…, Export…, Undo, Redo act on the open project. */
  #menu(cmd: MenuCommand): void {
    const ws = this.#workspace;
    if (!ws) {
      this.notices.info('Open a project first.');
      return;
    }
    if (cmd.command === 'edit.undo') void ws.dataset.undo();
    else if (cmd.command === 'edit.redo') void ws.dataset.redo();
    else ws.openDialog(cmd.command === 'import.folder' ? 'import' : 'export', cmd.folder);
  }

  /** In Electron the backend is a compute process: its crashes and restarts are the connection. */
  #compute(status: ComputeStatus): void {
    const was = this.#connection;
    if (status.state === 'ready') {
      this.notices.resolve('compute');
      this.#connection = 'open';
      if (was !== 'open') void this.#resync();
    } else if (status.state === 'starting') {
      this.#connection = 'connecting';
    } else if (status.state === 'crashed') {
      this.#connection = status.restarting ? 'connecting' : 'closed';
      this.notices.push(
        'error',
        `The compute process stopped${status.crash?.reason ? ` (${status.crash.reason})` : ''}${status.restarting ? '; restarting it.' : '.'}`,
        { key: 'compute' },
      );
    } else if (status.state === 'reopen-failed') {
      this.notices.push('error', `Could not reopen ${status.path}: ${status.error.message}`);
    } else {
      this.#connection = 'closed';
    }
  }

  /** After the server came back: reload what may have changed while events could not arrive. */
  async #resync(): Promise<void> {
    try {
      const info = await this.api.call('app.info', {});
      this.#info = info;
      this.#setProject(info.project);
      await this.jobs.sync();
      await this.#workspace?.load();
    } catch (err) {
      this.notices.error(err, 'Reconnected, but reloading failed');
    }
  }

  /** Runs an action, turning any failure into a readable message instead of a blank screen. */
  async #run(action: () => Promise<void>): Promise<boolean> {
    this.#busy = true;
    this.notices.clearErrors();
    try {
      await action();
      return true;
    } catch (err) {
      this.notices.push('error', errorMessage(err));
      return false;
    } finally {
      this.#busy = false;
    }
  }
}
