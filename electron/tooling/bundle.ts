/**
 * Bundles the Electron side with esbuild into `electron/dist/`:
 *
 * - `main.cjs`, `compute-host.cjs`, `compute-worker.cjs` and `tfjs-check-worker.cjs` (Node targets): our TypeScript,
 *   `src/` included, in one file each; packages stay in node_modules (native ones must, and they
 *   are shipped anyway), and so do tfjs-backend-wasm's `.wasm` files, found through its package.
 *   The worker is the compute host's worker thread (`src/jobs/compute-worker.ts`): bundled, it
 *   runs without tsx, which could not transpile TypeScript from inside app.asar.
 * - `preload.cjs`: fully self-contained, because a sandboxed preload cannot require local files.
 *
 * `src/` finds files next to itself with `new URL('…', import.meta.url)` (migrations,
 * package.json, worker entries). In a bundle that URL would be the bundle's, so each file's
 * `import.meta.url` is rewritten to the URL its source file has in the app folder.
 */
import { readFile } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import { build, type BuildOptions, type Plugin } from 'esbuild';
import { channelFor, eventNames, methodNames } from '../../src/api/contract.ts';

export const ELECTRON_DIST = join('electron', 'dist');

export interface BundleOptions {
  root: string;
  /** Defaults to `<root>/electron/dist`; tests use a scratch folder below the root. */
  outdir?: string;
  minify?: boolean;
  entries?: BundleEntry[];
}

export type BundleEntry = 'main' | 'preload' | 'compute-host' | 'compute-worker' | 'tfjs-check-worker';

/** The Node-target bundles and their sources (each is written as `<name>.cjs`). */
const NODE_ENTRIES = {
  main: join('electron', 'main.ts'),
  'compute-host': join('electron', 'compute-host.ts'),
  'compute-worker': join('src', 'jobs', 'compute-worker.ts'),
  // The export's TensorFlow.js self-check threads, started by the compute worker beside itself.
  'tfjs-check-worker': join('src', 'export', 'tfjs-check-worker.ts'),
} as const;

const toPosix = (p: string): string => p.split(sep).join('/');

/** Rewrites `import.meta.url|dirname|filename` in our own sources to their app-folder location. */
export function sourceLocationPlugin(root: string): Plugin {
  return {
    name: 'incept-source-location',
    setup(b) {
      b.onLoad({ filter: /\.(ts|mts)$/ }, async (args) => {
        if (args.path.includes(`${sep}node_modules${sep}`)) return undefined;
        const rel = toPosix(relative(root, args.path));
        if (rel.startsWith('..')) return undefined;
        const source = await readFile(args.path, 'utf8');
        if (!source.includes('import.meta')) return { contents: source, loader: 'ts' };
        const lit = JSON.stringify(rel);
        const contents = source
          .replace(/\bimport\.meta\.url\b/g, `__inceptSourceUrl(${lit})`)
          .replace(/\bimport\.meta\.filename\b/g, `__inceptSourcePath(${lit})`)
          .replace(/\bimport\.meta\.dirname\b/g, `require("node:path").dirname(__inceptSourcePath(${lit}))`);
        return { contents, loader: 'ts' };
      });
    },
  };
}

/**
 * The preload needs the contract's names, not its zod schemas (most of a megabyte): it gets a
 * generated module with the method names, their channels and the event names, taken from the
 * contract at build time.
 */
export function contractNamesPlugin(): Plugin {
  return {
    name: 'incept-contract-names',
    setup(b) {
      b.onResolve({ filter: /[\\/]api[\\/]contract\.ts$/ }, (args) => ({
        path: resolve(args.resolveDir, args.path),
        namespace: 'incept-contract-names',
      }));
      b.onLoad({ filter: /.*/, namespace: 'incept-contract-names' }, () => {
        const channels = Object.fromEntries(methodNames.map((m) => [m, channelFor(m)]));
        return {
          loader: 'js',
          contents: [
            `const channels = ${JSON.stringify(channels)};`,
            `export const methodNames = Object.freeze(${JSON.stringify(methodNames)});`,
            `export const eventNames = Object.freeze(${JSON.stringify(eventNames)});`,
            'export function isMethodName(name) {',
            '  return typeof name === "string" && Object.prototype.hasOwnProperty.call(channels, name);',
            '}',
            'export function channelFor(name) {',
            '  if (!isMethodName(name)) throw new Error("Unknown method " + JSON.stringify(name));',
            '  return channels[name];',
            '}',
          ].join('\n'),
        };
      });
    },
  };
}

/**
 * Main only parses image addresses (parseImageRequest); the module that has it also makes
 * thumbnails with sharp. Main never does, so it does not load libvips: `sharp` is a stub there
 * that fails loudly if that ever changes.
 */
export function mainProcessStubs(): Plugin {
  return {
    name: 'incept-main-stubs',
    setup(b) {
      b.onResolve({ filter: /^sharp$/ }, () => ({ path: 'sharp', namespace: 'incept-main-stub' }));
      b.onLoad({ filter: /.*/, namespace: 'incept-main-stub' }, () => ({
        loader: 'js',
        contents:
          'module.exports = function sharp() { throw new Error("sharp is not loaded in the main process; images are made by the compute process."); };',
      }));
    },
  };
}

/** The helpers the rewritten code calls, defined once at the top of the bundle. */
function nodeBanner(root: string, outdir: string): string {
  const rootFromOut = toPosix(relative(outdir, root)) || '.';
  return [
    `const __inceptRoot = require("node:path").resolve(__dirname, ${JSON.stringify(rootFromOut)});`,
    'const __inceptSourcePath = (rel) => require("node:path").join(__inceptRoot, rel);',
    'const __inceptSourceUrl = (rel) => require("node:url").pathToFileURL(__inceptSourcePath(rel)).href;',
  ].join('\n');
}

export async function bundleElectron(opts: BundleOptions): Promise<string[]> {
  const root = resolve(opts.root);
  const outdir = resolve(opts.outdir ?? join(root, ELECTRON_DIST));
  const entries = opts.entries ?? ['main', 'preload', 'compute-host', 'compute-worker', 'tfjs-check-worker'];
  const common: BuildOptions = {
    absWorkingDir: root,
    bundle: true,
    format: 'cjs',
    outdir,
    outExtension: { '.js': '.cjs' },
    sourcemap: 'linked',
    minify: opts.minify ?? false,
    logLevel: 'warning',
    legalComments: 'none',
  };
  const builds: Promise<unknown>[] = [];
  const node = (entry: keyof typeof NODE_ENTRIES, plugins: Plugin[]): Promise<unknown> =>
    build({
      ...common,
      entryPoints: { [entry]: join(root, NODE_ENTRIES[entry]) },
      platform: 'node',
      target: 'node22',
      packages: 'external',
      external: ['electron'],
      // `import('pkg')` of a package becomes require(): the CommonJS loader is the one Electron
      // teaches to read app.asar (worker threads included), and the rest of the bundle uses it.
      supported: { 'dynamic-import': false },
      banner: { js: nodeBanner(root, outdir) },
      plugins: [sourceLocationPlugin(root), ...plugins],
    });
  if (entries.includes('main')) builds.push(node('main', [mainProcessStubs()]));
  if (entries.includes('compute-host')) builds.push(node('compute-host', []));
  if (entries.includes('compute-worker')) builds.push(node('compute-worker', []));
  if (entries.includes('tfjs-check-worker')) builds.push(node('tfjs-check-worker', []));
  if (entries.includes('preload')) {
    builds.push(
      build({
        ...common,
        entryPoints: [join(root, 'electron', 'preload.ts')],
        platform: 'browser',
        target: 'chrome140',
        external: ['electron'],
        plugins: [contractNamesPlugin()],
        // installMainWorldApi is serialised by contextBridge: no helper may be injected into it.
        keepNames: false,
      }),
    );
  }
  await Promise.all(builds);
  return entries.map((e) => join(outdir, `${e}.cjs`));
}
