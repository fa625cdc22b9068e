import { arch, platform } from 'node:os';
import type { Core } from '../../core.ts';
import { APP_VERSION } from '../../core.ts';
import { engineStatuses } from '../../model/engine-status.ts';
import type { Handlers } from '../dispatch.ts';

export function appHandlers(core: Core): Pick<Handlers, 'app.info'> {
  return {
    'app.info': async () => {
      const engines = await engineStatuses();
      return {
        name: 'Incept',
        version: APP_VERSION,
        platform: platform(),
        arch: arch(),
        node: process.versions.node,
        dataDir: core.appData.dir,
        engines,
        engineInUse: core.engineInUse,
        project: core.project?.info() ?? null,
      };
    },
  };
}
