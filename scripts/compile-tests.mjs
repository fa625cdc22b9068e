// Compiles test files to plain JavaScript with esbuild, once for the whole suite, so that each
// test file's own process starts without tsx: on two cores, tsx's start-up and per-process
// transforms cost more than most unit tests themselves. Every file still runs in its own process.
//
// Each test file becomes one ES module (shared code in chunks) under a temporary folder whose
// `node_modules` links to the checkout's, so packages load from where they are installed.
// `import.meta.url` (and dirname/filename) keep naming the original source file, so paths
// computed from them (migrations, fixtures, createRequire) resolve as they do under tsx.
// `.svelte.ts` modules get their runes compiled by Svelte, as Vite and the test hooks do.
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, transform } from 'esbuild';

const SOURCE = /\.(ts|mts|js|mjs)$/;
const RUNES_MODULE = /\.svelte\.(ts|js)$/;

/** @type {import('esbuild').Plugin} */
const originalLocations = {
  name: 'original-locations',
  setup(b) {
    b.onLoad({ filter: SOURCE }, async (args) => {
      if (args.path.split(/[\\/]/).includes('node_modules')) return undefined;
      const text = readFileSync(args.path, 'utf8')
        .replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href))
        .replaceAll('import.meta.dirname', JSON.stringify(dirname(args.path)))
        .replaceAll('import.meta.filename', JSON.stringify(args.path));
      const loader = /\.m?ts$/.test(args.path) ? 'ts' : 'js';
      if (!RUNES_MODULE.test(args.path)) return { contents: text, loader };
      const { compileModule } = await import('svelte/compiler');
      const js = (await transform(text, { loader, format: 'esm', sourcefile: args.path })).code;
      return {
        contents: compileModule(js, { filename: args.path, generate: 'client' }).js.code,
        loader: 'js',
      };
    });
  },
};

/**
 * Compiles `files` (absolute paths below `root`) and returns the folder and, per source file,
 * its compiled file. The caller removes the folder.
 */
export async function compileTests(root, files) {
  const outdir = mkdtempSync(join(tmpdir(), 'incept-tests-'));
  symlinkSync(join(root, 'node_modules'), join(outdir, 'node_modules'), 'junction');
  try {
    await build({
      entryPoints: files,
      outbase: root,
      outdir,
      outExtension: { '.js': '.mjs' },
      bundle: true,
      splitting: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      packages: 'external',
      sourcemap: 'linked',
      logLevel: 'warning',
      plugins: [originalLocations],
    });
  } catch (err) {
    rmSync(outdir, { recursive: true, force: true });
    throw err;
  }
  const compiled = new Map(files.map((f) => [f, join(outdir, relative(root, f)).replace(/\.ts$/, '.mjs')]));
  return { outdir, compiled };
}
