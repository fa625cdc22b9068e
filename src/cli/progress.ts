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
    // The job's last event names its outcome ("succeeded"); the command prints the result itself.
    if (FINAL_PHASES.has(p.phase)) return;
    const columns = this.#stream.columns ?? 80;
    const width = Math.max(10, Math.min(40, columns - 60));
    const frac = p.total ? Math.min(1, p.done / p.total) : 0;
    const bar = p.total ? ` ${'█'.repeat(Math.round(frac * width)).padEnd(width, '░')}` : '';
    const count = p.total ? ` ${p.done}/${p.total}` : p.done > 0 ? ` ${p.done}` : '';
    const rate = p.rate > 0 ? ` ${p.rate.toFixed(p.rate < 10 ? 1 : 0)}/s` : '';
    const eta = p.etaSeconds !== null ? ` ETA ${formatDuration(p.etaSeconds)}` : '';
    // A line wider than the terminal wraps, and clearing "the line" would then leave its start behind.
    const line = `${p.phase}${bar}${count}${rate}${eta}`;
    const fitted = line.length < columns ? line : `${line.slice(0, Math.max(1, columns - 2))}…`;
    this.#stream.write(`\r\x1b[2K${fitted}`);
    this.#drawn = true;
  }

  finish(): void {
    if (this.#drawn) this.#stream.write('\r\x1b[2K');
    this.#drawn = false;
  }
}

const FINAL_PHASES: ReadonlySet<string> = new Set(['succeeded', 'failed', 'cancelled']);

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}
