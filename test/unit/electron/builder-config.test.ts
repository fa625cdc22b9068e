/** The electron-builder settings that matter, checked without packaging or downloading. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, matchesGlob } from 'node:path';
import sharp from 'sharp';
import { DIST_SQLITE_STAGING, PACKAGED_SQLITE_BINDING } from '../../../electron/native-paths.ts';
import { REPO_ROOT } from '../../helpers/serve.ts';

const require = createRequire(import.meta.url);
interface FileSet {
  from: string;
  to: string;
}
interface Config {
  [key: string]: unknown;
  appId: string;
  productName: string;
  files: string[];
  asar: boolean;
  asarUnpack: string[];
  npmRebuild: boolean;
  extraResources: FileSet[];
  fileAssociations: { ext: string; name: string; mimeType?: string }[];
  linux: { target: string[]; icon: string; mimeTypes: string[]; maintainer?: string };
  win: { target: string[]; icon: string };
  mac: { target: string[]; icon: string };
  electronFuses: Record<string, boolean>;
}
const config = require(join(REPO_ROOT, 'build', 'electron-builder.config.cjs')) as Config;
const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
  main: string;
  scripts: Record<string, string>;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

test('identity, targets and the .incept file association', () => {
  assert.equal(config.appId, 'app.incept.desktop');
  assert.equal(config.productName, 'Incept');
  assert.deepEqual(config.linux.target, ['AppImage', 'deb']);
  assert.ok(config.linux.maintainer, 'deb needs a maintainer');
  assert.deepEqual(config.win.target, ['nsis']);
  assert.deepEqual(config.mac.target, ['dmg']);
  assert.equal(config.fileAssociations.length, 1);
  assert.equal(config.fileAssociations[0]!.ext, 'incept');
  assert.ok(config.linux.mimeTypes.includes(config.fileAssociations[0]!.mimeType!));
});

test('the package holds the bundles, the renderer, the migrations and the export samples', () => {
  for (const entry of [
    'package.json',
    'electron/dist/**/*',
    'renderer/dist/**/*',
    'migrations/**/*',
    'src/export/samples/**/*',
  ])
    assert.ok(config.files.includes(entry), entry);
  const shipped = (path: string): boolean =>
    config.files.some((glob) => !glob.startsWith('!') && matchesGlob(path, glob));
  // The core runs from the bundles (the compute worker too): no TypeScript is shipped.
  assert.ok(!shipped('src/jobs/compute-worker.ts'), 'TypeScript sources stay out of the package');
  assert.ok(!shipped('src/core.ts'));
  for (const path of [
    'electron/dist/compute-host.cjs',
    'electron/dist/compute-worker.cjs',
    'electron/dist/tfjs-check-worker.cjs',
    'package.json',
    ...readdirSync(join(REPO_ROOT, 'migrations')).map((f) => `migrations/${f}`),
    ...readdirSync(join(REPO_ROOT, 'src', 'export', 'samples')).map((f) => `src/export/samples/${f}`),
  ])
    assert.ok(shipped(path), `${path} is shipped`);
  assert.ok(
    !config.files.some((f) => /^!?node_modules\/?(\*\*)?$/.test(f)),
    'node_modules are left to electron-builder (production only)',
  );
  assert.equal(pkg.main, 'electron/dist/main.cjs', 'package.json main is the bundled main process');
  assert.equal(pkg.scripts.start, 'node scripts/start.mjs');
  assert.equal(pkg.scripts.dist, 'node scripts/dist.mjs');
  for (const dev of ['electron', 'electron-builder', '@electron/rebuild', 'esbuild'])
    assert.ok(pkg.devDependencies[dev] && !pkg.dependencies[dev], `${dev} is a devDependency`);
});

test('native modules are unpacked from the asar', () => {
  assert.equal(config.asar, true);
  const unpacked = (path: string): boolean => config.asarUnpack.some((glob) => matchesGlob(path, glob));
  for (const path of [
    'node_modules/onnxruntime-node/bin/napi-v6/linux/x64/onnxruntime_binding.node',
    'node_modules/onnxruntime-node/bin/napi-v6/linux/x64/libonnxruntime.so.1',
    'node_modules/sharp/build/Release/sharp-linux-x64.node',
    'node_modules/@img/sharp-libvips-linux-x64/lib/libvips-cpp.so.8.17.0',
    'node_modules/@tensorflow/tfjs-node/lib/napi-v8/tfjs_binding.node',
    'node_modules/@tensorflow/tfjs-node/deps/lib/libtensorflow.so.2',
    'node_modules/@tensorflow/tfjs-node-gpu/deps/lib/libtensorflow_framework.so.2',
    'node_modules/@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm',
    'node_modules/@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm',
  ]) {
    assert.ok(unpacked(path), path);
  }
  assert.ok(!unpacked('electron/dist/main.cjs'));
  assert.ok(!unpacked('electron/dist/compute-worker.cjs'), 'Electron reads app.asar in worker threads');
  assert.ok(!unpacked('renderer/dist/index.html'));
});

test('Electron gets its own better-sqlite3; node_modules is never rebuilt in place', () => {
  assert.equal(config.npmRebuild, false, 'an in-place rebuild would break npm test');
  assert.equal(config.nodeGypRebuild, false);
  assert.deepEqual(config.extraResources, [
    { from: DIST_SQLITE_STAGING.split('\\').join('/'), to: PACKAGED_SQLITE_BINDING.split('\\').join('/') },
  ]);
  assert.ok(
    config.files.some((f) => f.startsWith('!node_modules/better-sqlite3/')),
    "Node's build is left out",
  );
});

test('the packaged binary is hardened with fuses', () => {
  assert.equal(config.electronFuses.runAsNode, false);
  assert.equal(config.electronFuses.enableNodeOptionsEnvironmentVariable, false);
  assert.equal(config.electronFuses.enableNodeCliInspectArguments, false);
  assert.equal(config.electronFuses.onlyLoadAppFromAsar, true);
});

test('icons: 512 and 256 px PNGs, small', async () => {
  for (const [file, size] of [
    [config.mac.icon, 512],
    [config.win.icon, 256],
    [join(config.linux.icon, '512x512.png'), 512],
    [join(config.linux.icon, '256x256.png'), 256],
  ] as const) {
    const path = join(REPO_ROOT, file);
    const meta = await sharp(path).metadata();
    assert.equal(meta.format, 'png', file);
    assert.equal(meta.width, size, file);
    assert.equal(meta.height, size, file);
    assert.ok(statSync(path).size < 64 * 1024, `${file} is small`);
  }
});

test("every key is one electron-builder's schema knows", (t) => {
  const schemaPath = join(REPO_ROOT, 'node_modules', 'app-builder-lib', 'scheme.json');
  if (!existsSync(schemaPath)) return t.skip('app-builder-lib/scheme.json is not installed');
  const schema = JSON.parse(readFileSync(schemaPath, 'utf8')) as {
    properties: Record<string, unknown>;
    definitions: Record<string, { properties?: Record<string, unknown> }>;
  };
  const defOf = (prop: unknown): string | null => {
    const m = /#\/definitions\/(\w+)/.exec(JSON.stringify(prop));
    return m ? m[1]! : null;
  };
  for (const [key, value] of Object.entries(config)) {
    assert.ok(key in schema.properties, `unknown top-level key ${key}`);
    const def = defOf(schema.properties[key]);
    const known = def ? schema.definitions[def]?.properties : undefined;
    if (!known) continue;
    const objects = Array.isArray(value) ? value : [value];
    for (const obj of objects) {
      if (typeof obj !== 'object' || obj === null) continue;
      for (const sub of Object.keys(obj)) assert.ok(sub in known, `unknown key ${key}.${sub} (${def})`);
    }
  }
});
