import type { Core } from '../../core.ts';
import { importRoots, startImport, startRescan } from '../../services/import.ts';
import { startPredictionsForNewImages } from '../../services/train-features.ts';
import type { Handlers } from '../dispatch.ts';

export function importHandlers(
  core: Core,
): Pick<Handlers, 'import.start' | 'import.rescan' | 'import.roots'> {
  return {
    'import.start': ({ folder, labelsFromFolders }) =>
      startImport(core, folder, labelsFromFolders, startPredictionsForNewImages),
    'import.rescan': ({ folder }) => startRescan(core, folder, startPredictionsForNewImages),
    'import.roots': () => importRoots(core),
  };
}
