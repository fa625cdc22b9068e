import type { Core } from '../../core.ts';
import { DatasetService } from '../../services/dataset.ts';
import type { Handlers } from '../dispatch.ts';

export function imageEditHandlers(core: Core): Pick<Handlers, 'images.remove' | 'images.setSplit'> {
  const dataset = new DatasetService(core);
  return {
    'images.remove': ({ imageIds }) => dataset.removeImages(imageIds),
    'images.setSplit': ({ imageIds, split }) => dataset.setSplit(imageIds, split),
  };
}
