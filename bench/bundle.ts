/**
 * `npm run bench:bundle [-- --out=DIR]`: packs the embed benchmark for a machine with no Node and
 * no network (Linux x64 with an NVIDIA GPU, room for 64 MiB) into one folder:
 *
 *   run.sh            unpacks next to itself (or into $INCEPT_BENCH_DIR) and prints the JSON
 *   payload.tar.xz    node, the benchmark bundled by esbuild, onnxruntime-node's binding and
 *                     library, and sharp with its libvips
 *
 * The benchmark's own code (engines, fixture generator) is one esbuild bundle; only native
 * packages and what they require at run time are copied, and everything is xz-compressed.
 */
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  realpathSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { readFile } from 'node:fs/promises';
import { build, type Plugin } from 'esbuild';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const LIMIT = 64 * 2 ** 20;
const require = createRequire(join(ROOT, 'package.json'));

/** Packages copied as they are: native code, or loaded by the native packages at run time. */
const NATIVE_PACKAGES = [
  'onnxruntime-node',
  'onnxruntime-common',
  'sharp',
  '@img/colour',
  'detect-libc',
  'semver',
];

/**
 * In the bench's own files import.meta.url keeps naming their source, so their "run me when I
 * am the main script" checks stay false inside the bundle (only portable.ts runs).
 */
function benchSourceUrls(): Plugin {
  return {
    name: 'incept-bench-source-urls',
    setup(b) {
      b.onLoad({ filter: /[\\/]bench[\\/][^\\/]+\.ts$/ }, async (args) => ({
        contents: (await readFile(args.path, 'utf8')).replace(
          /\bimport\.meta\.url\b/g,
          JSON.stringify(pathToFileURL(args.path).href),
        ),
        loader: 'ts',
      }));
    },
  };
}

/** A package's folder (some packages' exports hide their package.json from require.resolve). */
function packageDir(name: string): string {
  let dir = dirname(require.resolve(name));
  while (!existsSync(join(dir, 'package.json')) || !dir.replaceAll('\\', '/').endsWith(name)) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`Cannot find the folder of the package ${name}.`);
    dir = up;
  }
  return realpathSync(dir);
}

export async function bundleBench(
  opts: { out?: string; level?: string } = {},
): Promise<{ dir: string; bytes: number }> {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(
      `The portable benchmark targets Linux x64; build it there (this is ${process.platform}-${process.arch}).`,
    );
  }
  const out = resolve(opts.out ?? join(ROOT, 'dist', 'bench-bundle'));
  const stage = join(out, 'stage');
  rmSync(out, { recursive: true, force: true });
  mkdirSync(stage, { recursive: true });

  await build({
    entryPoints: [join(ROOT, 'bench', 'portable.ts')],
    outfile: join(stage, 'embed.cjs'),
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    minify: true,
    logLevel: 'warning',
    external: [...NATIVE_PACKAGES, '@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu', 'better-sqlite3'],
    define: { 'import.meta.url': '__inceptModuleUrl' },
    plugins: [benchSourceUrls()],
    banner: { js: 'var __inceptModuleUrl = require("node:url").pathToFileURL(__filename).href;' },
  });

  cpSync(process.execPath, join(stage, 'node'));
  for (const name of NATIVE_PACKAGES) {
    const src = packageDir(name);
    const dest = join(stage, 'node_modules', name);
    cpSync(src, dest, {
      recursive: true,
      // Only this platform's onnxruntime binaries, and no nested install-time dependencies.
      filter: (p) =>
        !/[\\/]bin[\\/]napi-v6[\\/](?!linux([\\/]x64)?([\\/]|$))/.test(p.slice(src.length)) &&
        !/[\\/]node_modules[\\/]/.test(p.slice(src.length)) &&
        !/\.(map|d\.ts|md)$/.test(p),
    });
  }
  for (const name of ['@img/sharp-linux-x64', '@img/sharp-libvips-linux-x64']) {
    const src = realpathSync(join(packageDir('sharp'), '..', name));
    cpSync(src, join(stage, 'node_modules', name), { recursive: true });
  }

  execFileSync('tar', ['-C', stage, '-cJf', join(out, 'payload.tar.xz'), '.'], {
    env: { ...process.env, XZ_OPT: `${opts.level ?? '-9'} -T0` },
    stdio: 'inherit',
  });
  rmSync(stage, { recursive: true, force: true });
  const run = join(out, 'run.sh');
  writeFileSync(
    run,
    `#!/bin/sh
# Incept's portable embed benchmark: unpacks node and the benchmark, then prints JSON
# (WebGPU and onnxruntime's CPU provider side by side). Options: --images=N --batch=N
set -eu
here=$(cd "$(dirname "$0")" && pwd)
work=\${INCEPT_BENCH_DIR:-$here/unpacked}
if [ ! -x "$work/node" ]; then
  mkdir -p "$work"
  tar -xJf "$here/payload.tar.xz" -C "$work"
fi
# Dawn (the WebGPU provider) needs a runtime folder.
if [ -z "\${XDG_RUNTIME_DIR:-}" ]; then
  XDG_RUNTIME_DIR="$work/runtime"
  mkdir -p "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"
  export XDG_RUNTIME_DIR
fi
cd "$work"
exec ./node embed.cjs "$@"
`,
  );
  chmodSync(run, 0o755);
  const bytes = statSync(join(out, 'payload.tar.xz')).size + statSync(run).size;
  if (bytes > LIMIT) {
    throw new Error(`The bundle is ${(bytes / 2 ** 20).toFixed(1)} MiB, over the 64 MiB limit.`);
  }
  return { dir: out, bytes };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const out = process.argv.find((a) => a.startsWith('--out='))?.slice(6);
  const r = await bundleBench(out ? { out } : {});
  console.log(JSON.stringify({ dir: r.dir, mib: Math.round((r.bytes / 2 ** 20) * 10) / 10 }, null, 2));
}
