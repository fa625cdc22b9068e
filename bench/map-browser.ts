/**
 * The map in a real Chromium (WebGL through SwiftShader, so the GPU is emulated on the CPU):
 * a project of 100 000 images with features, written straight into SQLite, served by
 * `incept serve` and driven with Playwright through the studio's own Map tab.
 * - firstPaint: the last `map.points` answer arrived → the plot drew every point (User Timing
 *   marks 'map:data-arrived' and 'map:points-drawn'), and → the next frame after that draw;
 * - panZoom: frame intervals (requestAnimationFrame) while dragging and wheel-zooming;
 * - lasso: a lasso around 10 000 points → the selection shown, then the class key → the
 *   "Labeled" notice (labels saved through the API, plot recoloured), both to the next frame.
 * Goals: first paint < 1 s, no frame > 50 ms, lasso to labeled < 200 ms.
 *
 *   npm run bench -- map   (part of it), or node --import tsx bench/map-browser.ts [--points N]
 *   (both need `npm run build` for the renderer)
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { Page } from 'playwright-core';
import { chromiumMissingReason, launchChromium } from '../test/helpers/browser.ts';
import { dragAndWheel, frameStats, round } from './map-gestures.ts';
import { startServeProcess } from '../test/helpers/serve.ts';
import { CLASS_STYLES, shapeImage } from '../test/fixtures/images.ts';
import { PRESETS } from '../src/domain/preprocessing.ts';
import { RENDERER_DIST } from '../src/server/static.ts';
import { readLayoutFile } from '../src/map/layout-cache.ts';
import { PALETTE } from '../src/store/classes.ts';
import { useModel } from '../src/store/models.ts';
import { googlenetDescription } from '../test/fixtures/model-row.ts';
import { ProjectStore } from '../src/store/project.ts';

const DIMS = 1024;
const BLOBS = 10;
const LASSO_POINTS = 10_000;

export interface MapBrowserBench {
  points: number;
  dims: number;
  /** "Map" clicked → data arrived: reading features and the PCA layout, then `map.points`. */
  openToDataMs: number;
  firstPaint: { dataToDrawMs: number; dataToNextFrameMs: number; goalMs: number };
  panZoom: {
    frames: number;
    frameMs: { p50: number; p95: number; max: number };
    over50ms: number;
    goalMaxMs: number;
  };
  lasso: {
    selected: number;
    lassoToSelectionMs: number;
    /** Selection shown → its first 12 thumbnails loaded (not part of toLabeledMs). */
    stripThumbnailsMs: number;
    keyToLabeledMs: number;
    toLabeledMs: number;
    goalMs: number;
    /** Where the time went: mouse-up → selection shown, and key → notice (plus what ran after). */
    selectionTimeline?: StepTimeline;
    /**
     * The selection strip: thumbnails rendered for the selection, and, scrolled to its end,
     * the left edge of the last one rendered and the track's width (all selected reachable).
     */
    strip?: { rendered: number; lastLeftPx: number; trackPx: number };
    labelTimeline?: StepTimeline;
  };
  renderer: string;
  consoleErrors: number;
  skipped?: string;
}

/**
 * One timed step seen from the page, in ms from its event (mouse-up, key): the API calls it
 * made (start, first byte of the answer, end), the thumbnails it asked for, and the
 * main-thread tasks over 50 ms (Long Tasks API) until SETTLE_MS after the step was done.
 */
export interface StepTimeline {
  doneMs: number;
  calls: { method: string; startMs: number; firstByteMs: number; endMs: number }[];
  thumbnails: number;
  longTasks: { startMs: number; durationMs: number }[];
}
const SETTLE_MS = 1000;

/** A small fast generator: 100 million floats with Math.random would dominate the set-up. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** `count` images in BLOBS groups of features, each row a link to one of a few real JPEGs. */
async function writeProject(dir: string, count: number): Promise<string> {
  const real = join(dir, 'real');
  const links = join(dir, 'links');
  mkdirSync(real, { recursive: true });
  mkdirSync(links, { recursive: true });
  const originals: string[] = [];
  for (let i = 0; i < 8; i++) {
    const path = join(real, `shape-${i}.jpg`);
    writeFileSync(path, await shapeImage(CLASS_STYLES[i % CLASS_STYLES.length]!, 100 + i, 96));
    originals.push(path);
  }
  const projectPath = join(dir, 'bench-map.incept');
  const project = ProjectStore.create(projectPath);
  const db = project.db;
  const sha256 = createHash('sha256').update('bench map model').digest('hex');
  const model = useModel(project, googlenetDescription(sha256, 'bench', DIMS), PRESETS.caffe);
  const now = new Date().toISOString();
  const random = lcg(7);
  const centers = Array.from({ length: BLOBS }, () =>
    Float32Array.from({ length: DIMS }, () => random() * 4),
  );
  const insertClass = db.prepare(
    'INSERT INTO classes (name, name_key, color, sort_order, hotkey, created_at) VALUES (?, ?, ?, ?, ?, ?)',
  );
  const insertImage = db.prepare(
    `INSERT INTO images (path, name, hash, bytes, mtime_ms, width, height, format, status, split, added_at)
     VALUES (?, ?, ?, 1, 0, 96, 96, 'jpeg', 'ok', 'train', ?)`,
  );
  const insertFeature = db.prepare(
    'INSERT INTO features (model_id, variant, hash, vector) VALUES (?, 0, ?, ?)',
  );
  const v = new Float32Array(DIMS);
  db.transaction(() => {
    insertClass.run('picked', 'picked', PALETTE[0], 0, '1', now);
    for (let i = 0; i < count; i++) {
      const name = `img-${String(i).padStart(6, '0')}.jpg`;
      const link = join(links, name);
      symlinkSync(originals[i % originals.length]!, link);
      const hash = createHash('sha256').update(name).digest('hex');
      insertImage.run(link, name, hash, now);
      const c = centers[i % BLOBS]!;
      for (let d = 0; d < DIMS; d++) v[d] = c[d]! + random();
      insertFeature.run(model.id, hash, Buffer.from(v.buffer));
    }
  })();
  project.close();
  return projectPath;
}

/** Waits until the plot drew all `n` points; the map's error message, if it shows one, fails the run. */
async function waitDrawn(page: Page, n: number): Promise<void> {
  await page.waitForFunction(
    (k) =>
      // Drawn from data that arrived since the marks were cleared: a map opened again first
      // draws the points it already holds, while its new map.points is still on the way.
      performance
        .getEntriesByName('map:points-drawn')
        .some(
          (m) =>
            (m as unknown as { detail: { points: number } }).detail.points === k &&
            performance.getEntriesByName('map:data-arrived').some((d) => d.startTime <= m.startTime),
        ) ||
      (globalThis as unknown as { document: { querySelector(s: string): unknown } }).document.querySelector(
        '[data-testid="map-error"]',
      ) !== null,
    n,
    { timeout: 600_000, polling: 100 },
  );
  const error = page.getByTestId('map-error');
  if ((await error.count()) > 0) throw new Error(`the map showed an error: ${await error.textContent()}`);
}

/** A CPU profile of the page per timed step, written as <dir>/<step>.cpuprofile; none without a dir. */
async function startProfiling(
  page: Page,
  dir: string | undefined,
): Promise<{ start(): Promise<void>; save(step: string): Promise<void> }> {
  if (!dir) return { start: async () => undefined, save: async () => undefined };
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
  mkdirSync(dir, { recursive: true });
  return {
    start: async () => {
      await cdp.send('Profiler.start');
    },
    save: async (step) => {
      const { profile } = await cdp.send('Profiler.stop');
      writeFileSync(join(dir, `${step}.cpuprofile`), JSON.stringify(profile));
    },
  };
}

/** Starts recording long tasks in the page (read by `timeline`). */
async function watchLongTasks(page: Page): Promise<void> {
  await page.evaluate(`(() => {
    performance.setResourceTimingBufferSize(100000);
    performance.clearResourceTimings();
    window.__benchLong = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) window.__benchLong.push({ start: e.startTime, duration: e.duration });
    }).observe({ type: 'longtask' });
  })()`);
}

/** The timeline of the step `armTimer` timed last, once SETTLE_MS passed after it was done. */
async function timeline(page: Page): Promise<StepTimeline> {
  await page.waitForTimeout(SETTLE_MS);
  const r = (await page.evaluate(`(() => {
    const t0 = window.__benchT0;
    const until = window.__benchDone + ${SETTLE_MS};
    const ms = (t) => Math.round((t - t0) * 10) / 10;
    const res = performance.getEntriesByType('resource').filter((e) => e.startTime >= t0 && e.startTime <= until);
    return {
      doneMs: ms(window.__benchDone),
      calls: res.filter((e) => e.name.includes('/api/')).map((e) => ({
        method: e.name.slice(e.name.indexOf('/api/') + 5),
        startMs: ms(e.startTime),
        firstByteMs: ms(e.responseStart),
        endMs: ms(e.responseEnd),
      })),
      thumbnails: res.filter((e) => e.name.includes('/img/')).length,
      longTasks: window.__benchLong
        .filter((l) => l.start + l.duration >= t0 && l.start <= until)
        .map((l) => ({ startMs: ms(l.start), durationMs: Math.round(l.duration) })),
    };
  })()`)) as StepTimeline;
  return r;
}

/** In the page: resolves with the time from `eventType` (captured) to `done()` holding, plus one frame. */
function armTimer(page: Page, eventType: string, doneJs: string): Promise<void> {
  return page.evaluate(`(() => {
    window.__benchWait = new Promise((resolve) => {
      let t0 = 0;
      document.addEventListener(${JSON.stringify(eventType)}, () => { t0 = window.__benchT0 = performance.now(); }, { capture: true, once: true });
      const check = () => {
        if (t0 && (${doneJs})) requestAnimationFrame(() => resolve((window.__benchDone = performance.now()) - t0));
        else requestAnimationFrame(check);
      };
      requestAnimationFrame(check);
    });
  })()`) as Promise<void>;
}

/**
 * With `profileDir`, the page's JavaScript is profiled (Chrome DevTools Protocol) from mouse-up
 * of the lasso until SETTLE_MS after the "Labeled" notice: lasso.cpuprofile there, for DevTools
 * (build the renderer unminified, `npx vite build --config renderer/vite.config.ts --minify false`,
 * to read function names).
 */
export async function benchMapBrowser(
  opts: { points?: number; profileDir?: string } = {},
): Promise<MapBrowserBench> {
  const points = opts.points ?? 100_000;
  const result: MapBrowserBench = {
    points,
    dims: DIMS,
    openToDataMs: NaN,
    firstPaint: { dataToDrawMs: NaN, dataToNextFrameMs: NaN, goalMs: 1000 },
    panZoom: { frames: 0, frameMs: { p50: NaN, p95: NaN, max: NaN }, over50ms: 0, goalMaxMs: 50 },
    lasso: {
      selected: 0,
      lassoToSelectionMs: NaN,
      stripThumbnailsMs: NaN,
      keyToLabeledMs: NaN,
      toLabeledMs: NaN,
      goalMs: 200,
    },
    renderer: '',
    consoleErrors: 0,
  };
  const missing = chromiumMissingReason();
  if (missing) return { ...result, skipped: missing };
  if (!existsSync(join(RENDERER_DIST, 'index.html')))
    return { ...result, skipped: 'the renderer is not built: run `npm run build` first' };

  const dir = mkdtempSync(join(tmpdir(), 'incept-bench-map-browser-'));
  const cleanup: (() => Promise<void>)[] = [];
  try {
    const projectPath = await writeProject(dir, points);
    const server = await startServeProcess([], { INCEPT_DATA_DIR: join(dir, 'data') });
    cleanup.push(() => server.stop());
    const { browser, close } = await launchChromium([
      '--enable-unsafe-swiftshader',
      '--use-angle=swiftshader',
    ]);
    cleanup.push(close);
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.on('console', (m) => {
      if (m.type() === 'error') result.consoleErrors++;
    });
    await page.goto(server.openUrl);
    await page.getByLabel('Project file').fill(projectPath);
    await page.getByRole('button', { name: 'Open project', exact: true }).click();
    await page.getByTestId('project-screen').waitFor({ timeout: 60_000 });
    result.renderer = (await page.evaluate(`(() => {
      const gl = document.createElement('canvas').getContext('webgl');
      const ext = gl && gl.getExtension('WEBGL_debug_renderer_info');
      return gl ? String(ext ? gl.getParameter(ext.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER)) : 'no WebGL';
    })()`)) as string;

    // --- first paint
    const t0 = performance.now();
    await page.getByRole('button', { name: 'Map', exact: true }).click();
    await waitDrawn(page, points);
    result.openToDataMs = Math.round(performance.now() - t0);
    const paint = (await page.evaluate(`new Promise((resolve) => requestAnimationFrame((frame) => {
      const data = performance.getEntriesByName('map:data-arrived').at(-1).startTime;
      const drawn = performance.getEntriesByName('map:points-drawn').at(-1).startTime;
      resolve({ data, drawn, frame });
    }))`)) as { data: number; drawn: number; frame: number };
    result.openToDataMs -= Math.round(paint.frame - paint.data);
    result.firstPaint.dataToDrawMs = round(paint.drawn - paint.data);
    result.firstPaint.dataToNextFrameMs = round(paint.frame - paint.data);

    const b = (await page.getByTestId('map-canvas').boundingBox())!;

    // --- lasso 10 000 points, then label them with one key
    // In the first view (before any pan or zoom), a rectangle whose right edge leaves
    // LASSO_POINTS points to its left, from the layout's own coordinates.
    await page.getByTestId('map-lasso-mode').click();
    await watchLongTasks(page);
    const profiler = await startProfiling(page, opts.profileDir);
    const edge = b.x + lassoEdge(layoutXs(join(dir, 'data'), b), Math.min(LASSO_POINTS, points));
    await armTimer(page, 'mouseup', `document.querySelector('[data-testid="map-selection-count"]')`);
    await page.mouse.move(b.x + 2, b.y + 2);
    await page.mouse.down();
    await page.mouse.move(edge, b.y + 2, { steps: 5 });
    await page.mouse.move(edge, b.y + b.height - 2, { steps: 5 });
    await page.mouse.move(b.x + 2, b.y + b.height - 2, { steps: 5 });
    await page.mouse.move(b.x + 2, b.y + 3, { steps: 5 });
    await profiler.start();
    await page.mouse.up();
    result.lasso.lassoToSelectionMs = round((await page.evaluate('window.__benchWait')) as number);
    result.lasso.selectionTimeline = await timeline(page);
    await profiler.save('selection');
    const countText = (await page.getByTestId('map-selection-count').textContent()) ?? '';
    result.lasso.selected = Number(countText.replace(/[^\d]/g, ''));
    // A person looks at the strip before pressing the key; its first thumbnails are made on the
    // server now and hold the browser's few connections, so the key is pressed once they show.
    const t1 = performance.now();
    await page
      .waitForFunction(
        () =>
          [
            ...(
              globalThis as unknown as {
                document: { querySelectorAll(s: string): Iterable<{ complete: boolean; loading: string }> };
              }
            ).document.querySelectorAll('[data-testid="map-strip"] img'),
          ]
            .slice(0, 12)
            .every((img) => img.complete),
        undefined,
        { timeout: 60_000, polling: 100 },
      )
      .catch(() => undefined);
    result.lasso.stripThumbnailsMs = Math.round(performance.now() - t1);
    await armTimer(
      page,
      'keydown',
      `[...document.querySelectorAll('[data-testid="notice"]')].some((n) => /Labeled [\\d,  ]+ image/.test(n.textContent))`,
    );
    await profiler.start();
    await page.keyboard.press('1');
    result.lasso.keyToLabeledMs = round((await page.evaluate('window.__benchWait')) as number);
    result.lasso.labelTimeline = await timeline(page);
    await profiler.save('label');
    result.lasso.strip = (await page.evaluate(`new Promise((resolve) => {
      const strip = document.querySelector('[data-testid="map-strip"]');
      const rendered = strip.querySelectorAll('img').length;
      strip.scrollLeft = strip.scrollWidth;
      const at = () => Math.max(...[...strip.querySelectorAll('button')].map((b) => parseFloat(b.style.left)));
      requestAnimationFrame(() => requestAnimationFrame(() => resolve({ rendered, lastLeftPx: at(), trackPx: strip.scrollWidth })));
    })`)) as NonNullable<MapBrowserBench['lasso']['strip']>;
    result.lasso.toLabeledMs = round(result.lasso.lassoToSelectionMs + result.lasso.keyToLabeledMs);

    // Pan and zoom with nothing selected (a selection dims the other points).
    await page.keyboard.press('Escape');
    // --- pan and zoom with the mouse, every frame's interval recorded
    await page.getByRole('button', { name: 'Pan & zoom' }).click();
    await page.evaluate(`(() => {
      window.__benchGaps = [];
      window.__benchRun = true;
      let last = performance.now();
      const frame = (now) => {
        window.__benchGaps.push(now - last);
        last = now;
        if (window.__benchRun) requestAnimationFrame(frame);
      };
      requestAnimationFrame(frame);
    })()`);
    const cx = b.x + b.width / 2;
    const cy = b.y + b.height / 2;
    await dragAndWheel(page, cx, cy);
    const gaps = (await page.evaluate(
      `(() => { window.__benchRun = false; return window.__benchGaps.slice(1); })()`,
    )) as number[];
    result.panZoom = {
      ...frameStats(gaps),
      goalMaxMs: 50,
    };
    return result;
  } finally {
    for (const c of cleanup.reverse()) await c().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Where the plot draws each point of the cached PCA layout, in CSS pixels from the canvas's
 * left edge, in the first view (centre 0, zoom 1: the square [-1, 1]² fills the shorter side).
 */
function layoutXs(dataDir: string, b: { width: number; height: number }): Float32Array {
  const folder = join(dataDir, 'map-layouts');
  const name = readdirSync(folder).find((f) => f.endsWith('-pca.bin'));
  if (!name) throw new Error(`no PCA layout in ${folder}`);
  const layout = readLayoutFile(join(folder, name));
  if (!layout) throw new Error(`cannot read the PCA layout ${name}`);
  const coords = layout.coords;
  const side = Math.min(b.width, b.height);
  const xs = new Float32Array(coords.length / 2);
  for (let i = 0; i < xs.length; i++) xs[i] = (coords[i * 2]! * side) / 2 + b.width / 2;
  return xs;
}

/** The x of a vertical edge with `k` of the points to its left. */
function lassoEdge(xs: Float32Array, k: number): number {
  const sorted = Float32Array.from(xs).sort();
  const at = sorted[Math.min(sorted.length - 1, k - 1)]!;
  const next = sorted[Math.min(sorted.length - 1, k)]!;
  return (at + next) / 2;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({ options: { points: { type: 'string' }, profile: { type: 'string' } } });
  const points = values.points === undefined ? undefined : Number(values.points);
  const run = await benchMapBrowser({
    ...(points !== undefined ? { points } : {}),
    ...(values.profile !== undefined ? { profileDir: values.profile } : {}),
  });
  console.log(JSON.stringify(run, null, 2));
}
