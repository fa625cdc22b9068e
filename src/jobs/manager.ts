import { randomUUID } from 'node:crypto';
import { ApiError } from '../domain/errors.ts';
import type { EventBus } from '../domain/events.ts';
import type { JobContext, JobInfo, JobKind, JobProgress } from '../domain/jobs.ts';
import { RateMeter } from './rate.ts';

export type { JobContext };

export type JobRunner<R> = (ctx: JobContext) => Promise<R>;

interface Entry {
  info: JobInfo;
  controller: AbortController;
  done: Promise<void>;
}

const PROGRESS_INTERVAL_MS = 100;
/** An ETA needs this much of the current phase's pace. */
const ETA_MIN_SPAN_MS = 1500;

/** What a job's progress counts unless a phase says otherwise. */
const DEFAULT_UNITS: Record<JobKind, string | null> = {
  import: 'files',
  rescan: 'files',
  'dataset-export': 'images',
  features: 'images',
  train: null,
  export: 'steps',
  'model-download': 'bytes',
  'map-layout': 'epochs',
};
const KEEP_FINISHED = 50;

/**
 * Long work runs as jobs: progress with rate and ETA, cancel, and a final event. The job
 * function owns durability (each job writes in transactions so a cancel leaves nothing
 * half-written, and can resume by skipping what is already done).
 */
export class JobManager {
  readonly #jobs = new Map<string, Entry>();
  readonly #events: EventBus;

  constructor(events: EventBus) {
    this.#events = events;
  }

  start<R>(kind: JobKind, run: JobRunner<R>, opts: { exclusive?: boolean } = {}): JobInfo {
    if (opts.exclusive !== false) {
      const running = this.list().find((j) => j.status === 'running' && j.kind === kind);
      if (running) {
        throw new ApiError(
          'conflict',
          `A ${kind} job is already running (${running.id}); cancel it or wait.`,
          {
            jobId: running.id,
          },
        );
      }
    }
    const id = randomUUID();
    const controller = new AbortController();
    let meter = new RateMeter();
    let etaAllowed = true;
    const progress: JobProgress = {
      jobId: id,
      kind,
      phase: 'starting',
      unit: DEFAULT_UNITS[kind],
      done: 0,
      total: null,
      rate: 0,
      etaSeconds: null,
      counters: {},
    };
    const info: JobInfo = {
      id,
      kind,
      status: 'running',
      startedAt: new Date().toISOString(),
      finishedAt: null,
      progress,
      error: null,
      result: null,
    };
    let lastEmit = 0;
    const ctx: JobContext = {
      signal: controller.signal,
      throwIfCancelled: () => {
        if (controller.signal.aborted) throw new ApiError('cancelled', `The ${kind} job was cancelled.`);
      },
      progress: (u) => {
        const unit =
          u.unit !== undefined
            ? u.unit
            : u.phase !== undefined && u.phase !== progress.phase
              ? DEFAULT_UNITS[kind]
              : progress.unit;
        // Each phase counts its own things at its own pace: rates never mix epochs with images.
        if (unit !== progress.unit || u.done < progress.done) meter = new RateMeter();
        // A phase's first report is always shown, however soon after the last event it comes
        // (a phase that only renames its step, "epoch 3" → "epoch 4", stays throttled).
        const newPhase =
          unit !== progress.unit || (u.phase !== undefined && u.phase !== progress.phase && u.done === 0);
        progress.unit = unit;
        progress.done = u.done;
        if (u.total !== undefined) progress.total = u.total;
        if (u.phase !== undefined) progress.phase = u.phase;
        if (u.eta !== undefined) etaAllowed = u.eta;
        if (u.counters) progress.counters = { ...progress.counters, ...u.counters };
        meter.add(u.done);
        progress.rate = unit === null ? 0 : meter.rate();
        progress.etaSeconds =
          etaAllowed &&
          unit !== null &&
          progress.total !== null &&
          progress.rate > 0 &&
          meter.span() >= ETA_MIN_SPAN_MS
            ? Math.max(0, (progress.total - progress.done) / progress.rate)
            : null;
        const now = Date.now();
        if (
          newPhase ||
          now - lastEmit >= PROGRESS_INTERVAL_MS ||
          (progress.total !== null && u.done >= progress.total)
        ) {
          lastEmit = now;
          this.#events.emit('job.progress', { ...progress, counters: { ...progress.counters } });
        }
      },
    };
    const done = (async () => {
      // Let the caller receive the job id before any progress event.
      await Promise.resolve();
      try {
        info.result = (await run(ctx)) ?? null;
        info.status = controller.signal.aborted ? 'cancelled' : 'succeeded';
      } catch (err) {
        const apiErr = ApiError.from(err);
        const cancelled = controller.signal.aborted || apiErr.code === 'cancelled' || isAbortError(err);
        info.status = cancelled ? 'cancelled' : 'failed';
        info.error = cancelled
          ? { code: 'cancelled', message: `The ${kind} job was cancelled.` }
          : apiErr.toJSON();
      }
      info.finishedAt = new Date().toISOString();
      progress.phase = info.status;
      this.#events.emit('job.progress', { ...progress, counters: { ...progress.counters } });
      this.#events.emit('job.finished', snapshot(info));
      this.#prune();
    })();
    this.#jobs.set(id, { info, controller, done });
    return snapshot(info);
  }

  get(id: string): JobInfo {
    const entry = this.#jobs.get(id);
    if (!entry) throw new ApiError('not_found', `No job with id ${id}.`);
    return snapshot(entry.info);
  }

  list(): JobInfo[] {
    return [...this.#jobs.values()].map((e) => snapshot(e.info));
  }

  cancel(id: string): boolean {
    const entry = this.#jobs.get(id);
    if (!entry) throw new ApiError('not_found', `No job with id ${id}.`);
    if (entry.info.status !== 'running') return false;
    entry.controller.abort();
    return true;
  }

  /** Resolves when the job has finished (any status). */
  async wait(id: string): Promise<JobInfo> {
    const entry = this.#jobs.get(id);
    if (!entry) throw new ApiError('not_found', `No job with id ${id}.`);
    await entry.done;
    return snapshot(entry.info);
  }

  async cancelAll(): Promise<void> {
    const running = [...this.#jobs.values()].filter((e) => e.info.status === 'running');
    for (const e of running) e.controller.abort();
    await Promise.all(running.map((e) => e.done));
  }

  #prune(): void {
    const finished = [...this.#jobs.values()].filter((e) => e.info.status !== 'running');
    for (const e of finished.slice(0, Math.max(0, finished.length - KEEP_FINISHED)))
      this.#jobs.delete(e.info.id);
  }
}

function snapshot(info: JobInfo): JobInfo {
  return { ...info, progress: { ...info.progress, counters: { ...info.progress.counters } } };
}

function isAbortError(err: unknown): boolean {
  return err instanceof Error && err.name === 'AbortError';
}
