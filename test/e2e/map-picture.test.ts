/**
 * The map's renderer in Chromium (WebGL on SwiftShader): a picture of more points than one frame
 * draws is redrawn over several frames off screen, and what it finally shows must be exactly the
 * picture drawn in one go.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import sharp from 'sharp';
import { CONTENT_SECURITY_POLICY } from '../../electron/security.ts';
import { chromiumMissingReason, launchChromium } from '../helpers/browser.ts';

const SCATTER_GL = fileURLToPath(new URL('../../renderer/src/components/map/scatter-gl.ts', import.meta.url));
const POINTS = 60_000;

// The page: one plot of POINTS deterministic points in blobs, coloured by blob.
const PAGE = `
import { ScatterGL } from ${JSON.stringify(SCATTER_GL)};
const box = document.getElementById('plot');
const canvas = document.createElement('canvas');
const overlay = document.createElement('canvas');
for (const c of [canvas, overlay]) { c.style.position = 'absolute'; c.style.left = '0'; c.style.top = '0'; }
box.append(canvas, overlay);
const plot = new ScatterGL(canvas, overlay, { onLasso() {}, onClick() {}, onHover() {} });
plot.resize(600, 400);
let s = 1;
const random = () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s / 2 ** 32; };
const xy = new Float32Array(${POINTS} * 2);
const colors = new Uint8Array(${POINTS} * 3);
const palette = [[230, 25, 75], [60, 180, 75], [67, 99, 216], [245, 130, 49]];
for (let i = 0; i < ${POINTS}; i++) {
  const b = i % 4;
  xy[i * 2] = (b % 2 ? 0.45 : -0.45) + (random() - 0.5) * 0.7;
  xy[i * 2 + 1] = (b > 1 ? 0.45 : -0.45) + (random() - 0.5) * 0.7;
  colors.set(palette[b], i * 3);
}
plot.setPoints(xy, colors);
globalThis.plot = plot;
globalThis.colors = colors;
`;

async function servePage(): Promise<{ url: string; close(): Promise<void> }> {
  const bundled = await build({
    stdin: { contents: PAGE, loader: 'js', resolveDir: process.cwd() },
    bundle: true,
    format: 'esm',
    write: false,
    logLevel: 'silent',
  });
  const js = bundled.outputFiles[0]!.contents;
  const html =
    '<!doctype html><body style="margin:0;background:#fff"><div id="plot" style="position:relative;width:600px;height:400px"></div><script type="module" src="page.js"></script>';
  const server = createServer((req, res) => {
    const isJs = req.url === '/page.js';
    res.writeHead(200, {
      'Content-Type': isJs ? 'text/javascript' : 'text/html',
      'Content-Security-Policy': CONTENT_SECURITY_POLICY,
    });
    res.end(isJs ? js : html);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

test(
  'a picture redrawn over several frames shows exactly what one frame would',
  { skip: chromiumMissingReason() ?? false },
  async () => {
    const page0 = await servePage();
    const { browser, close } = await launchChromium([
      '--enable-unsafe-swiftshader',
      '--use-angle=swiftshader',
    ]);
    try {
      const page = await browser.newPage({ viewport: { width: 600, height: 400 } });
      const problems: string[] = [];
      page.on('pageerror', (e) => problems.push(e.message));
      page.on('console', (m) => {
        if (m.type() === 'error') problems.push(m.text());
      });
      await page.goto(page0.url);
      // The first picture of new points is drawn in one frame and leaves a mark.
      await page.waitForFunction(
        () => performance.getEntriesByName('map:points-drawn').length > 0,
        undefined,
        {
          timeout: 60_000,
        },
      );
      // Strings, not functions: tsx would wrap the inner functions in a helper the page lacks.
      const settle = (): Promise<unknown> =>
        page.evaluate(`new Promise((resolve) => {
        let quiet = 0;
        const tick = () => {
          quiet = plot.drawing ? 0 : quiet + 1;
          if (quiet >= 3) resolve();
          else requestAnimationFrame(tick);
        };
        requestAnimationFrame(tick);
      })`);
      await settle();
      const once = await sharp(await page.screenshot())
        .raw()
        .toBuffer();
      let coloured = 0;
      for (let i = 0; i < once.length; i += 3)
        if (once[i]! < 200 || once[i + 1]! < 200 || once[i + 2]! < 200) coloured++;
      assert.ok(coloured > 20_000, `the plot shows its points (${coloured} coloured pixels)`);

      // The same colours again: a redraw of all points, over several frames.
      const frames = (await page.evaluate(`new Promise((resolve) => {
      plot.setColors(colors);
      let n = 0;
      const tick = () => {
        n++;
        if (plot.drawing) requestAnimationFrame(tick);
        else resolve(n);
      };
      requestAnimationFrame(tick);
    })`)) as number;
      assert.ok(frames >= 2, `60 000 points are redrawn over more than one frame (${frames})`);
      await settle();
      const redrawn = await sharp(await page.screenshot())
        .raw()
        .toBuffer();
      let differing = 0;
      for (let i = 0; i < once.length; i++) if (once[i] !== redrawn[i]) differing++;
      assert.equal(differing, 0, 'the redrawn picture is the picture drawn in one go');
      assert.deepEqual(problems, []);
    } finally {
      await close();
      await page0.close();
    }
  },
);
