import type {
  RunComparison,
  RunDetail,
  RunSummary,
  Split,
  TrainSettings,
} from '../../../src/api/contract.ts';
import type { Api } from './api.ts';
import type { JobsState, JobView } from './jobs.svelte.ts';
import type { Notices } from './notices.svelte.ts';
import { addPoint, emptySeries, fromHistory, type Series } from './train-series.ts';

/**
 * Training: the one-click train job with live curves from its progress counters, the run
 * history, the selected run's metrics (per-class table, confusion matrix) and comparisons.
 */
export class TrainingState {
  readonly #api: Api;
  readonly #jobs: JobsState;
  readonly #notices: Notices;
  #runs = $state.raw<RunSummary[]>([]);
  #detail = $state.raw<RunDetail | null>(null);
  #comparison = $state.raw<RunComparison | null>(null);
  #jobId = $state<string | null>(null);
  #live = $state.raw<Series>(emptySeries);
  #split = $state<Split>('validation');
  #loaded = $state(false);

  readonly current = $derived(this.#runs.find((r) => r.current) ?? null);
  readonly stale = $derived(this.current?.stale ?? false);
  /** Curves of the running job, else of the selected run. */
  readonly series = $derived(
    this.training || (this.#live.epoch.length > 0 && !this.#detail)
      ? this.#live
      : this.#detail
        ? fromHistory(this.#detail.history)
        : this.#live,
  );
  /** The metrics the results panel shows: validation when there is one. */
  readonly metrics = $derived(
    this.#detail
      ? this.#split === 'validation'
        ? (this.#detail.validation ?? this.#detail.train)
        : this.#split === 'test'
          ? (this.#detail.test ?? this.#detail.validation ?? this.#detail.train)
          : this.#detail.train
      : null,
  );

  constructor(api: Api, jobs: JobsState, notices: Notices) {
    this.#api = api;
    this.#jobs = jobs;
    this.#notices = notices;
    api.on('job.progress', (p) => {
      if (p.kind !== 'train') return;
      if (this.#jobId !== p.jobId) {
        // A train job started elsewhere (CLI, another window): follow it.
        this.#jobId = p.jobId;
        this.#live = emptySeries;
      }
      this.#live = addPoint(this.#live, p.counters);
    });
  }

  get job(): JobView | null {
    return this.#jobs.get(this.#jobId) ?? this.#jobs.running.find((j) => j.kind === 'train') ?? null;
  }
  get training(): boolean {
    return this.job?.status === 'running';
  }

  get runs(): RunSummary[] {
    return this.#runs;
  }
  get detail(): RunDetail | null {
    return this.#detail;
  }
  get comparison(): RunComparison | null {
    return this.#comparison;
  }
  get split(): Split {
    return this.#split;
  }
  get loaded(): boolean {
    return this.#loaded;
  }

  setSplit(split: Split): void {
    this.#split = split;
  }

  async load(): Promise<void> {
    try {
      this.#runs = await this.#api.call('runs.list', {});
      const want = this.#detail?.id ?? this.current?.id ?? this.#runs[0]?.id;
      const still = this.#runs.find((r) => r.id === want);
      if (still) await this.select(still.id);
      else this.#detail = null;
    } catch {
      // Before the model is set up there are no runs; the panel says so.
      this.#runs = [];
    } finally {
      this.#loaded = true;
    }
  }

  /** Cheap refresh of the list only (stale markers after label changes). */
  async refreshRuns(): Promise<void> {
    try {
      this.#runs = await this.#api.call('runs.list', {});
    } catch {
      // Keep the last list.
    }
  }

  async select(id: number): Promise<void> {
    try {
      this.#detail = await this.#api.call('runs.get', { id });
      if (!this.#detail.validation) this.#split = 'train';
      if (this.#split === 'test' && !this.#detail.test) this.#split = 'validation';
    } catch (err) {
      this.#notices.error(err, 'Could not load the run');
    }
  }

  /** Starts training; `settings` holds only what the person changed (the rest are defaults). */
  async train(settings: Partial<TrainSettings> = {}): Promise<RunSummary | null> {
    try {
      const { jobId } = await this.#api.call('train.start', { settings });
      this.#jobId = jobId;
      this.#live = emptySeries;
      this.#detail = null;
      this.#jobs.track(jobId, 'train');
      const info = await this.#jobs.wait(jobId);
      if (info.status !== 'succeeded') return null;
      await this.load();
      const newest = this.#runs[0] ?? null;
      if (newest) await this.select(newest.id);
      this.#notices.success('Training finished.');
      return newest;
    } catch (err) {
      this.#notices.error(err, 'Could not start training');
      return null;
    }
  }

  async cancel(): Promise<void> {
    try {
      await this.#api.call('train.cancel', {});
    } catch (err) {
      this.#notices.error(err, 'Could not stop training');
    }
  }

  async compare(a: number, b: number): Promise<void> {
    try {
      this.#comparison = await this.#api.call('runs.compare', { a, b });
    } catch (err) {
      this.#notices.error(err, 'Could not compare the runs');
    }
  }

  closeComparison(): void {
    this.#comparison = null;
  }

  async setCurrent(id: number): Promise<boolean> {
    try {
      await this.#api.call('runs.setCurrent', { id });
      await this.load();
      return true;
    } catch (err) {
      this.#notices.error(err, 'Could not switch the model');
      return false;
    }
  }
}
