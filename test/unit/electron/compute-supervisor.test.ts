import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ApiError } from '../../../src/domain/errors.ts';
import type { ComputeEnd, ComputeStatus, ToCompute } from '../../../electron/compute-process-protocol.ts';
import {
  ComputeSupervisor,
  type ComputeConnection,
  type ProcessEnd,
} from '../../../electron/compute-supervisor.ts';

/** An in-memory compute process whose answers the test scripts. */
class FakeProcess implements ComputeConnection {
  static nextPid = 1000;
  readonly pid = FakeProcess.nextPid++;
  readonly received: ToCompute[] = [];
  #onMessage: ((msg: unknown) => void) | null = null;
  #onEnd: ((end: ProcessEnd) => void) | null = null;
  ended = false;
  constructor(readonly answer: (msg: ToCompute, proc: FakeProcess) => void) {}
  post(msg: ToCompute): void {
    if (this.ended) throw new Error('gone');
    this.received.push(msg);
    queueMicrotask(() => this.answer(msg, this));
  }
  onMessage(l: (msg: unknown) => void): void {
    this.#onMessage = l;
  }
  onEnd(l: (end: ProcessEnd) => void): void {
    this.#onEnd = l;
  }
  emit(msg: unknown): void {
    this.#onMessage?.(msg);
  }
  end(end: ProcessEnd): void {
    if (this.ended) return;
    this.ended = true;
    this.#onEnd?.(end);
  }
  kill(): void {
    this.end({ code: null, signal: 'SIGKILL' });
  }
}

function harness(
  answer: (msg: ToCompute, proc: FakeProcess) => void,
  opts: { ready?: boolean; readyTimeoutMs?: number } = {},
) {
  const procs: FakeProcess[] = [];
  const ends: ComputeEnd[] = [];
  const statuses: ComputeStatus[] = [];
  const supervisor = new ComputeSupervisor({
    spawn: () => {
      const p = new FakeProcess(answer);
      procs.push(p);
      if (opts.ready !== false) setImmediate(() => p.emit({ type: 'ready', pid: p.pid }));
      return p;
    },
    onEnd: (e) => ends.push(e),
    onStatus: (s) => statuses.push(s),
    restartDelayMs: 1,
    maxCrashes: 2,
    shutdownTimeoutMs: 100,
    ...(opts.readyTimeoutMs ? { readyTimeoutMs: opts.readyTimeoutMs } : {}),
  });
  return { supervisor, procs, ends, statuses };
}

const echo = (msg: ToCompute, proc: FakeProcess): void => {
  if (msg.type === 'call') proc.emit({ type: 'result', id: msg.id, result: { method: msg.method } });
  if (msg.type === 'shutdown') proc.end({ code: 0, signal: null });
};

test('requests get their own answers; malformed messages are ignored', async () => {
  const { supervisor, procs } = harness((msg, proc) => {
    proc.emit({ type: 'result', id: 999_999, result: 'stray' });
    proc.emit({ nonsense: true });
    proc.emit({ type: 'event', event: 'not.an.event', payload: {} });
    echo(msg, proc);
  });
  await supervisor.start();
  const [a, b] = await Promise.all([supervisor.call('app.info', {}), supervisor.call('jobs.list', {})]);
  assert.deepEqual(a, { method: 'app.info' });
  assert.deepEqual(b, { method: 'jobs.list' });
  await supervisor.stop();
  assert.equal(procs.length, 1);
});

test('a crash fails the calls in flight with unavailable, reports a typed crash, and restarts', async () => {
  const { supervisor, procs, ends, statuses } = harness((msg, proc) => {
    // The first process dies on its first call; later ones answer.
    if (procs.indexOf(proc) === 0 && msg.type === 'call')
      return proc.end({ code: 134, signal: null, reason: 'crashed' });
    echo(msg, proc);
  });
  await supervisor.start();
  await assert.rejects(supervisor.call('app.info', {}), (err: ApiError) => {
    assert.equal(err.code, 'unavailable');
    assert.match(err.message, /stopped unexpectedly \(crashed\).*restarted/);
    return true;
  });
  assert.deepEqual(ends, [{ type: 'crash', pid: procs[0]!.pid, code: 134, signal: null, reason: 'crashed' }]);
  assert.deepEqual(await supervisor.call('app.info', {}), { method: 'app.info' });
  assert.equal(supervisor.restarts, 1);
  assert.deepEqual(
    statuses.map((s) => s.state),
    ['starting', 'ready', 'crashed', 'starting', 'ready'],
  );
  await supervisor.stop();
  assert.equal(ends.at(-1)?.type, 'exit');
});

test('a process that keeps crashing is given up on, with a message that says what to do', async () => {
  const { supervisor, procs, statuses } = harness((_msg, proc) => proc.end({ code: 1, signal: null }));
  await supervisor.start();
  for (let i = 0; i < 3; i++) await assert.rejects(supervisor.call('app.info', {}));
  await assert.rejects(supervisor.call('app.info', {}), (err: ApiError) => {
    assert.equal(err.code, 'unavailable');
    assert.match(err.message, /keeps stopping .*Quit and start Incept again/);
    return true;
  });
  assert.equal(procs.length, 3, 'two restarts, then no more');
  const last = statuses.at(-1);
  assert.ok(last?.state === 'crashed' && last.restarting === false, JSON.stringify(last));
});

test('a process that never says ready is killed after the timeout', async () => {
  const { supervisor, procs } = harness(echo, { ready: false, readyTimeoutMs: 50 });
  await assert.rejects(supervisor.start(), (err: ApiError) => err.code === 'unavailable');
  assert.ok(procs[0]!.ended);
  await supervisor.stop();
});

test('the open project is reopened after a restart, before anything else is served', async () => {
  let crashNext = false;
  const { supervisor, procs } = harness((msg, proc) => {
    if (crashNext) {
      crashNext = false;
      return proc.end({ code: null, signal: 'SIGSEGV' });
    }
    echo(msg, proc);
  });
  await supervisor.start();
  procs[0]!.emit({ type: 'event', event: 'project.changed', payload: { project: { path: '/p/a.incept' } } });
  assert.equal(supervisor.projectPath, '/p/a.incept');
  crashNext = true;
  await assert.rejects(supervisor.call('jobs.list', {}));
  await supervisor.call('jobs.list', {});
  const second = procs[1]!.received.filter((m) => m.type === 'call');
  assert.deepEqual(
    second.map((m) => (m.type === 'call' ? [m.method, m.args] : null)),
    [
      ['project.open', { path: '/p/a.incept' }],
      ['jobs.list', {}],
    ],
  );
  await supervisor.stop();
});

test('an error from the compute process keeps its code and details; image answers are checked', async () => {
  const { supervisor } = harness((msg, proc) => {
    if (msg.type === 'call')
      proc.emit({
        type: 'error',
        id: msg.id,
        error: { code: 'conflict', message: 'Jobs are running.', details: { jobs: ['j1'] } },
      });
    if (msg.type === 'image')
      proc.emit({
        type: 'result',
        id: msg.id,
        result:
          msg.rest === 'bad'
            ? { contentType: 'image/png' }
            : { contentType: 'image/png', body: new Uint8Array([7]) },
      });
    if (msg.type === 'shutdown') proc.end({ code: 0, signal: null });
  });
  await supervisor.start();
  await assert.rejects(supervisor.call('project.close', {}), (err: ApiError) => {
    assert.equal(err.code, 'conflict');
    assert.deepEqual(err.details, { jobs: ['j1'] });
    return true;
  });
  assert.deepEqual(await supervisor.image('1/ok'), { contentType: 'image/png', body: new Uint8Array([7]) });
  await assert.rejects(
    supervisor.image('bad'),
    (err: ApiError) => err.code === 'internal' && /malformed image/.test(err.message),
  );
  await supervisor.stop();
});
