import { fileURLToPath } from 'node:url';
import { extname, isAbsolute, resolve } from 'node:path';

export const PROJECT_EXTENSION = '.incept';

/**
 * The project a launch asks to open: the last `.incept` argument, as a path or a `file://` URI
 * (Linux desktop files pass `%U`), resolved against the launching shell's folder. Chromium
 * switches and the app path are skipped. Null when there is none.
 */
export function projectPathFromArgv(argv: readonly string[], cwd: string): string | null {
  let found: string | null = null;
  for (const arg of argv.slice(1)) {
    if (typeof arg !== 'string' || arg.startsWith('-') || arg.includes('\0')) continue;
    let path = arg;
    if (/^file:\/\//i.test(arg)) {
      try {
        path = fileURLToPath(arg);
      } catch {
        continue;
      }
    } else if (/^[a-z][a-z0-9+.-]*:\/\//i.test(arg)) {
      continue;
    }
    if (extname(path).toLowerCase() !== PROJECT_EXTENSION) continue;
    found = isAbsolute(path) ? path : resolve(cwd, path);
  }
  return found;
}
