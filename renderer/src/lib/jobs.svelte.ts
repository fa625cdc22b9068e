/* eslint-disable svelte/prefer-svelte-reactivity -- Maps and Sets here are either immutable snapshots
   replaced whole inside $state.raw (so one assignment notifies), or private bookkeeping no template reads. */
import type { JobInfo, JobKind, JobProgress, JobStatus } from '../../../src/api/contract.ts';
import type { ApiErrorShape } from '../../../src/domain/errors.ts';
import type { Api } from '../../../src/api/contract.ts';
import type { Notices } from './notices.svelte.ts';
import { JOB_TITLES } from './job-labels.ts';

export interface JobView {
  id: string;
  kind: JobKind;
  status: JobStatus;
  progress: JobProgress;
  error: ApiErrorShape | null;
  result: unknown;
}

const LINGER_MS = 4000;

/**
 * Every job the backend runs, from `job.progress` / `job.finished`: the status bar shows them,
 * dialogs wait on the ones they started. Finished jobs linger briefly, then leave the bar.
 */
export class JobsState {
  readonly #api: Api;
  readonly #notices: Notices;
  #jobs = $state.raw<ReadonlyMap<string, JobView>>(new Map());
  /** Finished jobs by id (plain): a `job.finished` can arrive before the start call returns. */
  readonly #finished = new Map<string, JobInfo>();
  readonly #waiters = new Map<string, ((info: JobInfo) => void)[]>();
  readonly #listeners = new Set<(info: JobInfo) => void>();
  /** Jobs whose failure the starter reports itself (dialogs), so the bar does not repeat it. */
  readonly #quiet = new Set<string>();

  readonly list = $derived([...this.#jobs.values()]);
  readonly running = $derived(this.list.filter((j) => j.status === 'running'));

  constructor(api: Api, notices: Notices) {
    this.#api = api;
    this.#notices = notices;
    api.on('job.progress', (p) => this.#progress(p));
    api.on('job.finished', (info) => this.#finish(info));
  }

  get(jobId: string | null): JobView | null {
    return jobId === null ? null : (this.#jobs.get(jobId) ?? null);
  }

  latest(kind: JobKind): JobView | null {
    return this.list.findLast((j) => j.kind === kind) ?? null;
  }

  /** Registers a job this window just started, so it shows before its first progress event. */
  track(jobId: string, kind: JobKind, opts: { quiet?: boolean } = {}): void {
    if (opts.quiet) this.#quiet.add(jobId);
    if (this.#jobs.has(jobId) || this.#finished.has(jobId)) return;
    this.#put({
      id: jobId,
      kind,
      status: 'running',
      progress: {
        jobId,
        kind,
        phase: 'starting',
        unit: null,
        done: 0,
        total: null,
        rate: 0,
        etaSeconds: null,
        counters: {},
      },
      error: null,
      result: null,
    });
  }

  /** Resolves with the job's final state (whatever its status). */
  wait(jobId: string): Promise<JobInfo> {
    const done = this.#finished.get(jobId);
    if (done) return Promise.resolve(done);
    return new Promise((resolve) => {
      const list = this.#waiters.get(jobId) ?? [];
      list.push(resolve);
      this.#waiters.set(jobId, list);
    });
  }

  onFinished(fn: (info: JobInfo) => void): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  async cancel(jobId: string): Promise<void> {
    try {
      await this.#api.call('jobs.cancel', { jobId });
    } catch (err) {
      this.#notices.error(err, 'Could not cancel');
    }
  }

  /** After a reconnect: pick up jobs that ran while events could not arrive. */
  async sync(): Promise<void> {
    let infos: JobInfo[];
    try {
      infos = await this.#api.call('jobs.list', {});
    } catch {
      return;
    }
    for (const info of infos) {
      if (info.status === 'running') {
        this.#put(viewOf(info));
      } else if (this.#jobs.get(info.id)?.status === 'running') {
        this.#finish(info);
      } else if (this.#waiters.has(info.id)) {
        this.#finish(info);
      }
    }
  }

  #progress(p: JobProgress): void {
    if (this.#finished.has(p.jobId)) return;
    const prev = this.#jobs.get(p.jobId);
    this.#put({
      id: p.jobId,
      kind: p.kind,
      status: 'running',
      progress: p,
      error: prev?.error ?? null,
      result: prev?.result ?? null,
    });
  }

  #finish(info: JobInfo): void {
    if (this.#finished.has(info.id)) return;
    this.#finished.set(info.id, info);
    if (this.#finished.size > 200) this.#finished.delete(this.#finished.keys().next().value!);
    this.#put(viewOf(info));
    // A later job of the same kind that succeeds resolves the earlier failure's notice.
    const key = `job:${info.kind}`;
    if (info.status === 'succeeded') this.#notices.resolve(key);
    if (!this.#quiet.has(info.id)) {
      if (info.status === 'failed')
        this.#notices.error(info.error ?? 'unknown error', `${JOB_TITLES[info.kind]} failed`, key);
      else if (info.status === 'cancelled') this.#notices.info(`${JOB_TITLES[info.kind]} cancelled.`, key);
    }
    this.#quiet.delete(info.id);
    for (const resolve of this.#waiters.get(info.id) ?? []) resolve(info);
    this.#waiters.delete(info.id);
    for (const fn of this.#listeners) fn(info);
    setTimeout(() => {
      const next = new Map(this.#jobs);
      next.delete(info.id);
      this.#jobs = next;
    }, LINGER_MS);
  }

  #put(view: JobView): void {
    const next = new Map(this.#jobs);
    next.set(view.id, view);
    this.#jobs = next;
  }
}

function viewOf(info: JobInfo): JobView {
  return {
    id: info.id,
    kind: info.kind,
    status: info.status,
    progress: info.progress,
    error: info.error,
    result: info.result,
  };
}
