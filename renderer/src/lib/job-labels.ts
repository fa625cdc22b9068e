import type { JobKind, JobProgress } from '../../../src/api/contract.ts';
import { formatBytes, formatCount, formatEta, formatRate } from './format.ts';

export const JOB_TITLES: Record<JobKind, string> = {
  import: 'Import',
  rescan: 'Rescan',
  'dataset-export': 'Dataset export',
  features: 'Features',
  train: 'Training',
  export: 'Model export',
  'model-download': 'Model download',
  'map-layout': 'Map layout',
};

/**
 * "1 200 / 5 000 files · 340 files/s · 12 s left" for a progress event, in the unit of the
 * phase the job is in (a one-click Train counts images, then epochs); empty for a phase that
 * counts nothing ("looking for near-duplicates"), whose name says it all.
 */
export function describeProgress(p: JobProgress): string {
  const unit = p.unit;
  if (unit === null) return '';
  const bytes = unit === 'bytes';
  const fmt = (n: number): string => (bytes ? formatBytes(n) : formatCount(n));
  const parts: string[] = [];
  parts.push(
    p.total !== null
      ? `${fmt(p.done)} / ${fmt(p.total)}${bytes ? '' : ` ${unit}`}`
      : `${fmt(p.done)}${bytes ? '' : ` ${unit}`}`,
  );
  const rate = bytes ? (p.rate > 0 ? `${formatBytes(Math.round(p.rate))}/s` : '') : formatRate(p.rate, unit);
  if (rate) parts.push(rate);
  const eta = formatEta(p.etaSeconds);
  if (eta) parts.push(`${eta} left`);
  return parts.join(' · ');
}
