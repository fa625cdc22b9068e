#!/usr/bin/env node
// `npm run dist`: installable packages for this platform with electron-builder
// (AppImage + deb on Linux, NSIS on Windows, dmg on macOS). See electron/tooling/dist.ts.
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

register();
const root = fileURLToPath(new URL('..', import.meta.url));
const { dist } = await import('../electron/tooling/dist.ts');
process.exitCode = await dist(root, process.argv.slice(2));
