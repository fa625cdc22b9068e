import type { Api, DatasetCounts } from '../../../../src/api/contract.ts';

/** Counts by status, label, class and split: the sidebar and status bar read them. */
export class CountsState {
  readonly #api: Api;
  #counts = $state.raw<DatasetCounts | null>(null);

  constructor(api: Api) {
    this.#api = api;
  }

  get current(): DatasetCounts | null {
    return this.#counts;
  }

  async refresh(): Promise<void> {
    try {
      this.#counts = await this.#api.call('images.counts', {});
    } catch {
      // Counts decorate the sidebar; the grid still works without them.
    }
  }
}
