import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Core } from '../../core.ts';
import { hasImageExtension } from '../../images/formats.ts';
import { getImage } from '../../store/images.ts';
import { findImageByPath } from '../../store/image-writes.ts';
import { setLabels } from '../../store/labels.ts';
import type { Handlers } from '../dispatch.ts';
import { ApiError } from '../errors.ts';

/**
 * Uploads (the browser has no path to give) are written to `<project>-uploads/` beside the
 * project file and then imported like any folder, so they get the same checks, hash and split.
 */
export function uploadHandlers(
  core: Core,
  startImport: Handlers['import.start'],
): Pick<Handlers, 'images.add'> {
  return {
    'images.add': async ({ name, base64, classId }) => {
      const project = core.requireProject();
      const safe = basename(name).replace(/[^\p{L}\p{N}._ -]/gu, '_');
      if (!hasImageExtension(safe)) {
        throw new ApiError(
          'invalid_args',
          `${name} does not look like an image (use .jpg, .png, .webp, .gif, .tif or .avif).`,
        );
      }
      const bytes = Buffer.from(base64, 'base64');
      if (bytes.length === 0) throw new ApiError('invalid_args', `${name} is empty.`);
      const folder = `${project.path}-uploads`;
      mkdirSync(folder, { recursive: true });
      const hash = createHash('sha256').update(bytes).digest('hex');
      const path = join(folder, `${hash.slice(0, 12)}-${safe}`);
      writeFileSync(path, bytes);
      const info = await core.jobs.wait((await startImport({ folder, labelsFromFolders: false })).jobId);
      if (info.status !== 'succeeded') {
        throw new ApiError('internal', `Adding ${name} failed: ${info.error?.message ?? info.status}`);
      }
      const row = findImageByPath(project.db, path);
      if (!row)
        throw new ApiError('conflict', `${name} has the same content as an image already in the project.`);
      if (classId !== null) {
        setLabels(project.db, [row.id], classId, 'human');
        core.events.emit('dataset.changed', { reason: 'labels', imageIds: [row.id] });
      }
      const image = getImage(project.db, row.id);
      if (image.status !== 'ok')
        throw new ApiError('invalid_args', `${name} could not be read: ${image.error ?? image.status}`);
      return image;
    },
  };
}
