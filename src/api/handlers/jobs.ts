import type { Core } from '../../core.ts';
import type { Handlers } from '../dispatch.ts';

export function jobHandlers(core: Core): Pick<Handlers, 'jobs.list' | 'jobs.get' | 'jobs.cancel'> {
  return {
    'jobs.list': () => core.jobs.list(),
    'jobs.get': ({ jobId }) => core.jobs.get(jobId),
    'jobs.cancel': ({ jobId }) => ({ cancelled: core.jobs.cancel(jobId) }),
  };
}
