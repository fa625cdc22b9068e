import type { ExportReport, ImportResult, MethodArgs } from '../../../src/api/contract.ts';
import type { Api } from './api.ts';
import type { JobsState, JobView } from './jobs.svelte.ts';
import { errorMessage } from './errors.ts';

/**
 * One long job started from a dialog (import or model export): its live progress, its result,
 * or the reason it failed, shown in the dialog itself rather than as a toast.
 */
class DialogJob<R> {
  protected readonly api: Api;
  readonly #jobs: JobsState;
  #jobId = $state<string | null>(null);
  #result = $state.raw<R | null>(null);
  #error = $state<string | null>(null);
  #starting = $state(false);

  constructor(api: Api, jobs: JobsState) {
    this.api = api;
    this.#jobs = jobs;
  }

  get job(): JobView | null {
    return this.#jobs.get(this.#jobId);
  }
  get running(): boolean {
    return this.#starting || this.job?.status === 'running';
  }
  get result(): R | null {
    return this.#result;
  }
  get error(): string | null {
    return this.#error;
  }
  get jobId(): string | null {
    return this.#jobId;
  }

  reset(): void {
    if (this.running) return;
    this.#jobId = null;
    this.#result = null;
    this.#error = null;
  }

  protected async run(kind: JobView['kind'], start: () => Promise<{ jobId: string }>): Promise<R | null> {
    this.#result = null;
    this.#error = null;
    this.#starting = true;
    let jobId: string;
    try {
      jobId = (await start()).jobId;
    } catch (err) {
      this.#error = errorMessage(err);
      return null;
    } finally {
      this.#starting = false;
    }
    this.#jobId = jobId;
    this.#jobs.track(jobId, kind, { quiet: true });
    const info = await this.#jobs.wait(jobId);
    if (this.#jobId !== jobId) return null;
    if (info.status === 'succeeded') {
      this.#result = info.result as R;
      return this.#result;
    }
    this.#error =
      info.status === 'cancelled' ? 'Cancelled.' : info.error ? errorMessage(info.error) : 'The job failed.';
    if (info.result) this.#result = info.result as R;
    return null;
  }

  async cancel(): Promise<void> {
    if (this.#jobId) await this.#jobs.cancel(this.#jobId);
  }
}

export class ImportJob extends DialogJob<ImportResult> {
  start(folder: string, labelsFromFolders: boolean): Promise<ImportResult | null> {
    return this.run('import', () => this.api.call('import.start', { folder, labelsFromFolders }));
  }
}

export class ExportJob extends DialogJob<ExportReport> {
  start(args: MethodArgs<'export.start'>): Promise<ExportReport | null> {
    return this.run('export', () => this.api.call('export.start', args));
  }
}
