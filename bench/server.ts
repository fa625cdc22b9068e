/**
 * Browser-mode server under load (prints JSON). The server runs as the real `incept serve` in a
 * child process; this process is the clients, over loopback only, with bounded loops:
 * - labels.set/s and images.query/s (8 calls in flight, keep-alive connections);
 * - thumbnails/s (first request of each image, so each one is decoded and resized);
 * - 1 250 calls at once: p50/p99 latency and errors;
 * - labels.set/s again with 300 WebSocket listeners: the slowdown the event fan-out costs;
 * - every failed call (ECONNRESET from keep-alive races included) is counted.
 *
 *   npm run bench -- server [--images N]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import WebSocket from 'ws';
import { writeManyJpegs } from '../test/fixtures/images.ts';
import { INCEPT_BIN, REPO_ROOT, startServeProcess } from '../test/helpers/serve.ts';

export interface ServerBench {
  images: number;
  labelsSetPerSecond: number;
  imagesQueryPerSecond: number;
  thumbnailsPerSecond: number;
  concurrent: { calls: number; p50Ms: number; p99Ms: number; maxMs: number; errors: number };
  listeners: {
    sockets: number;
    labelsSetPerSecond: number;
    /** labels.set/s without listeners ÷ with them; 1 means the fan-out costs the writer nothing. */
    slowdown: number;
    framesReceived: number;
  };
  failedCalls: number;
  failures: string[];
}

const IN_FLIGHT = 8;
const CONCURRENT_CALLS = 1_250;
const LISTENERS = 300;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

const round = (n: number, digits = 1): number => Math.round(n * 10 ** digits) / 10 ** digits;

export async function benchServer(opts: { images?: number } = {}): Promise<ServerBench> {
  const images = opts.images ?? 400;
  const dir = mkdtempSync(join(tmpdir(), 'incept-bench-server-'));
  const env = { INCEPT_DATA_DIR: join(dir, 'data') };
  const failures: string[] = [];
  let failed = 0;
  const fail = (err: unknown): void => {
    failed++;
    if (failures.length < 10) failures.push(String((err as Error).message ?? err));
  };
  try {
    await writeManyJpegs(join(dir, 'images'), images, { folders: 4, size: 320 });
    const project = join(dir, 'bench.incept');
    const run = (args: string[]): void => {
      const r = spawnSync(process.execPath, [INCEPT_BIN, ...args], {
        cwd: REPO_ROOT,
        env: { ...process.env, ...env },
        encoding: 'utf8',
      });
      if (r.status !== 0) throw new Error(`incept ${args[0]} failed: ${r.stderr}`);
    };
    run(['init', project]);
    run(['import', project, join(dir, 'images')]);

    const server = await startServeProcess([project, '--no-ui'], env);
    const agent = new Agent({ keepAlive: true, maxSockets: Infinity });
    try {
      const url = new URL(server.url);
      const send = (
        method: string,
        path: string,
        body?: unknown,
      ): Promise<{ status: number; text: string }> =>
        new Promise((resolve, reject) => {
          const req = request(
            {
              agent,
              host: url.hostname,
              port: url.port,
              path,
              method,
              headers: {
                Authorization: `Bearer ${server.token}`,
                ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
              },
            },
            (res) => {
              const chunks: Buffer[] = [];
              res.on('data', (d: Buffer) => chunks.push(d));
              res.on('end', () =>
                resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
              );
            },
          );
          req.on('error', reject);
          req.end(body === undefined ? undefined : JSON.stringify(body));
        });
      const call = async (method: string, args: unknown): Promise<unknown> => {
        const res = await send('POST', `/api/${method}`, args);
        if (res.status !== 200) throw new Error(`${method}: HTTP ${res.status} ${res.text.slice(0, 200)}`);
        return (JSON.parse(res.text) as { result: unknown }).result;
      };
      /** `count` calls of `one(i)`, IN_FLIGHT at a time; calls per second. */
      const rate = async (count: number, one: (i: number) => Promise<unknown>): Promise<number> => {
        let next = 0;
        const t0 = performance.now();
        await Promise.all(
          Array.from({ length: IN_FLIGHT }, async () => {
            while (next < count) {
              const i = next++;
              await one(i).catch(fail);
            }
          }),
        );
        return round(count / ((performance.now() - t0) / 1000));
      };

      const cls = (await call('classes.create', { name: 'bench' })) as { id: number };
      const page = (await call('images.query', { limit: images })) as { items: { id: number }[] };
      const ids = page.items.map((i) => i.id);
      // Every call changes a label (set on one pass over the images, cleared on the next), so
      // every call writes and emits an event.
      let seq = 0;
      const labelOne = () => {
        const n = seq++;
        const pass = Math.floor(n / ids.length);
        return call('labels.set', {
          imageIds: [ids[n % ids.length]!],
          classId: pass % 2 === 0 ? cls.id : null,
        });
      };

      await rate(200, labelOne); // warm-up: statements prepared, connections open
      const labelsSetPerSecond = await rate(2_000, labelOne);
      const imagesQueryPerSecond = await rate(1_000, (i) =>
        call('images.query', { limit: 100, offset: (i * 100) % Math.max(1, images - 100) }),
      );
      const thumbnailsPerSecond = await rate(ids.length, async (i) => {
        const res = await send('GET', `/img/${ids[i]!}/thumb`);
        if (res.status !== 200) throw new Error(`thumbnail: HTTP ${res.status}`);
      });

      const latencies: number[] = [];
      let concurrentErrors = 0;
      await Promise.all(
        Array.from({ length: CONCURRENT_CALLS }, async (_, i) => {
          const t0 = performance.now();
          try {
            await (i % 2 === 0 ? labelOne() : call('images.query', { limit: 50 }));
            latencies.push(performance.now() - t0);
          } catch (err) {
            concurrentErrors++;
            fail(err);
          }
        }),
      );
      latencies.sort((a, b) => a - b);

      const wsUrl = `${server.url.replace('http', 'ws')}ws?token=${server.token}`;
      let frames = 0;
      const sockets = await Promise.all(
        Array.from(
          { length: LISTENERS },
          () =>
            new Promise<WebSocket>((resolve, reject) => {
              const ws = new WebSocket(wsUrl);
              ws.on('message', () => frames++);
              ws.once('open', () => resolve(ws));
              ws.once('error', reject);
            }),
        ),
      );
      let withListeners: number;
      try {
        await rate(200, labelOne);
        withListeners = await rate(2_000, labelOne);
      } finally {
        for (const ws of sockets) ws.terminate();
      }

      return {
        images,
        labelsSetPerSecond,
        imagesQueryPerSecond,
        thumbnailsPerSecond,
        concurrent: {
          calls: CONCURRENT_CALLS,
          p50Ms: round(percentile(latencies, 50)),
          p99Ms: round(percentile(latencies, 99)),
          maxMs: round(latencies[latencies.length - 1] ?? 0),
          errors: concurrentErrors,
        },
        listeners: {
          sockets: LISTENERS,
          labelsSetPerSecond: withListeners,
          slowdown: round(labelsSetPerSecond / withListeners, 2),
          framesReceived: frames,
        },
        failedCalls: failed,
        failures,
      };
    } finally {
      agent.destroy();
      await server.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(JSON.stringify(await benchServer(), null, 2));
}
