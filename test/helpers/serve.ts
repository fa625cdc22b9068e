import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

export const REPO_ROOT = new URL('../../', import.meta.url).pathname;
export const INCEPT_BIN = new URL('../../bin/incept.js', import.meta.url).pathname;

export interface ServeProcess {
  url: string;
  openUrl: string;
  token: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** Starts the real `incept serve --json` in a child process and waits for its URL line. */
export async function startServeProcess(args: string[], env: Record<string, string>): Promise<ServeProcess> {
  const child = spawn(process.execPath, [INCEPT_BIN, 'serve', '--json', ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const line = await new Promise<string>((resolve, reject) => {
    const rl = createInterface({ input: child.stdout! });
    rl.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`incept serve exited with ${code}: ${stderr}`)));
    setTimeout(() => reject(new Error(`incept serve printed no URL within 60 s: ${stderr}`)), 60_000).unref();
  });
  const parsed = JSON.parse(line) as { url: string; openUrl: string; token: string };
  return {
    ...parsed,
    child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
