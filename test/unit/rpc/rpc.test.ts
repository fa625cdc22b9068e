/** The shared request/cancel/event layer, over an in-memory channel that clones like postMessage. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '../../../src/domain/errors.ts';
import { RpcCaller } from '../../../src/rpc/caller.ts';
import { decodeEventFrame, encodeEventFrame, EventRouter } from '../../../src/rpc/events.ts';
import { RpcResponder, type CallContext } from '../../../src/rpc/responder.ts';
import { parseRpcRequest, type RpcReply, type RpcRequest } from '../../../src/rpc/wire.ts';

type Work = (args: unknown, ctx: CallContext) => Promise<unknown>;

/** A caller and a responder joined by an asynchronous, cloning channel; `sent` records every request. */
function channel(work: Work, opts: { explain?: (err: unknown) => unknown } = {}) {
  const sent: RpcRequest[] = [];
  const replies: RpcReply[] = [];
  const responder = new RpcResponder((reply) => {
    replies.push(reply);
    const copy = structuredClone(reply);
    setImmediate(() => void caller.handle(copy));
  });
  const deliver = (raw: unknown): void => {
    const msg = parseRpcRequest(structuredClone(raw));
    assert.ok(msg, `a well-formed request: ${JSON.stringify(raw)}`);
    sent.push(msg);
    setImmediate(() => {
      if (msg.type === 'cancel') responder.cancel(msg.id);
      else void responder.serve(msg.id, (ctx) => work(msg.args, ctx), opts);
    });
  };
  const caller = new RpcCaller((id) => deliver({ type: 'cancel', id }));
  const call = <R>(args: unknown, o: Parameters<RpcCaller['call']>[1] = {}): Promise<R> =>
    caller.call<R>((id) => deliver({ type: 'call', id, method: 'm', args }), o);
  return { caller, responder, call, sent, replies };
}

const later = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves when `signal` aborts, then throws as a cancelled task does. */
function untilAborted(signal: AbortSignal): Promise<never> {
  return new Promise((_resolve, reject) =>
    signal.addEventListener('abort', () => reject(new DOMException('stopped', 'AbortError')), { once: true }),
  );
}

test('each answer goes to its own call, whatever order they come back in', async () => {
  const { call, caller } = channel(async (args) => {
    const { value, wait } = args as { value: string; wait: number };
    await later(wait);
    return { echo: value };
  });
  const [slow, fast] = await Promise.all([
    call<{ echo: string }>({ value: 'slow', wait: 30 }),
    call<{ echo: string }>({ value: 'fast', wait: 0 }),
  ]);
  assert.deepEqual(slow, { echo: 'slow' });
  assert.deepEqual(fast, { echo: 'fast' });
  assert.equal(caller.size, 0, 'no call is left in the table');
});

test('an error keeps its code and details across the channel; others read as internal', async () => {
  const details = { remedy: 'label-more', jobs: ['a', 'b'] };
  const { call } = channel(async (args) => {
    if (args === 'api') throw new ApiError('precondition', 'Label at least two classes.', details);
    if (args === 'foreign') throw Object.assign(new Error('Not an ONNX file.'), { code: 'not_onnx' });
    throw new TypeError('x is undefined');
  });
  await assert.rejects(call('api'), (err: unknown) => {
    assert.ok(err instanceof ApiError);
    assert.equal(err.code, 'precondition');
    assert.equal(err.message, 'Label at least two classes.');
    assert.deepEqual(err.details, details);
    return true;
  });
  await assert.rejects(call('foreign'), (err: ApiError) => err.code === 'precondition');
  await assert.rejects(
    call('plain'),
    (err: ApiError) => err instanceof ApiError && err.code === 'internal' && err.message === 'x is undefined',
  );
});

test('the answering side can explain a failure before it is sent', async () => {
  const { call } = channel(
    async () => {
      throw new Error('SQLITE_READONLY');
    },
    { explain: (err) => new ApiError('read_only', `p.incept is read-only (${(err as Error).message}).`) },
  );
  await assert.rejects(
    call(null),
    (err: ApiError) => err.code === 'read_only' && /SQLITE_READONLY/.test(err.message),
  );
});

test('progress reaches only the call it belongs to', async () => {
  const { call } = channel(async (args, ctx) => {
    for (let i = 1; i <= 3; i++) ctx.progress({ who: args, done: i });
    return args;
  });
  const a: unknown[] = [];
  const b: unknown[] = [];
  await Promise.all([
    call('a', { onProgress: (p) => a.push(p) }),
    call('b', { onProgress: (p) => b.push(p) }),
  ]);
  assert.deepEqual(
    a,
    [1, 2, 3].map((done) => ({ who: 'a', done })),
  );
  assert.deepEqual(
    b,
    [1, 2, 3].map((done) => ({ who: 'b', done })),
  );
});

test('cancelling stops the work on the other side and ends the call as cancelled', async () => {
  let sawAbort = false;
  const { call, sent, responder, caller } = channel(async (_args, ctx) => {
    ctx.progress('started');
    await untilAborted(ctx.signal).catch((err: unknown) => {
      sawAbort = true;
      throw err;
    });
  });
  const controller = new AbortController();
  const progress: unknown[] = [];
  let started!: () => void;
  const running = new Promise<void>((resolve) => (started = resolve));
  const pending = call(null, {
    signal: controller.signal,
    onProgress: (p) => {
      progress.push(p);
      started();
    },
  });
  await running;
  assert.equal(responder.size, 1);
  controller.abort();
  await assert.rejects(pending, (err: ApiError) => {
    assert.ok(err instanceof ApiError);
    assert.equal(err.code, 'cancelled');
    assert.equal(err.name, 'AbortError', 'reads as an abort, like the signal that caused it');
    return true;
  });
  assert.ok(sawAbort, 'the work saw its signal abort');
  assert.deepEqual(
    sent.map((m) => m.type),
    ['call', 'cancel'],
  );
  assert.deepEqual(progress, ['started']);
  assert.equal(caller.size, 0);
  assert.equal(responder.size, 0);
});

test('after cancelling, progress is no longer passed on, and a late reply is ignored', async () => {
  const replies: unknown[] = [];
  const caller = new RpcCaller(() => {});
  const controller = new AbortController();
  const progress: unknown[] = [];
  const pending = caller.call((id) => replies.push(id), {
    signal: controller.signal,
    onProgress: (p) => progress.push(p),
  });
  const id = replies[0] as number;
  assert.equal(caller.handle({ type: 'progress', id, progress: 1 }), true);
  controller.abort();
  caller.handle({ type: 'progress', id, progress: 2 });
  assert.equal(
    caller.handle({ type: 'error', id, error: { code: 'cancelled', message: 'Cancelled.' } }),
    true,
  );
  await assert.rejects(pending, (err: ApiError) => err.code === 'cancelled');
  // The other side finished just as the cancel arrived and answers again: nothing happens.
  assert.equal(caller.handle({ type: 'result', id, result: 'late' }), false);
  assert.equal(caller.handle({ type: 'progress', id, progress: 3 }), false);
  assert.deepEqual(progress, [1]);
});

test('a call whose signal is already aborted is not sent at all', async () => {
  const { call, sent } = channel(async () => 'ran');
  await assert.rejects(
    call(null, { signal: AbortSignal.abort() }),
    (err: ApiError) => err.code === 'cancelled',
  );
  await later(10);
  assert.deepEqual(sent, []);
});

test('a broken channel fails every call in flight; their late answers are dropped', async () => {
  const ids: number[] = [];
  const caller = new RpcCaller(() => {});
  const a = caller.call((id) => ids.push(id));
  const b = caller.call((id) => ids.push(id));
  caller.failAll(new ApiError('unavailable', 'The compute process stopped.'));
  for (const p of [a, b]) await assert.rejects(p, (err: ApiError) => err.code === 'unavailable');
  assert.equal(caller.handle({ type: 'result', id: ids[0], result: 'late' }), false);
  assert.equal(caller.size, 0);
});

test('a request that cannot be sent fails at once with the transport error', async () => {
  const caller = new RpcCaller(() => {});
  await assert.rejects(
    caller.call(() => {
      throw new ApiError('unavailable', 'The compute process is not reachable.');
    }),
    (err: ApiError) => err.code === 'unavailable',
  );
  assert.equal(caller.size, 0);
});

test('malformed and unknown messages are not taken for answers', () => {
  const caller = new RpcCaller(() => {});
  void caller.call(() => {});
  for (const junk of [
    null,
    'result',
    { type: 'result' },
    { type: 'result', id: 0, result: 1 },
    { type: 'result', id: 1.5, result: 1 },
    { type: 'error', id: 1, error: { message: 'no code' } },
    { type: 'bogus', id: 1 },
    { type: 'result', id: 99, result: 'nobody asked' },
  ])
    assert.equal(caller.handle(junk), false, JSON.stringify(junk));
  assert.equal(caller.size, 1);
});

test('a result the transport cannot carry is answered with an error instead of never', async () => {
  const sent: RpcReply[] = [];
  const responder = new RpcResponder((reply) => {
    structuredClone(reply);
    sent.push(reply);
  });
  await responder.serve(7, async () => ({ callback: () => 1 }));
  assert.equal(sent.length, 1);
  const reply = sent[0]!;
  assert.ok(
    reply.type === 'error' && reply.id === 7 && reply.error.code === 'internal',
    JSON.stringify(reply),
  );
});

test('events reach their listeners; a throwing listener does not stop the others', () => {
  const failures: string[] = [];
  const router = new EventRouter<{ 'job.progress': { done: number }; other: string }>((event) =>
    failures.push(String(event)),
  );
  const got: number[] = [];
  router.on('job.progress', () => {
    throw new Error('listener bug');
  });
  const off = router.on('job.progress', (p) => got.push(p.done));
  router.on('other', () => got.push(-1));
  router.emit('job.progress', { done: 1 });
  off();
  router.emit('job.progress', { done: 2 });
  assert.deepEqual(got, [1]);
  assert.deepEqual(failures, ['job.progress', 'job.progress']);
});

test('an event frame holds one event or several in order; junk reads as none', () => {
  const one = { event: 'a', payload: { x: 1 } };
  const two = { event: 'b', payload: null };
  assert.deepEqual(JSON.parse(encodeEventFrame([one])), one);
  assert.deepEqual(decodeEventFrame(encodeEventFrame([one])), [one]);
  assert.deepEqual(decodeEventFrame(encodeEventFrame([one, two])), [one, two]);
  assert.deepEqual(decodeEventFrame('not json'), []);
  assert.deepEqual(decodeEventFrame('[{"payload":1},{"event":"c"}]'), [{ event: 'c' }]);
});
