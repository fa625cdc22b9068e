import type { Core } from '../../core.ts';
import { createUploader } from '../../services/upload.ts';
import type { Handlers } from '../dispatch.ts';

export function uploadHandlers(core: Core): Pick<Handlers, 'images.add'> {
  const upload = createUploader(core);
  return { 'images.add': (args) => upload(args) };
}
