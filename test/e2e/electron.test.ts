/**
 * The desktop app end to end, through Electron itself (Playwright's _electron): the secure
 * window, the preload's API, a project, an imported folder and thumbnails through the
 * `incept-img:` protocol. Needs an Electron binary (ELECTRON_OVERRIDE_DIST_PATH is honoured) and
 * Electron's build of better-sqlite3; without them it is reported as skipped, with the reason.
 * On Linux without a display it starts its own Xvfb.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { _electron as electron, type ElectronApplication, type Page } from 'playwright-core';
import { SQLITE_BINDING_ENV } from '../../electron/native-paths.ts';
import { bundleElectron } from '../../electron/tooling/bundle.ts';
import { findElectronBinary } from '../../electron/tooling/electron-binary.ts';
import { ensureElectronSqlite, installedElectronVersion } from '../../electron/tooling/native-sqlite.ts';
import { ARTIFACTS_DIR } from '../helpers/browser.ts';
import { REPO_ROOT } from '../helpers/serve.ts';
import { tempDir } from '../helpers/tmp.ts';

/** Starts Xvfb on a free display (it picks one and tells us through -displayfd). */
async function startXvfb(): Promise<{ display: string; stop(): void } | string> {
  if (!existsSync('/usr/bin/Xvfb')) return 'no DISPLAY and no Xvfb (apt-get install xvfb)';
  const xvfb: ChildProcess = spawn(
    '/usr/bin/Xvfb',
    ['-displayfd', '3', '-screen', '0', '1280x900x24', '-nolisten', 'tcp'],
    {
      stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
    },
  );
  const display = await new Promise<string | null>((resolve) => {
    let out = '';
    (xvfb.stdio[3] as NodeJS.ReadableStream).on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) resolve(`:${out.trim()}`);
    });
    xvfb.once('exit', () => resolve(null));
    setTimeout(() => resolve(null), 10_000).unref();
  });
  if (!display) {
    xvfb.kill();
    return 'Xvfb did not start';
  }
  return { display, stop: () => void xvfb.kill() };
}

interface PageApi {
  incept: { call(method: string, args?: unknown): Promise<unknown> };
}

/** Calls the API from inside the page, through the preload, as the renderer does. */
function call<T>(page: Page, method: string, args: unknown = {}): Promise<T> {
  return page.evaluate(([m, a]) => (globalThis as unknown as PageApi).incept.call(m as string, a), [
    method,
    args,
  ] as const) as Promise<T>;
}

test('desktop: secure window, project, import and thumbnails through incept-img://', async (t) => {
  const binary = findElectronBinary(REPO_ROOT);
  if (!binary.ok) return t.skip(`no Electron binary: ${binary.reason}`);
  if (!existsSync(join(REPO_ROOT, 'renderer', 'dist', 'index.html')))
    return t.skip('the renderer is not built (npm run build)');
  let binding: string;
  try {
    binding = await ensureElectronSqlite({
      root: REPO_ROOT,
      electronVersion: installedElectronVersion(REPO_ROOT),
    });
  } catch (err) {
    return t.skip(`no Electron build of better-sqlite3: ${(err as Error).message.split('\n')[0]}`);
  }
  await bundleElectron({ root: REPO_ROOT });

  const env: Record<string, string> = {};
  if (process.platform === 'linux' && !process.env.DISPLAY) {
    const x = await startXvfb();
    if (typeof x === 'string') return t.skip(x);
    t.after(() => x.stop());
    env.DISPLAY = x.display;
  }

  const dir = tempDir(t);
  const images = join(dir, 'photos');
  mkdirSync(images);
  for (const [i, colour] of ['#e11d48', '#16a34a', '#2563eb'].entries()) {
    await sharp({ create: { width: 96, height: 64, channels: 3, background: colour } })
      .png()
      .toFile(join(images, `img-${i}.png`));
  }

  const app: ElectronApplication = await electron.launch({
    executablePath: binary.path,
    args: [...(process.getuid?.() === 0 ? ['--no-sandbox'] : []), REPO_ROOT],
    cwd: REPO_ROOT,
    env: {
      ...(process.env as Record<string, string>),
      ...env,
      [SQLITE_BINDING_ENV]: binding,
      INCEPT_DATA_DIR: join(dir, 'data'),
      XDG_CONFIG_HOME: join(dir, 'config'),
    },
    timeout: 60_000,
  });
  t.after(() => app.close());
  const page = await app.firstWindow();
  const problems: string[] = [];
  page.on('pageerror', (err) => problems.push(err.message));
  await page.waitForFunction(() => 'incept' in globalThis, null, { timeout: 30_000 });

  // The page has the API and nothing of Node.
  const surface = await page.evaluate(() => ({
    href: (globalThis as unknown as { location: { href: string } }).location.href,
    require: typeof (globalThis as { require?: unknown }).require,
    process: typeof (globalThis as { process?: unknown }).process,
    ipc: typeof (globalThis as { ipcRenderer?: unknown }).ipcRenderer,
    api: Object.keys((globalThis as unknown as PageApi).incept).sort(),
    opened: (globalThis as unknown as { open(u: string): unknown }).open('https://example.com/') === null,
  }));
  assert.deepEqual(surface, {
    href: 'app://incept/index.html',
    require: 'undefined',
    process: 'undefined',
    ipc: 'undefined',
    api: ['call', 'on'],
    opened: true,
  });
  const refused = await page.evaluate(() =>
    (globalThis as unknown as PageApi).incept.call('fs.readFile', {}).then(
      () => 'resolved',
      (err: { code?: string }) => err.code,
    ),
  );
  assert.equal(refused, 'unknown_method', 'errors keep their code across the bridge');

  const projectPath = join(dir, 'desk.incept');
  const project = await call<{ path: string }>(page, 'project.create', { path: projectPath });
  assert.equal(project.path, projectPath);
  const { jobId } = await call<{ jobId: string }>(page, 'import.start', { folder: images });
  for (let i = 0; ; i++) {
    const job = await call<{ status: string; error: unknown }>(page, 'jobs.get', { jobId });
    if (job.status !== 'running') {
      assert.equal(job.status, 'succeeded', JSON.stringify(job.error));
      break;
    }
    assert.ok(i < 300, 'the import finished within 30 s');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const pageOfImages = await call<{ total: number; items: { id: number }[] }>(page, 'images.query', {});
  assert.equal(pageOfImages.total, 3);
  const id = pageOfImages.items[0]!.id;

  // A thumbnail through the custom protocol, in the real page under its real CSP.
  const size = await page.evaluate(async (imageId) => {
    const doc = (
      globalThis as unknown as {
        document: { createElement(t: string): unknown; body: { append(e: unknown): void } };
      }
    ).document;
    const img = doc.createElement('img') as {
      src: string;
      decode(): Promise<void>;
      naturalWidth: number;
      naturalHeight: number;
    };
    img.src = `incept-img://${imageId}/thumb`;
    doc.body.append(img);
    await img.decode();
    return [img.naturalWidth, img.naturalHeight];
  }, id);
  assert.ok(size[0]! > 0 && size[1]! > 0, `the thumbnail decoded (${size.join('×')})`);
  const traversal = await page.evaluate(async () => {
    const doc = (globalThis as unknown as { document: { createElement(t: string): unknown } }).document;
    const img = doc.createElement('img') as { src: string; decode(): Promise<void> };
    img.src = 'incept-img://1/../../../../etc/passwd';
    return img.decode().then(
      () => 'loaded',
      () => 'refused',
    );
  });
  assert.equal(traversal, 'refused');

  // And the app's own grid shows thumbnails from the protocol too.
  await page.waitForFunction(
    () => {
      const doc = (
        globalThis as unknown as {
          document: { querySelectorAll(s: string): ArrayLike<{ complete: boolean; naturalWidth: number }> };
        }
      ).document;
      const imgs = Array.from(doc.querySelectorAll('img[src^="incept-img://"]'));
      return imgs.length > 0 && imgs.some((i) => i.complete && i.naturalWidth > 0);
    },
    null,
    { timeout: 20_000 },
  );
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS_DIR, 'electron-project.png') });
  assert.deepEqual(problems, []);
});
