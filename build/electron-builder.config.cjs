// electron-builder configuration for `npm run dist` (see electron/tooling/dist.ts).
// Tested without packaging by test/unit/electron/builder-config.test.ts.

/** N-API native modules: they load in Electron as they are, but only from real files on disk. */
const NATIVE_UNPACK = [
  '**/*.node',
  'node_modules/sharp/**/*',
  'node_modules/@img/**/*',
  'node_modules/onnxruntime-node/**/*',
  'node_modules/onnxruntime-common/**/*',
  // tfjs-node(-gpu) loads libtensorflow from deps/lib next to its addon.
  'node_modules/@tensorflow/tfjs-node/**/*',
  'node_modules/@tensorflow/tfjs-node-gpu/**/*',
  'node_modules/@tensorflow/tfjs-node/deps/lib/**/*',
  'node_modules/@tensorflow/tfjs-node-gpu/deps/lib/**/*',
  // tfjs's wasm backend loads its .wasm by path (Emscripten, in the compute worker thread):
  // real files, whatever reads them.
  'node_modules/@tensorflow/tfjs-backend-wasm/dist/*.wasm',
];

/** @type {import('electron-builder').Configuration} */
module.exports = {
  appId: 'app.incept.desktop',
  productName: 'Incept',
  executableName: 'incept',
  copyright: 'Copyright © Incept contributors',
  directories: { output: 'dist', buildResources: 'build' },
  publish: null,

  files: [
    'package.json',
    // main, preload, the compute host and its worker thread: the core (src/) is bundled into
    // them, so no TypeScript ships and nothing is transpiled at run time.
    'electron/dist/**/*',
    'renderer/dist/**/*',
    // The bundles find these beside the sources they came from (import.meta.url is rewritten to
    // that place): the database migrations and the samples an export copies.
    'migrations/**/*',
    'src/export/samples/**/*',
    // better-sqlite3's C sources and Node's compiled build: Electron loads its own build
    // from resources/native (extraResources below).
    '!node_modules/better-sqlite3/{deps,src,build}/**',
  ],
  // node_modules: electron-builder adds the production dependencies (never the dev ones).

  asar: true,
  asarUnpack: NATIVE_UNPACK,

  // Never rebuild native modules in place: that would replace Node's better-sqlite3 build in
  // node_modules with Electron's and break `npm test`. Electron's is made separately.
  npmRebuild: false,
  nodeGypRebuild: false,
  buildDependenciesFromSource: false,
  extraResources: [{ from: '.cache/dist-native/better_sqlite3.node', to: 'native/better_sqlite3.node' }],

  fileAssociations: [
    {
      ext: 'incept',
      name: 'Incept project',
      description: 'Incept project',
      mimeType: 'application/x-incept-project',
      role: 'Editor',
      rank: 'Owner',
    },
  ],

  // Hardening of the packaged binary (Electron fuses).
  electronFuses: {
    runAsNode: false,
    enableNodeOptionsEnvironmentVariable: false,
    enableNodeCliInspectArguments: false,
    enableCookieEncryption: true,
    onlyLoadAppFromAsar: true,
  },

  linux: {
    target: ['AppImage', 'deb'],
    icon: 'build/icons',
    category: 'Graphics',
    maintainer: 'Incept contributors <incept@users.noreply.github.com>',
    synopsis: 'Label images and fine-tune GoogLeNet, offline',
    mimeTypes: ['application/x-incept-project'],
  },
  appImage: { artifactName: '${productName}-${version}-${arch}.${ext}' },
  deb: { artifactName: '${name}_${version}_${arch}.${ext}' },

  win: { target: ['nsis'], icon: 'build/icons/256x256.png' },
  nsis: {
    oneClick: false,
    perMachine: false,
    allowToChangeInstallationDirectory: true,
    artifactName: '${productName}-Setup-${version}.${ext}',
  },

  mac: {
    target: ['dmg'],
    icon: 'build/icons/512x512.png',
    category: 'public.app-category.graphics-design',
    hardenedRuntime: true,
    darkModeSupport: true,
  },
  dmg: { artifactName: '${productName}-${version}-${arch}.${ext}' },
};
