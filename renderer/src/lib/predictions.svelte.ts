/* eslint-disable svelte/prefer-svelte-reactivity -- the Map is a private cache no template reads. */
import type { ImagePrediction, ImageRow } from '../../../src/api/contract.ts';
import type { Api } from './api.ts';

/**
 * The current run, for the prediction filters, and the top-5 predictions the viewer shows
 * (cached per image and run). Grid badges come with each row (`ImageRow.prediction`).
 */
export class PredictionsState {
  readonly #api: Api;
  #runId = $state<number | null>(null);
  #top = new Map<string, Promise<ImagePrediction>>();

  constructor(api: Api) {
    this.#api = api;
  }

  /** Whether there is a current run (the prediction filters are empty without one). */
  get hasRun(): boolean {
    return this.#runId !== null;
  }

  get runId(): number | null {
    return this.#runId;
  }

  setRun(runId: number | null): void {
    this.#runId = runId;
    this.#top.clear();
  }

  /**
   * Top-5 for the viewer: the current run's stored probabilities (instant), computed from the
   * file for an image the run never saw, or ImageNet's classes before any training.
   */
  top(row: ImageRow): Promise<ImagePrediction> {
    const key = `${this.#runId ?? 'imagenet'}:${row.id}`;
    let p = this.#top.get(key);
    if (!p) {
      p = this.#fetchTop(row);
      // A failure is not cached: the next look tries again (after training, say).
      p.catch(() => this.#top.delete(key));
      this.#top.set(key, p);
      if (this.#top.size > 500) this.#top.delete(this.#top.keys().next().value!);
    }
    return p;
  }

  async #fetchTop(row: ImageRow): Promise<ImagePrediction> {
    if (this.#runId !== null) {
      const stored = await this.#api.call('predictions.get', { imageId: row.id, topK: 5 });
      if (stored) return { input: row.path, error: null, top: stored.top };
    }
    const [computed] = await this.#api.call('predict.images', {
      paths: [row.path],
      topK: 5,
      imagenet: this.#runId === null,
    });
    return computed ?? { input: row.path, error: 'no prediction', top: [] };
  }
}
