import { join } from 'node:path';
import type { TestContext } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, watchPage } from './browser.ts';
import { startServeProcess, type ServeProcess } from './serve.ts';

export interface StudioOptions {
  /** Folder for the server's data; `<dir>/data` is its data folder. */
  dir: string;
  /** When given, a project is created at this path and the project screen is awaited. */
  project?: string;
  /** Playwright's default (1280×720) when left out. */
  viewport?: { width: number; height: number };
  serveArgs?: string[];
  /** More environment for `incept serve` (e.g. HOME for the file browser). */
  env?: Record<string, string>;
  /** Headless Chromium draws WebGL (the map) only on SwiftShader. */
  webgl?: boolean;
  /** Grants the page's origin the (fake) camera without a prompt. */
  camera?: boolean;
}

export interface Studio {
  server: ServeProcess;
  browser: Browser;
  page: Page;
  /** Console errors and failed requests of `page` (see `watchPage`). */
  problems: string[];
  /** Closes the browser, then stops the server (before a test removes its data folder). */
  close(): Promise<void>;
}

/**
 * Starts the real `incept serve`, launches Chromium, opens the token URL in a watched page and,
 * when asked, creates a project. Server and browser are stopped when the test ends.
 * Callers check `chromiumMissingReason()` first, so that a machine without Chromium skips.
 */
export async function openStudio(t: TestContext, options: StudioOptions): Promise<Studio> {
  const server = await startServeProcess(options.serveArgs ?? [], {
    INCEPT_DATA_DIR: join(options.dir, 'data'),
    ...options.env,
  });
  t.after(() => server.stop());
  const { browser, close } = await launchChromium(
    options.webgl ? ['--enable-unsafe-swiftshader', '--use-angle=swiftshader'] : [],
  );
  t.after(close);
  const context = await browser.newContext(options.viewport ? { viewport: options.viewport } : {});
  if (options.camera) await context.grantPermissions(['camera'], { origin: new URL(server.openUrl).origin });
  const page = await context.newPage();
  const { problems } = watchPage(page);
  await page.goto(server.openUrl);
  if (options.project !== undefined) await createProject(page, options.project);
  const closeAll = async (): Promise<void> => {
    await close();
    await server.stop();
  };
  return { server, browser, page, problems, close: closeAll };
}

/** Creates a project from the start screen and waits until it is open. */
export async function createProject(page: Page, path: string): Promise<void> {
  await page.getByLabel('Project file').fill(path);
  await page.getByRole('button', { name: 'Create project' }).click();
  await page.getByTestId('project-screen').waitFor();
}
