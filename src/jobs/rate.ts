/** Items per second over a sliding window, so the ETA follows the recent pace. */
export class RateMeter {
  readonly #samples: { t: number; done: number }[] = [];
  readonly #windowMs: number;

  constructor(windowMs = 5000) {
    this.#windowMs = windowMs;
  }

  add(done: number, now = performance.now()): void {
    this.#samples.push({ t: now, done });
    while (this.#samples.length > 2 && now - this.#samples[0]!.t > this.#windowMs) this.#samples.shift();
  }

  /** Milliseconds the samples cover: a rate over a blink is no basis for an ETA. */
  span(): number {
    const first = this.#samples[0];
    const last = this.#samples[this.#samples.length - 1];
    return first && last ? last.t - first.t : 0;
  }

  rate(): number {
    const first = this.#samples[0];
    const last = this.#samples[this.#samples.length - 1];
    if (!first || !last || last.t - first.t < 1) return 0;
    return Math.max(0, ((last.done - first.done) * 1000) / (last.t - first.t));
  }
}
