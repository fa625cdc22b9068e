/**
 * Scatter-plot renderers for the map, measured side by side in one Chromium run under the app's
 * own Content-Security-Policy (WebGL through SwiftShader here: the GPU emulated on the CPU):
 * our `scatter-gl.ts`, deck.gl's ScatterplotLayer in an OrthographicView (binary attributes),
 * regl-scatterplot, and embedding-atlas's plain EmbeddingView (typed arrays, no Mosaic
 * coordinator).
 * Per renderer and point count: whether it draws at all under the policy (errors, policy
 * violations, pixels on the canvas), data → drawn (the library's own after-render signal) and →
 * the next frame, frame intervals while dragging and wheel-zooming, a colour-only update (10 %
 * of the labels changed), and the minified bytes it adds to a bundle.
 *
 * The candidates are not dependencies of the app. Install them anywhere and name that folder:
 *   npm install --prefix <dir> --legacy-peer-deps @deck.gl/core@9 @deck.gl/layers@9 regl-scatterplot embedding-atlas
 *   MAP_RENDERERS_MODULES=<dir>/node_modules node --import tsx bench/map-renderers.ts [--points 100000,20000]
 * A library found in neither that folder nor the project's node_modules is reported skipped.
 * Also part of `npm run bench -- map`.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { delimiter, dirname, extname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { build, type Plugin } from 'esbuild';
import type { Browser } from 'playwright-core';
import sharp from 'sharp';
import { CONTENT_SECURITY_POLICY } from '../electron/security.ts';
import { chromiumMissingReason, launchChromium } from '../test/helpers/browser.ts';
import { dragAndWheel, frameStats, round } from './map-gestures.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
const PROJECT_MODULES = join(HERE, '..', 'node_modules');
const VIEW = { width: 1400, height: 800 };

interface Candidate {
  name: string;
  entry: string;
  /** Packages the adapter imports; all must be found or the renderer is skipped. */
  packages: string[];
  /** Imports of the library that the plain view never calls, replaced by a stub when missing. */
  stubIfMissing?: Record<string, string>;
  signal: string;
  /** Chromium switches beyond the bench's own (a second browser is started for them). */
  chromiumArgs?: string[];
}

const CANDIDATES: Candidate[] = [
  {
    name: 'scatter-gl (ours)',
    entry: 'scatter-gl.ts',
    packages: [],
    signal: "the renderer's 'map:points-drawn' mark (its draw call issued)",
  },
  {
    name: 'deck.gl',
    entry: 'deck.ts',
    packages: ['@deck.gl/core', '@deck.gl/layers'],
    signal: "Deck's onAfterRender",
  },
  {
    name: 'regl-scatterplot',
    entry: 'regl-scatterplot.ts',
    packages: ['regl-scatterplot'],
    signal: 'its draw() promise',
  },
  {
    name: 'embedding-atlas',
    entry: 'embedding-atlas.ts',
    packages: ['embedding-atlas'],
    // Peer dependencies that the Mosaic-backed view uses; the plain EmbeddingView imports them
    // in the same chunk but never calls them.
    stubIfMissing: {
      '@uwdata/mosaic-core':
        'const no = () => { throw new Error("Mosaic is not installed"); }; export const coordinator = no, isSelection = () => false, makeClient = no; export class MosaicClient { constructor() { no(); } } export class Selection { constructor() { no(); } }',
      '@uwdata/mosaic-sql': 'export {};',
    },
    signal: 'none published: the animation frame after the update',
  },
];

// embedding-atlas draws with WebGPU only; Chromium here (and the desktop app on Linux) has no
// WebGPU adapter unless forced on, so it is measured once more with it forced on.
CANDIDATES.push({
  ...CANDIDATES.find((c) => c.name === 'embedding-atlas')!,
  name: 'embedding-atlas, WebGPU forced on (--enable-unsafe-webgpu)',
  chromiumArgs: ['--enable-unsafe-webgpu', '--enable-features=Vulkan', '--use-webgpu-adapter=swiftshader'],
});

export interface RendererRun {
  points: number;
  /** Draws the points (drewPixels ≥ a quarter of the point count) with no policy violation. */
  worksUnderCsp: boolean;
  /** Pixels of the plot that are not background, 1.5 s after the data. */
  drewPixels: number;
  dataToDrawMs: number;
  dataToNextFrameMs: number;
  panZoom: { frames: number; frameMs: { p50: number; p95: number; max: number }; over50ms: number };
  recolor: { toDrawMs: number; toNextFrameMs: number };
  problems: string[];
}

export interface RendererResult {
  renderer: string;
  version: string | null;
  skipped?: string;
  bundleBytesAdded?: number;
  stubbed?: string[];
  drawnSignal: string;
  runs: RendererRun[];
}

export interface MapRenderersBench {
  webgl: string;
  loadAverage: number[];
  csp: string;
  renderers: RendererResult[];
  skipped?: string;
}

function moduleDirs(): string[] {
  const extra = (process.env.MAP_RENDERERS_MODULES ?? '').split(delimiter).filter(Boolean);
  return [...extra, PROJECT_MODULES];
}

function findPackage(name: string, dirs: string[]): string | null {
  for (const dir of dirs) if (existsSync(join(dir, name, 'package.json'))) return join(dir, name);
  return null;
}

function stubs(candidate: Candidate, dirs: string[], used: string[]): Plugin {
  const missing = Object.entries(candidate.stubIfMissing ?? {}).filter(([p]) => !findPackage(p, dirs));
  used.push(...missing.map(([p]) => p));
  return {
    name: 'stub-missing-peers',
    setup(b) {
      for (const [pkg, source] of missing) {
        const filter = new RegExp(`^${pkg.replace(/[/.]/g, '\\$&')}$`);
        b.onResolve({ filter }, () => ({ path: pkg, namespace: 'stub' }));
        b.onLoad({ filter, namespace: 'stub' }, () => ({ contents: source, loader: 'js' }));
      }
    },
  };
}

async function bundle(entry: string, out: string, dirs: string[], plugins: Plugin[]): Promise<number> {
  await build({
    entryPoints: [join(HERE, 'map-renderers', entry)],
    bundle: true,
    minify: true,
    format: 'esm',
    target: 'es2022',
    outfile: out,
    nodePaths: dirs,
    plugins,
    logLevel: 'silent',
    // Libraries that start workers by URL bring their files along.
    loader: { '.wasm': 'file', '.worker.js': 'file' },
  });
  return statSync(out).size;
}

/** The page served with the app's policy, as the studio is. */
async function serve(dir: string): Promise<{ url: string; close(): Promise<void> }> {
  const types: Record<string, string> = {
    '.html': 'text/html',
    '.js': 'text/javascript',
    '.css': 'text/css',
    '.wasm': 'application/wasm',
  };
  const server = createServer((req, res) => {
    const name = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const path = join(dir, name === '/' ? 'index.html' : name);
    if (!path.startsWith(dir) || !existsSync(path) || statSync(path).isDirectory()) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, {
      'Content-Type': types[extname(path)] ?? 'application/octet-stream',
      'Content-Security-Policy': CONTENT_SECURITY_POLICY,
    });
    res.end(readFileSync(path));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return {
    url: `http://127.0.0.1:${address.port}/`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

async function measure(browser: Browser, url: string, points: number): Promise<RendererRun> {
  const run: RendererRun = {
    points,
    worksUnderCsp: false,
    drewPixels: 0,
    dataToDrawMs: NaN,
    dataToNextFrameMs: NaN,
    panZoom: { frames: 0, frameMs: { p50: NaN, p95: NaN, max: NaN }, over50ms: 0 },
    recolor: { toDrawMs: NaN, toNextFrameMs: NaN },
    problems: [],
  };
  const page = await browser.newPage({ viewport: { width: VIEW.width + 40, height: VIEW.height + 40 } });
  page.on('console', (m) => {
    if (m.type() === 'error') run.problems.push(`console: ${m.text().slice(0, 300)}`);
  });
  page.on('pageerror', (e) => run.problems.push(`page error: ${e.message.slice(0, 300)}`));
  try {
    await page.goto(url);
    await page.waitForFunction(() => 'bench' in globalThis, undefined, { timeout: 30_000 });
    await page.evaluate(() => (globalThis as unknown as { bench: { open(): Promise<void> } }).bench.open());
    // The data comes a moment after the view opened (in the studio: seconds of `map.points`).
    await page.waitForTimeout(1000);
    const paint = await page.evaluate(
      (n) =>
        (
          globalThis as unknown as {
            bench: { load(n: number): Promise<{ dataToDrawMs: number; dataToNextFrameMs: number }> };
          }
        ).bench.load(n),
      points,
    );
    run.dataToDrawMs = round(paint.dataToDrawMs);
    run.dataToNextFrameMs = round(paint.dataToNextFrameMs);
    // Let an asynchronous renderer finish, then count what is on the canvas.
    await page.waitForTimeout(1500);
    const png = await page.screenshot({ clip: { x: 0, y: 0, ...VIEW } });
    const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
    for (let i = 0; i < data.length; i += info.channels) {
      if (data[i]! < 200 || data[i + 1]! < 200 || data[i + 2]! < 200) run.drewPixels++;
    }

    await page.evaluate(() =>
      (globalThis as unknown as { bench: { startFrames(): void } }).bench.startFrames(),
    );
    const cx = VIEW.width / 2;
    const cy = VIEW.height / 2;
    await dragAndWheel(page, cx, cy);
    const gaps = await page.evaluate(() =>
      (globalThis as unknown as { bench: { stopFrames(): number[] } }).bench.stopFrames(),
    );
    run.panZoom = frameStats(gaps);
    const recolor = await page.evaluate(() =>
      (
        globalThis as unknown as {
          bench: { recolor(): Promise<{ dataToDrawMs: number; dataToNextFrameMs: number }> };
        }
      ).bench.recolor(),
    );
    run.recolor = { toDrawMs: round(recolor.dataToDrawMs), toNextFrameMs: round(recolor.dataToNextFrameMs) };
  } catch (err) {
    run.problems.push(
      `bench: ${(err instanceof Error ? err.message : String(err)).split('\n')[0]!.slice(0, 300)}`,
    );
  } finally {
    const seen = await page
      .evaluate(() => {
        const b = (globalThis as unknown as { bench?: { violations: string[]; errors: string[] } }).bench;
        return b ? [...b.violations.map((v) => `CSP: ${v}`), ...b.errors.map((e) => `error: ${e}`)] : [];
      })
      .catch(() => []);
    run.problems.push(...new Set(seen));
    await page.close();
  }
  run.worksUnderCsp =
    run.drewPixels >= points / 4 &&
    Number.isFinite(run.dataToDrawMs) &&
    !run.problems.some((p) => /CSP|EvalError|unsafe-eval|Content Security Policy/i.test(p));
  return run;
}

export async function benchMapRenderers(opts: { points?: number[] } = {}): Promise<MapRenderersBench> {
  const counts = opts.points ?? [100_000, 20_000];
  const result: MapRenderersBench = {
    webgl: '',
    loadAverage: loadavg().map(round),
    csp: CONTENT_SECURITY_POLICY,
    renderers: [],
  };
  const missing = chromiumMissingReason();
  if (missing) return { ...result, skipped: missing };
  const dirs = moduleDirs();
  const work = mkdtempSync(join(tmpdir(), 'incept-bench-map-renderers-'));
  const { browser, close } = await launchChromium(['--enable-unsafe-swiftshader', '--use-angle=swiftshader']);
  try {
    // The harness alone, so each renderer's bytes are what its library and adapter add.
    const base = await bundle('baseline.ts', join(work, 'baseline.js'), dirs, []);
    for (const candidate of CANDIDATES) {
      const entry: RendererResult = {
        renderer: candidate.name,
        version: null,
        drawnSignal: candidate.signal,
        runs: [],
      };
      result.renderers.push(entry);
      const absent = candidate.packages.filter((p) => !findPackage(p, dirs));
      if (absent.length > 0) {
        entry.skipped = `${absent.join(', ')} not installed (not a dependency of the app): install it with npm install --prefix <dir> and set MAP_RENDERERS_MODULES=<dir>/node_modules`;
        continue;
      }
      const main = candidate.packages[0];
      if (main)
        entry.version = (
          JSON.parse(readFileSync(join(findPackage(main, dirs)!, 'package.json'), 'utf8')) as {
            version: string;
          }
        ).version;
      const folder = mkdtempSync(join(work, 'page-'));
      const stubbed: string[] = [];
      try {
        const bytes = await bundle(candidate.entry, join(folder, 'page.js'), dirs, [
          stubs(candidate, dirs, stubbed),
        ]);
        entry.bundleBytesAdded = bytes - base;
      } catch (err) {
        entry.skipped = `does not bundle: ${(err instanceof Error ? err.message : String(err)).split('\n').slice(0, 3).join(' ')}`;
        continue;
      }
      if (stubbed.length) entry.stubbed = stubbed;
      writeFileSync(
        join(folder, 'index.html'),
        `<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,"><style>body{margin:0;background:#fff}#plot{position:relative;width:${VIEW.width}px;height:${VIEW.height}px;overflow:hidden}</style></head>` +
          `<body><div id="plot"></div><script type="module" src="page.js"></script></body></html>`,
      );
      const server = await serve(folder);
      const own = candidate.chromiumArgs
        ? await launchChromium([
            '--enable-unsafe-swiftshader',
            '--use-angle=swiftshader',
            ...candidate.chromiumArgs,
          ])
        : null;
      try {
        for (const n of counts) {
          // Progress on stderr: a slow renderer takes minutes per run on a software GPU.
          process.stderr.write(`map-renderers: ${candidate.name}, ${n} points\n`);
          entry.runs.push(await measure(own?.browser ?? browser, server.url, n));
        }
      } finally {
        await own?.close();
        await server.close();
      }
    }
    const page = await browser.newPage();
    result.webgl = (await page.evaluate(`(() => {
      const gl = document.createElement('canvas').getContext('webgl');
      const ext = gl && gl.getExtension('WEBGL_debug_renderer_info');
      return gl ? String(ext ? gl.getParameter(ext.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER)) : 'no WebGL';
    })()`)) as string;
    await page.close();
    result.loadAverage = loadavg().map(round);
  } finally {
    await close();
    rmSync(work, { recursive: true, force: true });
  }
  return result;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({ options: { points: { type: 'string' } } });
  const points = values.points?.split(',').map(Number);
  console.log(JSON.stringify(await benchMapRenderers(points ? { points } : {}), null, 2));
}
