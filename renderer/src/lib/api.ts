/**
 * The renderer's only door to the backend. Inside Electron the preload exposes `window.incept`
 * (IPC); in browser mode the same interface goes over HTTP + WebSocket to `incept serve`.
 */
import type {
  Api,
  EventName,
  Events,
  MethodArgs,
  MethodName,
  MethodResult,
} from '../../../src/api/contract.ts';
import type { ApiErrorShape } from '../../../src/domain/errors.ts';
import { readErrorShape } from '../../../src/rpc/errors.ts';
import { decodeEventFrame, EventRouter } from '../../../src/rpc/events.ts';

export type { Api };

declare global {
  interface Window {
    incept?: Api;
  }
}

/** An error from the backend, with its stable code and readable message. */
export class RemoteError extends Error {
  readonly code: string;
  /** Machine-readable extras: the remedy a message's way out is worded from, the jobs a project switch would stop. */
  readonly details: unknown;
  constructor(shape: ApiErrorShape) {
    super(shape.message);
    this.name = 'RemoteError';
    this.code = shape.code;
    this.details = shape.details;
  }
}

/** `unauthorized`: the server answers, but not to this page's token (it restarted with a new one). */
export type ConnectionState = 'connecting' | 'open' | 'closed' | 'unauthorized';

export function createApi(): Api & { connection?: HttpApi['connection'] } {
  return window.incept ?? new HttpApi(location.origin, new URLSearchParams(location.search).get('token'));
}

export class HttpApi implements Api {
  readonly #base: string;
  readonly #token: string | null;
  readonly #events = new EventRouter<Events>();
  #socket: WebSocket | null = null;
  #retryMs = 250;
  connection = observable<ConnectionState>('connecting');

  constructor(base: string, token: string | null) {
    this.#base = base;
    this.#token = token;
    this.#connect();
  }

  async call<M extends MethodName>(method: M, args: MethodArgs<M>): Promise<MethodResult<M>> {
    const headers: Record<string, string> = { 'Content-Type': 'application/json' };
    if (this.#token) headers.Authorization = `Bearer ${this.#token}`;
    let res: Response;
    try {
      res = await fetch(`${this.#base}/api/${method}`, {
        method: 'POST',
        headers,
        body: JSON.stringify(args ?? {}),
        credentials: 'same-origin',
      });
    } catch {
      throw new RemoteError({
        code: 'unavailable',
        message: 'The Incept server is not reachable. Is "incept serve" still running?',
      });
    }
    const body = (await res.json().catch(() => null)) as { result?: unknown; error?: unknown } | null;
    if (!res.ok || !body || body.error) {
      throw new RemoteError(
        readErrorShape(body?.error) ?? { code: 'internal', message: `HTTP ${res.status} from ${method}` },
      );
    }
    return body.result as MethodResult<M>;
  }

  on<E extends EventName>(event: E, listener: (payload: Events[E]) => void): () => void {
    return this.#events.on(event, listener);
  }

  /** Events arrive over a WebSocket that reconnects with backoff when the server restarts. */
  #connect(): void {
    const url = new URL('/ws', this.#base.replace(/^http/, 'ws'));
    if (this.#token) url.searchParams.set('token', this.#token);
    const ws = new WebSocket(url);
    this.#socket = ws;
    this.connection.set('connecting');
    ws.onopen = () => {
      this.#retryMs = 250;
      this.connection.set('open');
    };
    ws.onmessage = (msg) => {
      // The server sends the events of one moment together, in order.
      for (const m of decodeEventFrame(String(msg.data)))
        this.#events.emit(m.event as EventName, m.payload as never);
    };
    ws.onclose = () => {
      if (this.#socket !== ws) return;
      // A refused WebSocket looks the same whether the server is down or refuses the token:
      // ask once over HTTP, so a stale token is named at once instead of "reconnecting" forever.
      void this.#tokenRefused().then((refused) => {
        if (this.#socket !== ws) return;
        this.connection.set(refused ? 'unauthorized' : 'closed');
        setTimeout(() => this.#connect(), this.#retryMs);
        this.#retryMs = Math.min(5000, this.#retryMs * 2);
      });
    };
  }

  async #tokenRefused(): Promise<boolean> {
    const headers: Record<string, string> = { 'Content-Type': 'application/json' };
    if (this.#token) headers.Authorization = `Bearer ${this.#token}`;
    try {
      const res = await fetch(`${this.#base}/api/app.info`, {
        method: 'POST',
        headers,
        body: '{}',
        credentials: 'same-origin',
      });
      return res.status === 401;
    } catch {
      return false;
    }
  }
}

/** A tiny observable value, so plain TS can expose state that components subscribe to. */
export interface Observable<T> {
  get(): T;
  set(value: T): void;
  subscribe(fn: (value: T) => void): () => void;
}

function observable<T>(initial: T): Observable<T> {
  let value = initial;
  const subs = new Set<(value: T) => void>();
  return {
    get: () => value,
    set: (v) => {
      value = v;
      for (const s of subs) s(v);
    },
    subscribe: (fn) => {
      subs.add(fn);
      fn(value);
      return () => subs.delete(fn);
    },
  };
}
