/** Human-readable numbers for the UI; plain functions so they are tested without a DOM. */

const intFormat = new Intl.NumberFormat('en-US');

export function formatCount(n: number): string {
  return intFormat.format(Math.round(n)).replace(/,/g, '\u202f');
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${formatCount(n)} ${n === 1 ? one : many}`;
}

export function formatPercent(fraction: number | null | undefined, digits = 1): string {
  if (fraction === null || fraction === undefined || !Number.isFinite(fraction)) return '—';
  return `${(fraction * 100).toFixed(digits)}%`;
}

export function formatRate(perSecond: number, unit = 'items'): string {
  if (!Number.isFinite(perSecond) || perSecond <= 0) return '';
  const n = perSecond >= 100 ? Math.round(perSecond).toString() : perSecond.toFixed(perSecond >= 10 ? 0 : 1);
  return `${n} ${unit}/s`;
}

/** "45 s", "3 min 05 s", "2 h 10 min"; empty when unknown. */
export function formatEta(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return '';
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${String(s % 60).padStart(2, '0')} s`;
  const h = Math.floor(m / 60);
  return `${h} h ${String(m % 60).padStart(2, '0')} min`;
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return formatEta(ms / 1000);
}

/** Decimal units (1 MB = 1 000 000 bytes), as the backend's messages and file managers write them. */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '—';
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let v = bytes;
  let u = 0;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${u === 0 ? v : v.toFixed(v >= 10 ? 0 : 1)} ${units[u]}`;
}

/** Progress as a fraction 0..1, or null when the total is unknown. */
export function progressFraction(done: number, total: number | null): number | null {
  if (total === null || total <= 0) return null;
  return Math.max(0, Math.min(1, done / total));
}

export function formatDate(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}
