import type { JobProgress } from '../api/contract.ts';

/**
 * A one-line progress bar for a TTY (stderr). Nothing is drawn when stderr is not a TTY or
 * under --json, and nothing for work that ends within a second.
 */
export class ProgressBar {
  readonly #stream: NodeJS.WriteStream;
  readonly #enabled: boolean;
  readonly #startedAt = Date.now();
  #drawn = false;

  constructor(stream: NodeJS.WriteStream = process.stderr, enabled = stream.isTTY === true) {
    this.#stream = stream;
    this.#enabled = enabled;
  }

  update(p: JobProgress): void {
    if (!this.#enabled || Date.now() - this.#startedAt < 1000) return;
    const width = Math.max(10, Math.min(40, (this.#stream.columns ?? 80) - 60));
    const frac = p.total ? Math.min(1, p.done / p.total) : 0;
    const bar = p.total ? '█'.repeat(Math.round(frac * width)).padEnd(width, '░') : '';
    const count = p.total ? `${p.done}/${p.total}` : String(p.done);
    const rate = p.rate > 0 ? ` ${p.rate.toFixed(p.rate < 10 ? 1 : 0)}/s` : '';
    const eta = p.etaSeconds !== null ? ` ETA ${formatDuration(p.etaSeconds)}` : '';
    this.#stream.write(`\r\x1b[2K${p.phase} ${bar} ${count}${rate}${eta}`);
    this.#drawn = true;
  }

  finish(): void {
    if (this.#drawn) this.#stream.write('\r\x1b[2K');
    this.#drawn = false;
  }
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}
