import type { Core } from '../../core.ts';
import { removeImages, setSplit } from '../../store/image-removal.ts';
import type { Handlers } from '../dispatch.ts';

export function imageEditHandlers(core: Core): Pick<Handlers, 'images.remove' | 'images.setSplit'> {
  return {
    'images.remove': ({ imageIds }) => {
      const project = core.requireProject();
      const { removed } = removeImages(project.db, imageIds);
      if (removed > 0) core.events.emit('dataset.changed', { reason: 'removed', imageIds });
      return { removed };
    },
    'images.setSplit': ({ imageIds, split }) => {
      const project = core.requireProject();
      const changed = setSplit(project.db, imageIds, split);
      if (changed > 0) core.events.emit('dataset.changed', { reason: 'splits', imageIds });
      return { changed };
    },
  };
}
