#!/usr/bin/env node
// `npm start`: builds the renderer and the Electron bundles, prepares Electron's own build of
// better-sqlite3, then runs the desktop app. The work is TypeScript in electron/tooling/, run
// through tsx like the rest of the Node side.
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

register();
const root = fileURLToPath(new URL('..', import.meta.url));
const { start } = await import('../electron/tooling/start.ts');
process.exitCode = await start(root, process.argv.slice(2));
