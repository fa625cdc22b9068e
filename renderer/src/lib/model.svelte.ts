import type { EngineName, EngineStatus, ModelStatus } from '../../../src/api/contract.ts';
import type { Api } from './api.ts';
import type { JobsState } from './jobs.svelte.ts';
import type { Notices } from './notices.svelte.ts';
import { errorMessage } from './errors.ts';

export type PixelPreset = 'caffe' | 'torchvision' | 'tf';

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
  #engines = $state.raw<EngineStatus[]>([]);
  /** The engine feature extraction asks for: 'auto', or one the person forces. */
  engineChoice = $state<'auto' | EngineName>('auto');

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
  /** The engines that can run here (probed once per launch), for the engine choice. */
  get engines(): EngineStatus[] {
    return this.#engines;
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
    try {
      this.#engines = (await this.#api.call('app.info', {})).engines.filter((e) => e.available);
    } catch {
      // Without the list the engine stays 'auto'; the status above says what matters.
      this.#engines = [];
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

  /** Uses a model already on this machine (imported or downloaded for another project). */
  async use(sha256: string): Promise<boolean> {
    try {
      this.#status = await this.#api.call('model.use', { sha256 });
      this.#notices.success('The model is ready.');
      return true;
    } catch (err) {
      this.#notices.error(err, 'Could not use the model');
      return false;
    }
  }

  /** `preset`: how the model wants its pixels; omitted, Incept reads it from the file. */
  async importFile(path: string, preset?: PixelPreset): Promise<boolean> {
    this.#importing = true;
    try {
      this.#status = await this.#api.call('model.import', {
        path,
        ...(preset ? { preprocessing: preset } : {}),
      });
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

  /** Changes the model's preprocessing; its features are then computed again. */
  async setPreprocessing(preset: PixelPreset): Promise<boolean> {
    try {
      this.#status = await this.#api.call('model.preprocessing', { preprocessing: preset });
      this.#notices.success('Preprocessing changed: extract features again.');
      return true;
    } catch (err) {
      this.#notices.error(err, 'Could not change the preprocessing');
      return false;
    }
  }

  async extractFeatures(): Promise<boolean> {
    try {
      const { jobId } = await this.#api.call('features.start', { engine: this.engineChoice });
      this.#featuresJob = jobId;
      this.#jobs.track(jobId, 'features');
      const info = await this.#jobs.wait(jobId);
      // A chosen engine that could not be used (no adapter, failed its check) fell back: say why.
      const skipped = (info.result as { skipped?: { name: string; reason: string }[] } | null)?.skipped ?? [];
      if (this.engineChoice !== 'auto') {
        for (const s of skipped) this.#notices.info(`Not using ${s.name}: ${s.reason}`);
      }
      await this.load();
      return info.status === 'succeeded';
    } catch (err) {
      this.#notices.error(err, 'Could not extract features');
      return false;
    }
  }
}
