/**
 * Writes a folder all-or-nothing: everything goes into a hidden sibling of the target, which is
 * renamed into place only once complete. An existing non-empty target is refused unless forced,
 * and even then it is replaced only after the new folder is complete.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rename, rm, rmdir, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { ApiError } from '../domain/errors.ts';
import { remedyDetails } from '../domain/remedies.ts';

type TargetState = 'missing' | 'empty' | 'occupied';

async function targetState(target: string): Promise<TargetState> {
  try {
    const info = await stat(target);
    if (!info.isDirectory()) return 'occupied';
    return (await readdir(target)).length === 0 ? 'empty' : 'occupied';
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw err;
  }
}

function occupied(target: string): ApiError {
  return new ApiError('conflict', `${target} already exists and is not empty.`, remedyDetails('overwrite'));
}

/** Fails early, before any work, when the target would be refused at the end. */
export async function checkTarget(target: string, force: boolean): Promise<void> {
  if (!force && (await targetState(resolve(target))) === 'occupied') throw occupied(resolve(target));
}

/** Creates the hidden staging folder next to the target (same file system, so rename is atomic). */
export async function createStaging(target: string): Promise<string> {
  const abs = resolve(target);
  await mkdir(dirname(abs), { recursive: true });
  return mkdtemp(join(dirname(abs), `.${basename(abs)}.incept-export-`));
}

/** Moves the finished staging folder to the target, replacing an occupied target only if forced. */
export async function commitStaging(staging: string, target: string, force: boolean): Promise<void> {
  const abs = resolve(target);
  const state = await targetState(abs);
  if (state === 'missing') {
    await rename(staging, abs);
    return;
  }
  if (state === 'empty') {
    await rmdir(abs);
    await rename(staging, abs);
    return;
  }
  if (!force) throw occupied(abs);
  const old = join(dirname(abs), `.${basename(abs)}.incept-old-${randomBytes(4).toString('hex')}`);
  await rename(abs, old);
  try {
    await rename(staging, abs);
  } catch (err) {
    await rename(old, abs).catch(() => undefined);
    throw err;
  }
  await rm(old, { recursive: true, force: true });
}

export async function discardStaging(staging: string): Promise<void> {
  await rm(staging, { recursive: true, force: true, maxRetries: 3 });
}
