// Plain JS entry for the compute worker thread: registers tsx (the core is TypeScript run
// without a build step) and then loads the real worker module.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.entry);
