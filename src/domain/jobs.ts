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

/** What a job's work sees: its cancel signal and a way to report progress. */
export interface JobContext {
  signal: AbortSignal;
  /** Report progress; throttled before it reaches the event bus. */
  progress(update: {
    done: number;
    total?: number | null;
    phase?: string;
    /** What done/total count; a new phase without one counts its kind's usual unit. */
    unit?: string | null;
    /** False where the units cost very different times (export steps): no ETA is better than a wrong one. */
    eta?: boolean;
    counters?: Record<string, number>;
  }): void;
  /** Throws an ApiError('cancelled') when the job was cancelled. Call between units of work. */
  throwIfCancelled(): void;
}
