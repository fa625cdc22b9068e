/**
 * Downloads the base model into the data folder: progress reports, resume of a `.part` file with
 * an HTTP Range request (also after a dropped connection, automatically), size and SHA-256
 * checks, cancel through an AbortSignal. Only a verified file is ever renamed to the final path.
 */
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ModelSource } from '../domain/model.ts';
import { ModelError, errorMessage } from './errors.ts';

/** A source (url, expected size and hash) plus the name the file gets in the data folder. */
export interface DownloadSource extends ModelSource {
  fileName: string;
}

/** The ONNX Model Zoo's BVLC GoogLeNet, opset 7 (Caffe → Caffe2 → ONNX). */
export const DEFAULT_MODEL_SOURCE: Readonly<DownloadSource> = Object.freeze({
  url: 'https://github.com/onnx/models/raw/main/validated/vision/classification/inception_and_googlenet/googlenet/model/googlenet-7.onnx',
  fileName: 'googlenet-7.onnx',
  bytes: 28020232,
  sha256: '5725ccfd90845735ce5897faf7843c3f9b13acda3c4f3bff82cb21c9337c9de8',
});

export interface DownloadProgress {
  /** Bytes on disk so far, including a resumed part. */
  bytes: number;
  total: number | null;
  /** Bytes per second over the current connection. */
  rate: number;
}

export interface DownloadOptions {
  url: string;
  /** Final path; the download grows in `${dest}.part` until it is verified. */
  dest: string;
  expectedBytes?: number | null;
  sha256?: string | null;
  onProgress?: (p: DownloadProgress) => void;
  signal?: AbortSignal;
  /** Reconnect attempts after a dropped connection, each resuming where it stopped. Default 3. */
  retries?: number;
  /** Abort a connection that delivers nothing for this long. Default 30 s. */
  stallTimeoutMs?: number;
  /** Delay before the first retry (doubles each time). Default 500 ms. */
  retryDelayMs?: number;
  /** Minimum interval between progress reports. Default 100 ms. */
  progressIntervalMs?: number;
}

export interface DownloadResult {
  path: string;
  bytes: number;
  sha256: string;
  /** True when bytes from an earlier attempt (a .part file) were reused. */
  resumed: boolean;
}

/** HTTP answers that retrying will not fix. */
class PermanentError extends Error {}

function cancelled(): ModelError {
  return new ModelError(
    'cancelled',
    'The download was cancelled. Start it again to resume where it stopped.',
  );
}

async function sizeOf(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}

async function hashFile(path: string, hash: Hash): Promise<void> {
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
}

/** Downloads `url` to `dest`, or returns at once when `dest` already holds the verified file. */
export async function downloadFile(opts: DownloadOptions): Promise<DownloadResult> {
  const { url, dest, signal } = opts;
  const expectedBytes = opts.expectedBytes ?? null;
  const expectedHash = opts.sha256?.toLowerCase() ?? null;
  const part = `${dest}.part`;
  await mkdir(dirname(dest), { recursive: true });

  if (expectedHash && (await sizeOf(dest)) > 0) {
    const h = createHash('sha256');
    await hashFile(dest, h);
    const digest = h.digest('hex');
    if (digest === expectedHash)
      return { path: dest, bytes: await sizeOf(dest), sha256: digest, resumed: false };
    // A wrong file at the final path would be taken for the model later: remove it now.
    await rm(dest, { force: true });
  }

  const retries = opts.retries ?? 3;
  let resumed = false;
  let lastError: unknown = null;
  for (let attempt = 0; attempt <= retries; attempt++) {
    if (signal?.aborted) throw cancelled();
    if (attempt > 0) {
      try {
        await sleep((opts.retryDelayMs ?? 500) * 2 ** (attempt - 1), undefined, signal ? { signal } : {});
      } catch {
        throw cancelled();
      }
    }
    try {
      const r = await fetchOnce(opts, part, expectedBytes);
      resumed ||= r.resumed;
      lastError = null;
      break;
    } catch (err) {
      if (signal?.aborted) throw cancelled();
      if (err instanceof ModelError) throw err;
      lastError = err;
      if (err instanceof PermanentError) break;
    }
  }
  if (lastError) {
    throw new ModelError(
      'download_failed',
      `Downloading ${url} failed: ${errorMessage(lastError)}. Check the connection and try again; the part already downloaded is kept.`,
      { cause: lastError },
    );
  }

  const size = await sizeOf(part);
  const hash = createHash('sha256');
  await hashFile(part, hash);
  const digest = hash.digest('hex');
  if (expectedBytes !== null && size !== expectedBytes) {
    await rm(part, { force: true });
    throw new ModelError(
      'checksum_mismatch',
      `The download from ${url} is ${size} bytes, expected ${expectedBytes}. It was removed; try again or check the URL.`,
    );
  }
  if (expectedHash && digest !== expectedHash) {
    await rm(part, { force: true });
    throw new ModelError(
      'checksum_mismatch',
      `The download from ${url} has SHA-256 ${digest}, expected ${expectedHash}. It was removed; try again or check the URL.`,
    );
  }
  await rename(part, dest);
  return { path: dest, bytes: size, sha256: digest, resumed };
}

/** One HTTP request, appending to the part file (or restarting it when the server ignores Range). */
async function fetchOnce(
  opts: DownloadOptions,
  part: string,
  expectedBytes: number | null,
): Promise<{ resumed: boolean }> {
  let have = await sizeOf(part);
  if (expectedBytes !== null && have > expectedBytes) {
    await rm(part, { force: true });
    have = 0;
  }
  if (expectedBytes !== null && have === expectedBytes) return { resumed: true };

  const controller = new AbortController();
  const onAbort = () => controller.abort();
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  const stallMs = opts.stallTimeoutMs ?? 30_000;
  let stall = setTimeout(() => controller.abort(), stallMs);
  const alive = () => {
    clearTimeout(stall);
    stall = setTimeout(() => controller.abort(), stallMs);
  };
  try {
    const headers: Record<string, string> = have > 0 ? { Range: `bytes=${have}-` } : {};
    const res = await fetch(opts.url, { headers, signal: controller.signal, redirect: 'follow' });
    if (res.status === 416 && have > 0) {
      // The part is already complete (or stale): let verification decide, or start over.
      await res.body?.cancel();
      if (expectedBytes === null) return { resumed: true };
      await rm(part, { force: true });
      throw new Error('the server refused to resume; restarting');
    }
    if (res.status !== 200 && res.status !== 206) {
      await res.body?.cancel();
      const msg = `the server answered HTTP ${res.status} ${res.statusText}`;
      throw res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429
        ? new PermanentError(msg)
        : new Error(msg);
    }
    const resuming = res.status === 206 && have > 0;
    if (res.status === 206) {
      const start = /bytes (\d+)-/.exec(res.headers.get('content-range') ?? '')?.[1];
      if (start !== undefined && Number(start) !== have) {
        await res.body?.cancel();
        await rm(part, { force: true });
        throw new Error(`the server resumed at byte ${start} instead of ${have}; restarting`);
      }
    }
    const length = Number(res.headers.get('content-length') ?? Number.NaN);
    const total = expectedBytes ?? (Number.isFinite(length) ? length + (resuming ? have : 0) : null);
    let written = resuming ? have : 0;
    const file = await open(part, resuming ? 'a' : 'w');
    const started = Date.now();
    let fromThisConnection = 0;
    let lastReport = 0;
    const report = (force: boolean) => {
      const now = Date.now();
      if (!force && now - lastReport < (opts.progressIntervalMs ?? 100)) return;
      lastReport = now;
      const seconds = Math.max((now - started) / 1000, 1e-3);
      opts.onProgress?.({ bytes: written, total, rate: fromThisConnection / seconds });
    };
    try {
      if (!res.body) throw new Error('the server sent no body');
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        alive();
        await file.write(chunk);
        written += chunk.length;
        fromThisConnection += chunk.length;
        if (total !== null && written > total) {
          throw new PermanentError(`the server sent more than the expected ${total} bytes`);
        }
        report(false);
      }
    } finally {
      await file.close();
    }
    report(true);
    if (total !== null && written < total)
      throw new Error(`the connection closed after ${written} of ${total} bytes`);
    return { resumed: resuming };
  } finally {
    clearTimeout(stall);
    opts.signal?.removeEventListener('abort', onAbort);
  }
}

export interface ModelDownloadOptions {
  source?: DownloadSource;
  onProgress?: (p: DownloadProgress) => void;
  signal?: AbortSignal;
  retries?: number;
}

/** Downloads the base model (by default the Model Zoo GoogLeNet) into `dataDir`. */
export async function downloadModel(
  dataDir: string,
  opts: ModelDownloadOptions = {},
): Promise<DownloadResult> {
  const source = opts.source ?? DEFAULT_MODEL_SOURCE;
  const download: DownloadOptions = {
    url: source.url,
    dest: join(dataDir, source.fileName),
    expectedBytes: source.bytes,
    sha256: source.sha256,
  };
  if (opts.onProgress) download.onProgress = opts.onProgress;
  if (opts.signal) download.signal = opts.signal;
  if (opts.retries !== undefined) download.retries = opts.retries;
  return downloadFile(download);
}
