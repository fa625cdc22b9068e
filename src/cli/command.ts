import type { ParseArgsConfig } from 'node:util';
import type { JobInfo, MethodArgs, MethodName, MethodResult } from '../api/contract.ts';
import type { Core } from '../core.ts';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;
export type ParsedValues = Record<string, string | boolean | (string | boolean)[] | undefined>;

export interface CliContext {
  core: Core;
  /** Calls the same handlers as every other transport (arguments validated by the contract). */
  call<M extends MethodName>(method: M, args: MethodArgs<M>): Promise<MethodResult<M>>;
  /** Opens the project named on the command line (the first positional argument). */
  openProject(path: string | undefined): Promise<void>;
  /** Waits for a job, drawing a progress bar on a TTY; throws the job's error if it failed. */
  waitForJob(jobId: string): Promise<JobInfo>;
  json: boolean;
}

export interface CliOutput {
  /** What `--json` prints. */
  json: unknown;
  /** What a person reads. */
  text: string;
  /** The process's exit code when the command ran but its outcome is a failure (default 0). */
  exitCode?: number;
}

export interface CliCommand {
  name: string;
  summary: string;
  /** e.g. "incept import <project> <folder> [--labels-from-folders]" */
  usage: string;
  options?: OptionSpec;
  run(ctx: CliContext, positionals: string[], values: ParsedValues): Promise<CliOutput>;
}

/** Reads a numeric option strictly: "--epochs ten" is an error, not NaN. */
export function numberOption(values: ParsedValues, name: string): number | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (typeof raw !== 'string' || raw.trim() === '' || !Number.isFinite(n)) {
    throw new CliUsageError(`--${name} needs a number, got ${JSON.stringify(raw)}`);
  }
  return n;
}

export function stringOption(values: ParsedValues, name: string): string | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string') throw new CliUsageError(`--${name} needs a value`);
  return raw;
}

export function requirePositional(positionals: string[], index: number, what: string): string {
  const v = positionals[index];
  if (v === undefined) throw new CliUsageError(`missing ${what}`);
  return v;
}

/** Wrong command-line usage: exit code 2 with one line. */
export class CliUsageError extends Error {
  override name = 'CliUsageError';
}

/**
 * Columns padded to their widest cell: numbers to the right, text to the left. With
 * `numericColumns`, a header over numbers is right-aligned too, so it sits above them.
 */
export function table(
  rows: (string | number)[][],
  opts: { numericColumns?: (col: number) => boolean } = {},
): string {
  const widths: number[] = [];
  for (const row of rows)
    row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, String(cell).length)));
  return rows
    .map((row) =>
      row
        .map((cell, i) =>
          typeof cell === 'number' || opts.numericColumns?.(i)
            ? String(cell).padStart(widths[i]!)
            : String(cell).padEnd(widths[i]!),
        )
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
