import type { WebSocket } from 'ws';

/** Sockets written per turn of the event loop, so requests interleave with a large fan-out. */
const SOCKETS_PER_TURN = 64;
/** A listener this far behind is cut off rather than let its queue grow without bound. */
const MAX_BUFFERED_BYTES = 16 * 1024 * 1024;

/**
 * Forwards core events to WebSocket listeners without costing the code that emits them: an
 * event is only queued; once per turn of the event loop everything queued becomes one frame
 * (a single event object, or an array of them in order), serialised once and written to the
 * sockets in slices. A writer emitting a thousand events a second to 300 listeners thus pays
 * for one array push each, and the listeners get a few frames instead of 300 000 writes.
 */
export class EventFanout {
  readonly #sockets: ReadonlySet<WebSocket>;
  #pending: { event: string; payload: unknown }[] = [];
  #scheduled: NodeJS.Immediate | null = null;
  #closed = false;

  constructor(sockets: ReadonlySet<WebSocket>) {
    this.#sockets = sockets;
  }

  push(event: string, payload: unknown): void {
    if (this.#closed || this.#sockets.size === 0) return;
    this.#pending.push({ event, payload });
    this.#scheduled ??= setImmediate(() => this.#flush());
  }

  close(): void {
    this.#closed = true;
    if (this.#scheduled) clearImmediate(this.#scheduled);
    this.#pending = [];
  }

  #flush(): void {
    this.#scheduled = null;
    const batch = this.#pending;
    this.#pending = [];
    if (batch.length === 0 || this.#closed) return;
    const frame = Buffer.from(JSON.stringify(batch.length === 1 ? batch[0] : batch));
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
