import type { ModelStatus } from '../../../src/api/contract.ts';
import type { Api } from './api.ts';
import type { JobsState } from './jobs.svelte.ts';
import type { Notices } from './notices.svelte.ts';
import { errorMessage } from './errors.ts';

/** The pretrained model (download or import a file) and the feature extraction job. */
export class ModelState {
  readonly #api: Api;
  readonly #jobs: JobsState;
  readonly #notices: Notices;
  #status = $state.raw<ModelStatus | null>(null);
  #problem = $state<string | null>(null);
  #downloadJob = $state<string | null>(null);
  #featuresJob = $state<string | null>(null);
  #importing = $state(false);

  constructor(api: Api, jobs: JobsState, notices: Notices) {
    this.#api = api;
    this.#jobs = jobs;
    this.#notices = notices;
  }

  get status(): ModelStatus | null {
    return this.#status;
  }
  /** Why the status could not be read at all (no project, no handler yet). */
  get problem(): string | null {
    return this.#problem;
  }
  get ready(): boolean {
    return this.#status?.ready ?? false;
  }
  get importing(): boolean {
    return this.#importing;
  }
  get download(): ReturnType<JobsState['get']> {
    return (
      this.#jobs.get(this.#downloadJob) ?? this.#jobs.running.find((j) => j.kind === 'model-download') ?? null
    );
  }
  get features(): ReturnType<JobsState['get']> {
    return this.#jobs.get(this.#featuresJob) ?? this.#jobs.running.find((j) => j.kind === 'features') ?? null;
  }
  get featuresMissing(): number {
    const f = this.#status?.features;
    return f ? Math.max(0, f.missing) : 0;
  }

  async load(): Promise<void> {
    try {
      this.#status = await this.#api.call('model.status', {});
      this.#problem = null;
    } catch (err) {
      this.#problem = errorMessage(err);
    }
  }

  async startDownload(): Promise<void> {
    try {
      const { jobId } = await this.#api.call('model.download', {});
      this.#downloadJob = jobId;
      this.#jobs.track(jobId, 'model-download');
      const info = await this.#jobs.wait(jobId);
      if (info.status === 'succeeded') {
        this.#notices.resolve('model');
        this.#notices.success('The model is ready.');
      }
      await this.load();
    } catch (err) {
      this.#notices.error(err, 'Could not download the model', 'model');
    }
  }

  async importFile(path: string): Promise<boolean> {
    this.#importing = true;
    try {
      this.#status = await this.#api.call('model.import', { path });
      this.#notices.resolve('model');
      this.#notices.success('Model imported.');
      return true;
    } catch (err) {
      this.#notices.error(err, 'Could not import the model', 'model');
      return false;
    } finally {
      this.#importing = false;
    }
  }

  async extractFeatures(): Promise<boolean> {
    try {
      const { jobId } = await this.#api.call('features.start', {});
      this.#featuresJob = jobId;
      this.#jobs.track(jobId, 'features');
      const info = await this.#jobs.wait(jobId);
      await this.load();
      return info.status === 'succeeded';
    } catch (err) {
      this.#notices.error(err, 'Could not extract features');
      return false;
    }
  }
}
