import { dirname } from 'node:path';
import type { Core } from '../../core.ts';
import { listFolder, resolveBrowsePath } from '../../files/list-folder.ts';
import { BrowsePlaces } from '../../files/places.ts';
import { folderPreviews } from '../../files/previews.ts';
import { DatasetService } from '../../services/dataset.ts';
import type { Handlers } from '../dispatch.ts';

type FileMethods = 'files.list' | 'files.previews' | 'files.places' | 'files.remember' | 'files.bookmark';

export function fileHandlers(core: Core): Pick<Handlers, FileMethods> {
  const places = new BrowsePlaces(core.appData.dir);
  const dataset = new DatasetService(core);
  /** Folders the person has used anyway: the open project's imports and recent projects' folders. */
  const usedFolders = (): string[] => {
    return [...dataset.importedFolders(), ...core.appData.recent().map((r) => dirname(r.path))];
  };
  return {
    'files.list': ({ path, accept, showHidden }) => listFolder(path, { accept, showHidden }),
    'files.previews': ({ path, count }) => folderPreviews(path, count),
    'files.places': () => places.places(usedFolders()),
    'files.remember': ({ path }) => {
      places.remember(resolveBrowsePath(path));
      return places.places(usedFolders());
    },
    'files.bookmark': ({ path, bookmarked }) => {
      places.bookmark(resolveBrowsePath(path), bookmarked);
      return places.places(usedFolders());
    },
  };
}
