/**
 * Renderer benchmark in a real browser (prints JSON): a project of 10 000 images (rows written
 * straight into SQLite, every row a symbolic link to one of a few real small JPEGs, so the
 * backend makes only a few thumbnails) served by `incept serve`, driven with Playwright:
 * - openToPaintMs: "Open project" clicked → every thumbnail in the first screen decoded;
 * - scroll: a scripted scroll through the whole grid, one step per frame: frame times, frames
 *   over 50 ms, long animation frames, and how full the visible cells were;
 * - label: number key → the cell's new chip in the DOM and the next frame painted (p50/p95),
 *   then every label checked through the API (persisted);
 * - heap: renderer JS heap after GC, before and after scrolling everything, and the cell count.
 *
 *   node --import tsx bench/ui.ts [--images N]
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Page } from 'playwright-core';
import { chromiumMissingReason, launchChromium } from '../test/helpers/browser.ts';
import { startServeProcess } from '../test/helpers/serve.ts';
import { CLASS_STYLES, shapeImage } from '../test/fixtures/images.ts';
import { PALETTE } from '../src/store/classes.ts';

export interface UiBench {
  images: number;
  openToPaintMs: number;
  scroll: ScrollStats;
  /** 4 % of a screen per frame (about two screens a second) for 300 frames: reading speed, thumbnails load as it goes. */
  steadyScroll: ScrollStats;
  label: { samples: number; p50: number; p95: number; max: number; persisted: number };
  heapMB: { afterPaint: number; afterScroll: number };
  cellsInDom: number;
  consoleErrors: number;
  skipped?: string;
}

/** A scroll of the grid by a fixed step per animation frame. */
export interface ScrollStats {
  frames: number;
  seconds: number;
  pixels: number;
  frameMs: { p50: number; p95: number; max: number };
  framesOver50ms: number;
  longAnimationFrames: number;
  /** Where the long frames' time went: scripts (ours and Svelte's) versus style, layout and paint. */
  longFramesMs: { total: number; script: number; styleLayoutPaint: number };
  /** Share of visible cells showing their row (label chip, name) rather than a placeholder, over sampled frames. */
  visibleFilled: number;
  /** Share of visible ok-status cells whose thumbnail had decoded, over sampled frames. */
  visibleWithImage: number;
}

interface RawScroll {
  gaps: number[];
  loaf: number;
  loafScript: number;
  loafLayout: number;
  loafTotal: number;
  filled: number;
  withImage: number;
  seen: number;
  seconds: number;
  pixels: number;
}

/** Scrolls the grid by `stepOfViewport` screens per frame until the end or `maxFrames`. */
async function scrollRun(
  page: Page,
  opts: { stepOfViewport: number; maxFrames: number },
): Promise<RawScroll> {
  return (await page.evaluate(`new Promise((resolve) => {
    const vp = document.querySelector('[data-testid="grid"]');
    const step = Math.round(vp.clientHeight * ${opts.stepOfViewport});
    const gaps = [];
    let loaf = 0, loafScript = 0, loafLayout = 0, loafTotal = 0;
    let observer = null;
    try {
      observer = new PerformanceObserver((list) => {
        for (const e of list.getEntries()) {
          if (e.duration <= 50) continue;
          loaf++;
          loafTotal += e.duration;
          loafScript += (e.scripts || []).reduce((a, s) => a + s.duration, 0);
          if (e.styleAndLayoutStart) loafLayout += e.startTime + e.duration - e.styleAndLayoutStart;
        }
      });
      observer.observe({ type: 'long-animation-frame' });
    } catch { observer = null; }
    let filled = 0, withImage = 0, seen = 0, n = 0;
    const start = performance.now();
    let last = start;
    const frame = (now) => {
      gaps.push(now - last);
      last = now;
      if (n++ % 5 === 0) {
        const box = vp.getBoundingClientRect();
        for (const c of vp.querySelectorAll('.cell')) {
          const r = c.getBoundingClientRect();
          if (r.bottom <= box.top || r.top >= box.bottom) continue;
          seen++;
          if (c.hasAttribute('data-image-id')) filled++;
          const img = c.querySelector('.thumb img');
          if (img && img.complete && img.naturalWidth > 0) withImage++;
        }
      }
      if (n > ${opts.maxFrames} || vp.scrollTop + vp.clientHeight >= vp.scrollHeight - 1) {
        observer?.disconnect();
        resolve({ gaps: gaps.slice(1), loaf, loafScript, loafLayout, loafTotal, filled, withImage, seen,
          seconds: (now - start) / 1000, pixels: vp.scrollTop });
        return;
      }
      vp.scrollTop += step;
      requestAnimationFrame(frame);
    };
    requestAnimationFrame(frame);
  })`)) as RawScroll;
}

function summarize(r: RawScroll): ScrollStats {
  const gaps = [...r.gaps].sort((a, b) => a - b);
  const share = (k: number): number => Math.round((k / Math.max(1, r.seen)) * 1000) / 1000;
  return {
    frames: r.gaps.length,
    seconds: round(r.seconds),
    pixels: r.pixels,
    frameMs: {
      p50: round(percentile(gaps, 50)),
      p95: round(percentile(gaps, 95)),
      max: round(gaps.at(-1) ?? NaN),
    },
    framesOver50ms: gaps.filter((g) => g > 50).length,
    longAnimationFrames: r.loaf,
    longFramesMs: {
      total: Math.round(r.loafTotal),
      script: Math.round(r.loafScript),
      styleLayoutPaint: Math.round(r.loafLayout),
    },
    visibleFilled: share(r.filled),
    visibleWithImage: share(r.withImage),
  };
}

const CLASSES = 10;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}
const round = (n: number): number => Math.round(n * 10) / 10;

/** A project file with `count` image rows (70 % labeled over 10 classes, keys 1-9). */
async function writeProject(dir: string, count: number): Promise<string> {
  const real = join(dir, 'real');
  const links = join(dir, 'links');
  mkdirSync(real, { recursive: true });
  mkdirSync(links, { recursive: true });
  const originals: { path: string; hash: string; bytes: number }[] = [];
  for (let i = 0; i < 8; i++) {
    const path = join(real, `shape-${i}.jpg`);
    const body = await shapeImage(CLASS_STYLES[i % CLASS_STYLES.length]!, 100 + i, 96);
    writeFileSync(path, body);
    originals.push({ path, hash: createHash('sha256').update(body).digest('hex'), bytes: body.length });
  }
  const { ProjectStore } = await import('../src/store/project.ts');
  const projectPath = join(dir, 'bench-ui.incept');
  const store = ProjectStore.create(projectPath);
  const db = store.db;
  const now = new Date().toISOString();
  const insertClass = db.prepare(
    'INSERT INTO classes (name, name_key, color, sort_order, hotkey, created_at) VALUES (?, ?, ?, ?, ?, ?)',
  );
  const insertImage = db.prepare(
    `INSERT INTO images (path, name, hash, bytes, mtime_ms, width, height, format, status, split, added_at)
     VALUES (?, ?, ?, ?, 0, 96, 96, 'jpeg', 'ok', ?, ?)`,
  );
  const insertLabel = db.prepare(
    "INSERT INTO labels (image_id, class_id, source, labeled_at) VALUES (?, ?, 'imported', ?)",
  );
  db.transaction(() => {
    for (let c = 1; c <= CLASSES; c++)
      insertClass.run(`class ${c}`, `class ${c}`, PALETTE[c - 1], c - 1, c <= 9 ? String(c) : null, now);
    for (let i = 0; i < count; i++) {
      const o = originals[i % originals.length]!;
      const name = `img-${String(i).padStart(6, '0')}.jpg`;
      const link = join(links, name);
      symlinkSync(o.path, link);
      const split = i % 10 < 8 ? 'train' : i % 10 === 8 ? 'validation' : 'test';
      const id = Number(insertImage.run(link, name, o.hash, o.bytes, split, now).lastInsertRowid);
      if (i % 10 < 7) insertLabel.run(id, 1 + (i % CLASSES), now);
    }
  })();
  store.close();
  return projectPath;
}

/** The little of the DOM the page-side check uses (the Node tsconfig has no DOM library). */
interface El {
  getBoundingClientRect(): { top: number; bottom: number };
  querySelector(s: string): (El & { complete?: boolean; naturalWidth?: number }) | null;
  querySelectorAll(s: string): Iterable<El>;
}

/** In the page: every cell in the grid's viewport shows a decoded thumbnail. */
function firstScreenPainted(): boolean {
  const vp = (globalThis as unknown as { document: El }).document.querySelector('[data-testid="grid"]');
  if (!vp) return false;
  const box = vp.getBoundingClientRect();
  const cells = [...vp.querySelectorAll('.cell')].filter((c) => {
    const r = c.getBoundingClientRect();
    return r.bottom > box.top && r.top < box.bottom;
  });
  return (
    cells.length > 0 &&
    cells.every((c) => {
      const img = c.querySelector('.thumb img');
      return img !== null && img.complete === true && (img.naturalWidth ?? 0) > 0;
    })
  );
}

const noScroll: RawScroll = {
  gaps: [],
  loaf: 0,
  loafScript: 0,
  loafLayout: 0,
  loafTotal: 0,
  filled: 0,
  withImage: 0,
  seen: 0,
  seconds: 0,
  pixels: 0,
};

export async function benchUi(opts: { images?: number } = {}): Promise<UiBench> {
  const images = opts.images ?? 10_000;
  const empty = (skipped: string): UiBench => ({
    images,
    openToPaintMs: NaN,
    scroll: summarize(noScroll),
    steadyScroll: summarize(noScroll),
    label: { samples: 0, p50: NaN, p95: NaN, max: NaN, persisted: 0 },
    heapMB: { afterPaint: NaN, afterScroll: NaN },
    cellsInDom: 0,
    consoleErrors: 0,
    skipped,
  });
  const missing = chromiumMissingReason();
  if (missing) return empty(missing);

  const dir = mkdtempSync(join(tmpdir(), 'incept-bench-ui-'));
  const cleanup: (() => Promise<void>)[] = [];
  try {
    const projectPath = await writeProject(dir, images);
    const server = await startServeProcess([], { INCEPT_DATA_DIR: join(dir, 'data') });
    cleanup.push(() => server.stop());
    const { browser, close } = await launchChromium();
    cleanup.push(close);
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    let consoleErrors = 0;
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors++;
    });
    const cdp = await page.context().newCDPSession(page);
    const heapMB = async (): Promise<number> => {
      await cdp.send('HeapProfiler.collectGarbage');
      const { usedSize } = await cdp.send('Runtime.getHeapUsage');
      return round(usedSize / 1024 / 1024);
    };

    // --- open → painted grid
    await page.goto(server.openUrl);
    await page.getByLabel('Project file').fill(projectPath);
    const t0 = performance.now();
    await page.getByRole('button', { name: 'Open project', exact: true }).click();
    await page.waitForFunction(firstScreenPainted, undefined, { timeout: 60_000, polling: 'raf' });
    const openToPaintMs = Math.round(performance.now() - t0);
    const afterPaint = await heapMB();

    // --- scripted scrolls, one step per frame: a fling through everything, then a steady read
    const fling = await scrollRun(page, { stepOfViewport: 0.75, maxFrames: 100_000 });
    await page.waitForTimeout(500);
    await page.getByTestId('grid').evaluate((vp: { scrollTop: number }) => (vp.scrollTop = 0));
    await page.waitForTimeout(500);
    const steady = await scrollRun(page, { stepOfViewport: 0.04, maxFrames: 300 });
    await page.waitForTimeout(1500);
    const afterScroll = await heapMB();
    const cellsInDom = await page.locator('[data-testid="grid"] .cell').count();

    // --- keydown → label visible, then persisted
    const grid = page.getByTestId('grid');
    await grid.focus();
    await page.keyboard.press('Home');
    await page.locator('#cell-0').waitFor();
    await page.locator('#cell-0').click();
    await page.evaluate(`(() => {
      window.__benchT0 = 0;
      document.addEventListener('keydown', () => { window.__benchT0 = performance.now(); }, true);
    })()`);
    const latencies: number[] = [];
    const expected = new Map<number, number>();
    const samples = 40;
    for (let i = 0; i < samples; i++) {
      const cellLoc = page.locator(`#cell-${i}`);
      const imageId = Number(await cellLoc.getAttribute('data-image-id'));
      const current = (await cellLoc.locator('.chip').textContent())?.trim() ?? '';
      let c = 1 + (i % 9);
      if (current === `class ${c}`) c = 1 + ((c + 1) % 9);
      const name = `class ${c}`;
      await page.evaluate(`(() => {
        const target = document.querySelector('#cell-${i}');
        window.__benchWait = new Promise((resolve) => {
          const done = () => requestAnimationFrame(() => resolve(performance.now() - window.__benchT0));
          const ok = () => target.querySelector('[data-testid="label-chip"]')?.textContent.trim() === ${JSON.stringify(name)};
          const mo = new MutationObserver(() => { if (ok()) { mo.disconnect(); done(); } });
          mo.observe(target, { subtree: true, childList: true, characterData: true });
        });
      })()`);
      await page.keyboard.press(String(c));
      latencies.push((await page.evaluate('window.__benchWait')) as number);
      expected.set(imageId, c);
    }
    await page.waitForTimeout(500);
    let persisted = 0;
    for (const [id, classId] of expected) {
      const res = await fetch(new URL('/api/images.get', server.url), {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${server.token}` },
        body: JSON.stringify({ id }),
      });
      const body = (await res.json()) as { result?: { classId: number | null } };
      if (body.result?.classId === classId) persisted++;
    }
    latencies.sort((a, b) => a - b);

    return {
      images,
      openToPaintMs,
      scroll: summarize(fling),
      steadyScroll: summarize(steady),
      label: {
        samples,
        p50: round(percentile(latencies, 50)),
        p95: round(percentile(latencies, 95)),
        max: round(latencies.at(-1) ?? NaN),
        persisted,
      },
      heapMB: { afterPaint, afterScroll },
      cellsInDom,
      consoleErrors,
    };
  } finally {
    for (const fn of cleanup.reverse()) await fn().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const i = process.argv.indexOf('--images');
  const images = i >= 0 ? Number(process.argv[i + 1]) : undefined;
  console.log(JSON.stringify(await benchUi(images ? { images } : {}), null, 2));
}
