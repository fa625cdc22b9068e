import type { ProjectInfo } from '../../../src/api/contract.ts';
import type { Api } from './api.ts';
import type { JobsState } from './jobs.svelte.ts';
import type { Notices } from './notices.svelte.ts';
import { ClassesState } from './classes.svelte.ts';
import { DatasetState } from './dataset.svelte.ts';
import { ExportJob, ImportJob } from './importer.svelte.ts';
import { ModelState } from './model.svelte.ts';
import { PredictionsState } from './predictions.svelte.ts';
import { SuggestionsState } from './suggestions.svelte.ts';
import { TrainingState } from './training.svelte.ts';
import { Uploads } from './uploads.svelte.ts';
import { DuplicatesState } from './duplicates.svelte.ts';
import { MapState } from './map.svelte.ts';

export type View = 'dataset' | 'map' | 'train' | 'suggestions' | 'try';
export type Dialog = 'import' | 'export' | null;

/**
 * Everything about the open project, one state object per area. Created when a project opens,
 * disposed when it closes (its event subscriptions go with it).
 */
export class Workspace {
  readonly project: ProjectInfo;
  readonly classes: ClassesState;
  readonly dataset: DatasetState;
  readonly predictions: PredictionsState;
  readonly model: ModelState;
  readonly training: TrainingState;
  readonly suggestions: SuggestionsState;
  readonly importer: ImportJob;
  readonly exporter: ExportJob;
  readonly uploads: Uploads;
  readonly duplicates: DuplicatesState;
  readonly map: MapState;
  #view = $state<View>('dataset');
  #dialog = $state<Dialog>(null);
  /** A folder chosen before the dialog opened (Electron's File menu). */
  #dialogFolder = $state('');
  readonly #off: (() => void)[] = [];
  #runsTimer: ReturnType<typeof setTimeout> | null = null;
  #predictionsRun: number | null = null;
  /** Set while this project is being closed or switched away from (see leave()). */
  #leaving = false;

  constructor(api: Api, jobs: JobsState, notices: Notices, project: ProjectInfo) {
    this.project = project;
    this.classes = new ClassesState(api, notices);
    this.predictions = new PredictionsState(api);
    this.dataset = new DatasetState(api, notices);
    this.model = new ModelState(api, jobs, notices);
    this.training = new TrainingState(api, jobs, notices);
    this.suggestions = new SuggestionsState(api, notices);
    this.importer = new ImportJob(api, jobs);
    this.exporter = new ExportJob(api, jobs);
    this.uploads = new Uploads(api, notices);
    this.duplicates = new DuplicatesState(api, notices);
    this.map = new MapState(api, jobs, notices);

    this.#off.push(
      api.on('dataset.changed', (e) => {
        if (this.#leaving) return;
        this.dataset.onChanged(e);
        // Hidden, the map only records the change; it asks whether its points are current on opening.
        void this.map.onChanged(e);
        if (e.reason !== 'labels') void this.classes.load();
        else this.#refreshClassCounts();
        this.#refreshRunsSoon();
      }),
      jobs.onFinished((info) => {
        if (this.#leaving) return;
        if (info.kind === 'import' || info.kind === 'rescan') {
          void this.classes.load();
          void this.dataset.refresh();
          void this.dataset.refreshCounts();
          void this.model.load();
        } else if (info.kind === 'features') {
          void this.model.load();
          // Features come with the current run's predictions of new images: badges and the queue.
          void this.dataset.refresh();
          if (this.suggestions.loaded) void this.suggestions.load();
        } else if (info.kind === 'model-download') {
          void this.model.load();
        } else if (info.kind === 'train') {
          // One-click Train computes features first: the model panel's counts change either way.
          void this.model.load();
          if (info.status === 'succeeded') void this.#afterTraining();
        }
      }),
    );
  }

  get view(): View {
    return this.#view;
  }
  set view(v: View) {
    if (this.#view === 'map' && v !== 'map') this.map.hide();
    this.#view = v;
    if (v === 'suggestions' && !this.suggestions.loading) void this.suggestions.load();
    if (v === 'map') void this.map.show();
  }
  get dialog(): Dialog {
    return this.#dialog;
  }
  set dialog(d: Dialog) {
    this.#dialog = d;
    if (d === null) this.#dialogFolder = '';
  }
  get dialogFolder(): string {
    return this.#dialogFolder;
  }

  openDialog(d: Exclude<Dialog, null>, folder = ''): void {
    this.#dialogFolder = folder;
    this.#dialog = d;
  }

  async load(): Promise<void> {
    await Promise.all([this.classes.load(), this.dataset.load(), this.model.load(), this.training.load()]);
    await this.#loadPredictions();
  }

  /** A confusion-matrix cell (or any list of ids) in the grid, ready to relabel. */
  async showIds(ids: readonly number[], title: string): Promise<void> {
    this.view = 'dataset';
    await this.dataset.setFilter({ kind: 'ids', ids, title });
  }

  /**
   * The project is being closed or switched: events still on their way (they are batched) must
   * not reload a project the backend no longer has open. stay() undoes it when the backend refuses.
   */
  leave(): void {
    this.#leaving = true;
    this.#cancelTimers();
  }
  stay(): void {
    this.#leaving = false;
    // What the cancelled timers would have reloaded.
    void this.dataset.refreshCounts();
    void this.dataset.refresh();
  }

  dispose(): void {
    for (const off of this.#off) off();
    this.#cancelTimers();
  }

  #cancelTimers(): void {
    this.dataset.cancelPendingRefresh();
    if (this.#runsTimer) clearTimeout(this.#runsTimer);
    this.#runsTimer = null;
  }

  async #afterTraining(): Promise<void> {
    await this.training.refreshRuns();
    await this.#loadPredictions();
    if (this.#view === 'suggestions') await this.suggestions.load();
    // Map points are coloured by prediction and confidence, which a new run changes.
    if (this.#view === 'map') await this.map.reloadKeepingSelection();
  }

  async #loadPredictions(): Promise<void> {
    const run = this.training.current?.id ?? null;
    if (run === this.#predictionsRun && run !== null) return;
    this.#predictionsRun = run;
    this.predictions.setRun(run);
    // Rows carry the current run's prediction (grid badges): reload what is on screen.
    await this.dataset.refresh();
  }

  #classCountsTimer: ReturnType<typeof setTimeout> | null = null;
  #refreshClassCounts(): void {
    if (this.#classCountsTimer) return;
    this.#classCountsTimer = setTimeout(() => {
      this.#classCountsTimer = null;
      void this.classes.load();
    }, 150);
  }

  /** Labels changed: the current run may now be stale. */
  #refreshRunsSoon(): void {
    if (this.#runsTimer || this.training.runs.length === 0) return;
    this.#runsTimer = setTimeout(() => {
      this.#runsTimer = null;
      void this.training.refreshRuns();
    }, 400);
  }
}
