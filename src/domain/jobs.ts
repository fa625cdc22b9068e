/**
 * Background jobs: their kinds, progress and outcome.
 */
import type { ApiErrorShape } from './errors.ts';

export type JobKind =
  'import' | 'rescan' | 'dataset-export' | 'features' | 'train' | 'export' | 'model-download' | 'map-layout';
export type JobStatus = 'running' | 'succeeded' | 'failed' | 'cancelled';

export interface JobProgress {
  jobId: string;
  kind: JobKind;
  /** What the job is doing now, in words ("hashing", "epoch 3 of 40"). */
  phase: string;
  /** What `done` and `total` count in this phase ("files", "images", "epochs", "bytes"); null: nothing to count. */
  unit: string | null;
  done: number;
  total: number | null;
  /** Items per second over the recent window. */
  rate: number;
  etaSeconds: number | null;
  /** Kind-specific counters (seen, imported, skipped, failed, loss, ...). */
  counters: Record<string, number>;
}

export interface JobInfo {
  id: string;
  kind: JobKind;
  status: JobStatus;
  startedAt: string;
  finishedAt: string | null;
  progress: JobProgress;
  error: ApiErrorShape | null;
  result: unknown;
}

export interface JobStarted {
  jobId: string;
}
