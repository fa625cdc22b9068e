import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Core } from '../core.ts';
import { hasImageExtension } from '../images/formats.ts';
import { inspectBuffer } from '../images/inspect.ts';
import { requireClassRow } from '../store/classes.ts';
import { getImage } from '../store/images.ts';
import {
  findImageByHash,
  findImageByPath,
  findRoot,
  insertImage,
  nextScanId,
  upsertRoot,
} from '../store/image-writes.ts';
import { setLabels } from '../store/labels.ts';
import { splitFor } from '../store/splits.ts';
import type { ImageRow } from '../domain/dataset.ts';
import { ApiError } from '../domain/errors.ts';

/** One uploaded image: its file name, its bytes in base64, and the class to label it with (or null). */
export interface Upload {
  name: string;
  base64: string;
  classId: number | null;
}

/**
 * Uploads (the browser has no path to give) are written to `<project>-uploads/` beside the
 * project file, with the same checks, hash and split as an imported file.
 *
 * A call that fails changes nothing: the image is checked (readable, not a duplicate, class
 * exists) before its file is written, and the row and its label go in one transaction. Calls
 * run one after another, so concurrent uploads all land instead of refusing each other.
 */
export function createUploader(core: Core): (upload: Upload) => Promise<ImageRow> {
  let queue: Promise<unknown> = Promise.resolve();
  const serially = <T>(work: () => Promise<T>): Promise<T> => {
    const run = queue.then(work, work);
    queue = run.catch(() => undefined);
    return run;
  };

  return ({ name, base64, classId }) =>
    serially(async () => {
      const project = core.requireProject();
      project.assertWritable();
      const db = project.db;
      const safe = basename(name).replace(/[^\p{L}\p{N}._ -]/gu, '_');
      if (!hasImageExtension(safe)) {
        throw new ApiError(
          'invalid_args',
          `${name} does not look like an image (use .jpg, .png, .webp, .gif, .tif or .avif).`,
        );
      }
      const bytes = Buffer.from(base64, 'base64');
      if (bytes.length === 0) throw new ApiError('invalid_args', `${name} is empty.`);
      if (classId !== null) requireClassRow(db, classId);
      const facts = await inspectBuffer(bytes);
      if (facts.status !== 'ok' || facts.hash === null)
        throw new ApiError('invalid_args', `${name} could not be read: ${facts.error ?? 'unreadable'}`);
      const twin = findImageByHash(db, facts.hash);
      if (twin) {
        throw new ApiError(
          'conflict',
          `${name} has the same content as an image already in the project (${twin.path}).`,
          { imageId: twin.id },
        );
      }

      const folder = `${project.path}-uploads`;
      await mkdir(folder, { recursive: true });
      const path = join(folder, `${facts.hash.slice(0, 12)}-${safe}`);
      const created = !existsSync(path);
      if (created) {
        // Written under a temporary name first: a rescan never sees half a file.
        const temp = join(folder, `.${randomBytes(6).toString('hex')}.part`);
        await writeFile(temp, bytes);
        await rename(temp, path);
      }
      try {
        const s = await stat(path);
        const seed = project.setting('split_seed') ?? '0';
        const id = project.writeTransaction(() => {
          if (!findRoot(db, folder)) upsertRoot(db, folder, false);
          // A rescan of the uploads folder may have listed the file in the meantime.
          const known = findImageByPath(db, path);
          const imageId =
            known?.id ??
            insertImage(
              db,
              {
                path,
                name: basename(path),
                hash: facts.hash,
                bytes: s.size,
                mtimeMs: s.mtimeMs,
                width: facts.width,
                height: facts.height,
                format: facts.format,
                status: 'ok',
                error: null,
                split: splitFor(seed, facts.hash!),
              },
              nextScanId(db),
            );
          if (classId !== null) setLabels(db, [imageId], classId, 'human');
          return imageId;
        });
        core.events.emit('dataset.changed', { reason: 'import', imageIds: [id] });
        if (classId !== null) core.events.emit('dataset.changed', { reason: 'labels', imageIds: [id] });
        return getImage(db, id);
      } catch (err) {
        if (created) await unlink(path).catch(() => undefined);
        throw err;
      }
    });
}
