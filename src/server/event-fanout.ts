import type { WebSocket } from 'ws';
import { encodeEventFrame, type EventMessage } from '../rpc/events.ts';

/**
 * Under a stream of events, frames go out at most this often: 20 a second is instant to a
 * person and keeps 300 listeners from costing the writer. An event after a quiet spell goes
 * out on the next turn of the event loop.
 */
const MIN_FLUSH_INTERVAL_MS = 50;
/** Sockets written per turn of the event loop, so requests interleave with a large fan-out. */
const SOCKETS_PER_TURN = 64;
/** A listener this far behind is cut off rather than let its queue grow without bound. */
const MAX_BUFFERED_BYTES = 16 * 1024 * 1024;

/**
 * Forwards core events to WebSocket listeners without costing the code that emits them: an
 * event is only queued; on a later turn of the event loop (at most every
 * MIN_FLUSH_INTERVAL_MS) everything queued becomes one frame (a single event object, or an
 * array of them in order), serialised once and written to the sockets in slices. A writer
 * emitting a thousand events a second to 300 listeners thus pays for one array push each, and
 * each listener gets 20 frames a second instead of a thousand.
 */
export class EventFanout {
  readonly #sockets: ReadonlySet<WebSocket>;
  #pending: EventMessage[] = [];
  #scheduled: { cancel(): void } | null = null;
  #lastFlush = -Infinity;
  #closed = false;

  constructor(sockets: ReadonlySet<WebSocket>) {
    this.#sockets = sockets;
  }

  push(event: string, payload: unknown): void {
    if (this.#closed || this.#sockets.size === 0) return;
    this.#pending.push({ event, payload });
    if (this.#scheduled) return;
    const wait = this.#lastFlush + MIN_FLUSH_INTERVAL_MS - performance.now();
    if (wait <= 0) {
      const handle = setImmediate(() => this.#flush());
      this.#scheduled = { cancel: () => clearImmediate(handle) };
    } else {
      const handle = setTimeout(() => this.#flush(), wait);
      this.#scheduled = { cancel: () => clearTimeout(handle) };
    }
  }

  close(): void {
    this.#closed = true;
    this.#scheduled?.cancel();
    this.#pending = [];
  }

  #flush(): void {
    this.#scheduled = null;
    this.#lastFlush = performance.now();
    const batch = this.#pending;
    this.#pending = [];
    if (batch.length === 0 || this.#closed) return;
    const frame = Buffer.from(encodeEventFrame(batch));
    this.#sendSlice([...this.#sockets], 0, frame);
  }

  #sendSlice(targets: WebSocket[], from: number, frame: Buffer): void {
    const end = Math.min(targets.length, from + SOCKETS_PER_TURN);
    for (let i = from; i < end; i++) {
      const ws = targets[i]!;
      if (ws.readyState !== ws.OPEN) continue;
      if (ws.bufferedAmount > MAX_BUFFERED_BYTES) {
        ws.terminate();
        continue;
      }
      ws.send(frame, { binary: false });
    }
    if (end < targets.length && !this.#closed) setImmediate(() => this.#sendSlice(targets, end, frame));
  }
}
