/* eslint-disable svelte/prefer-svelte-reactivity -- Maps and Sets here are either immutable snapshots
   replaced whole inside $state.raw (so one assignment notifies), or private bookkeeping no template reads. */
import type { ImagePrediction, ImageRow } from '../../../src/api/contract.ts';
import type { Api } from './api.ts';

export interface Badge {
  classId: number;
  probability: number;
}

const PAGE = 1000;
/** Badges are a hint; past this many predictions the grid shows none rather than page forever. */
const MAX_BADGES = 50_000;

/**
 * The current run's prediction per image (for grid badges) and top-5 predictions for the viewer
 * (cached per image and run). The prediction filters are `images.query` kinds of their own.
 */
export class PredictionsState {
  readonly #api: Api;
  #byImage = $state.raw<ReadonlyMap<number, Badge>>(new Map());
  #runId = $state<number | null>(null);
  #top = new Map<string, Promise<ImagePrediction>>();

  constructor(api: Api) {
    this.#api = api;
  }

  badge(imageId: number): Badge | undefined {
    return this.#byImage.get(imageId);
  }

  /** Whether there is a current run (the prediction filters are empty without one). */
  get hasRun(): boolean {
    return this.#runId !== null;
  }

  get count(): number {
    return this.#byImage.size;
  }

  /** Loads every prediction of the current run (none when there is no run). */
  async load(runId: number | null): Promise<void> {
    this.#runId = runId;
    this.#top.clear();
    if (runId === null) {
      this.#byImage = new Map();
      return;
    }
    const next = new Map<number, Badge>();
    try {
      for (let offset = 0; offset < MAX_BADGES; offset += PAGE) {
        const page = await this.#api.call('predictions.query', { kind: 'all', offset, limit: PAGE });
        if (this.#runId !== runId) return;
        for (const p of page.items)
          next.set(p.imageId, { classId: p.predictedClassId, probability: p.probability });
        if (page.items.length < PAGE || offset + PAGE >= page.total) break;
      }
    } catch {
      // No predictions (no run yet, or the run was removed): the grid simply shows no badges.
    }
    if (this.#runId === runId) this.#byImage = next;
  }

  /** Top-5 for the viewer: the current run's classes, or ImageNet's before any training. */
  top(row: ImageRow): Promise<ImagePrediction> {
    const key = `${this.#runId ?? 'imagenet'}:${row.id}`;
    let p = this.#top.get(key);
    if (!p) {
      p = this.#api
        .call('predict.images', { paths: [row.path], topK: 5, imagenet: this.#runId === null })
        .then((r) => r[0] ?? { input: row.path, error: 'no prediction', top: [] });
      // A failure is not cached: the next look tries again (after training, say).
      p.catch(() => this.#top.delete(key));
      this.#top.set(key, p);
      if (this.#top.size > 500) this.#top.delete(this.#top.keys().next().value!);
    }
    return p;
  }
}
