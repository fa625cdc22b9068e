/**
 * Main's handle on the compute process: numbered requests, events, and the process's life.
 * A crash fails the requests in flight with a readable `unavailable` error, is reported as a
 * typed event, and is followed by a restart that reopens the project that was open, unless it
 * keeps crashing. Electron-free: the process comes from an injected `spawn`.
 */
import type { EventName, Events } from '../src/api/contract.ts';
import { ApiError } from '../src/domain/errors.ts';
import { RpcCaller } from '../src/rpc/caller.ts';
import {
  describeCrash,
  isImageBytes,
  parseFromCompute,
  type ComputeEnd,
  type ComputeStatus,
  type FromCompute,
  type ToCompute,
} from './compute-process-protocol.ts';
import type { ImageBytes } from './image-protocol.ts';

export interface ProcessEnd {
  code: number | null;
  signal: string | null;
  /** Why it ended, when the platform says (Electron's child-process-gone reason). */
  reason?: string | undefined;
}

/** One running compute process, however it was started. */
export interface ComputeConnection {
  readonly pid: number | null;
  post(msg: ToCompute): void;
  onMessage(listener: (msg: unknown) => void): void;
  onEnd(listener: (end: ProcessEnd) => void): void;
  kill(): void;
}

export type SpawnCompute = () => ComputeConnection;

export interface SupervisorOptions {
  spawn: SpawnCompute;
  onEvent?: <E extends EventName>(event: E, payload: Events[E]) => void;
  onStatus?: (status: ComputeStatus) => void;
  /** Typed exit/crash events. */
  onEnd?: (end: ComputeEnd) => void;
  /** Crashes tolerated within `crashWindowMs` before giving up (default 3 in 60 s). */
  maxCrashes?: number;
  crashWindowMs?: number;
  restartDelayMs?: number;
  readyTimeoutMs?: number;
  shutdownTimeoutMs?: number;
}

export class ComputeSupervisor {
  readonly #opts: Required<Omit<SupervisorOptions, 'onEvent' | 'onStatus' | 'onEnd'>> &
    Pick<SupervisorOptions, 'onEvent' | 'onStatus' | 'onEnd'>;
  #conn: ComputeConnection | null = null;
  #ready: Promise<ComputeConnection> | null = null;
  readonly #calls = new RpcCaller();
  #projectPath: string | null = null;
  #crashTimes: number[] = [];
  #restarts = 0;
  #stopping = false;
  #ended: Promise<void> = Promise.resolve();

  constructor(opts: SupervisorOptions) {
    this.#opts = {
      maxCrashes: 3,
      crashWindowMs: 60_000,
      restartDelayMs: 250,
      readyTimeoutMs: 60_000,
      shutdownTimeoutMs: 5_000,
      ...opts,
    };
  }

  /** The project the compute process has open (followed through `project.changed`). */
  get projectPath(): string | null {
    return this.#projectPath;
  }

  get pid(): number | null {
    return this.#conn?.pid ?? null;
  }

  get restarts(): number {
    return this.#restarts;
  }

  /** Starts the process; resolves once it is ready. */
  async start(): Promise<void> {
    this.#stopping = false;
    this.#setReady(this.#launch(null));
    await this.#whenReady();
  }

  /** One API call. Rejects with an ApiError. */
  async call(method: string, args: unknown): Promise<unknown> {
    const conn = await this.#whenReady();
    return this.#request(conn, (id) => ({ type: 'call', id, method, args }));
  }

  /** Image bytes for `<id>/<variant>`. Rejects with an ApiError. */
  async image(rest: string): Promise<ImageBytes> {
    const conn = await this.#whenReady();
    const reply = await this.#request(conn, (id) => ({ type: 'image', id, rest }));
    if (!isImageBytes(reply)) throw new ApiError('internal', 'The compute process sent a malformed image.');
    return reply;
  }

  /** Asks the process to close its project and exit; kills it if it does not in time. */
  async stop(): Promise<void> {
    this.#stopping = true;
    const conn = this.#conn;
    if (!conn) return;
    const ended = this.#ended;
    try {
      conn.post({ type: 'shutdown' });
    } catch {
      conn.kill();
    }
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        conn.kill();
        resolve();
      }, this.#opts.shutdownTimeoutMs);
    });
    await Promise.race([ended, timeout]);
    clearTimeout(timer);
    await ended;
  }

  // -------------------------------------------------------------------------------------------

  #setReady(promise: Promise<ComputeConnection>): void {
    // Nobody may be waiting yet; a failure is seen by the next caller, not as an unhandled rejection.
    promise.catch(() => {});
    this.#ready = promise;
  }

  /** The ready connection, following restarts that happen while waiting. */
  async #whenReady(): Promise<ComputeConnection> {
    for (;;) {
      const current = this.#ready;
      if (!current) throw new ApiError('unavailable', 'The compute process has not been started.');
      try {
        return await current;
      } catch (err) {
        if (this.#ready !== current) continue;
        throw ApiError.from(err);
      }
    }
  }

  #launch(reopen: string | null): Promise<ComputeConnection> {
    this.#opts.onStatus?.({ state: 'starting' });
    let resolveEnded!: () => void;
    this.#ended = new Promise((resolve) => (resolveEnded = resolve));
    const conn = this.#opts.spawn();
    return new Promise<ComputeConnection>((resolve, reject) => {
      let ready = false;
      const timer = setTimeout(() => {
        reject(
          new ApiError(
            'unavailable',
            `The compute process did not start within ${Math.round(this.#opts.readyTimeoutMs / 1000)} s.`,
          ),
        );
        conn.kill();
      }, this.#opts.readyTimeoutMs);
      conn.onMessage((raw) => {
        const msg = parseFromCompute(raw);
        if (!msg) return;
        if (msg.type === 'ready') {
          if (ready) return;
          ready = true;
          clearTimeout(timer);
          this.#conn = conn;
          void this.#reopen(conn, reopen).then(() => {
            this.#opts.onStatus?.({ state: 'ready', pid: msg.pid, restarts: this.#restarts });
            resolve(conn);
          });
          return;
        }
        this.#onMessage(msg);
      });
      conn.onEnd((end) => {
        clearTimeout(timer);
        resolveEnded();
        if (!ready) {
          reject(
            new ApiError(
              'unavailable',
              `The compute process stopped while starting (${describeCrash(end.code, end.signal, end.reason)}).`,
            ),
          );
        }
        this.#onEnd(conn, end);
      });
    });
  }

  /** After a crash, the project that was open is opened again before anyone else is served. */
  async #reopen(conn: ComputeConnection, path: string | null): Promise<void> {
    if (!path) return;
    try {
      await this.#request(conn, (id) => ({ type: 'call', id, method: 'project.open', args: { path } }));
    } catch (err) {
      this.#projectPath = null;
      this.#opts.onStatus?.({ state: 'reopen-failed', path, error: ApiError.from(err).toJSON() });
    }
  }

  #request(conn: ComputeConnection, make: (id: number) => ToCompute): Promise<unknown> {
    return this.#calls.call((id) => {
      try {
        conn.post(make(id));
      } catch (err) {
        throw new ApiError('unavailable', `The compute process is not reachable: ${(err as Error).message}`);
      }
    });
  }

  #onMessage(msg: Exclude<FromCompute, { type: 'ready' }>): void {
    if (msg.type === 'event') {
      if (msg.event === 'project.changed') {
        this.#projectPath = (msg.payload as Events['project.changed']).project?.path ?? null;
      }
      this.#opts.onEvent?.(msg.event, msg.payload);
      return;
    }
    this.#calls.handle(msg);
  }

  #onEnd(conn: ComputeConnection, end: ProcessEnd): void {
    if (this.#conn === conn) this.#conn = null;
    const pid = conn.pid;
    if (this.#stopping) {
      this.#failPending(new ApiError('unavailable', 'Incept is shutting down.'));
      this.#opts.onEnd?.({ type: 'exit', pid, code: end.code, signal: end.signal });
      this.#opts.onStatus?.({ state: 'stopped' });
      this.#setReady(Promise.reject(new ApiError('unavailable', 'Incept is shutting down.')));
      return;
    }
    const reason = describeCrash(end.code, end.signal, end.reason);
    const now = Date.now();
    this.#crashTimes = [...this.#crashTimes.filter((t) => now - t < this.#opts.crashWindowMs), now];
    const restarting = this.#crashTimes.length <= this.#opts.maxCrashes;
    const crash = { type: 'crash', pid, code: end.code, signal: end.signal, reason } as const;
    this.#failPending(
      new ApiError(
        'unavailable',
        restarting
          ? `The compute process stopped unexpectedly (${reason}); it is being restarted. Try again in a moment.`
          : `The compute process keeps stopping (${reason}). Quit and start Incept again.`,
      ),
    );
    this.#opts.onEnd?.(crash);
    this.#opts.onStatus?.({ state: 'crashed', crash, restarting });
    if (!restarting) {
      this.#setReady(
        Promise.reject(
          new ApiError(
            'unavailable',
            `The compute process keeps stopping (${reason}). Quit and start Incept again.`,
          ),
        ),
      );
      return;
    }
    this.#restarts += 1;
    const reopen = this.#projectPath;
    this.#setReady(
      new Promise<void>((resolve) => setTimeout(resolve, this.#opts.restartDelayMs)).then(() =>
        this.#launch(reopen),
      ),
    );
  }

  #failPending(err: ApiError): void {
    this.#calls.failAll(err);
  }
}
