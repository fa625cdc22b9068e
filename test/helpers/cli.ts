import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { writeClassTree } from '../fixtures/images.ts';
import { INCEPT_BIN, REPO_ROOT } from './serve.ts';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the real `incept` CLI in a child process with its own data folder; `input` goes to stdin. */
export function incept(args: string[], dataDir: string, input = ''): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [INCEPT_BIN, ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, INCEPT_DATA_DIR: dataDir },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdin.end(input);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/**
 * What the CLI workflow tests start from: `incept init` of `<dir>/<name>` and an import, labels
 * from folders, of a tree of 3 classes × 8 images (96 px, seed 21) at `<dir>/tree`.
 */
export async function initLabeledProject(
  dir: string,
  name: string,
): Promise<{ data: string; tree: string; project: string }> {
  const data = join(dir, 'data');
  const tree = join(dir, 'tree');
  await writeClassTree(tree, { classes: 3, perClass: 8, size: 96, seed: 21 });
  const project = join(dir, name);
  const init = await incept(['init', project], data);
  assert.equal(init.code, 0, init.stderr);
  const imported = await incept(['import', project, tree, '--labels-from-folders', '--json'], data);
  assert.equal(imported.code, 0, imported.stderr);
  return { data, tree, project };
}
