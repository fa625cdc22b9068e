import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JobInfo, MethodArgs, MethodName, MethodResult } from '../../../src/api/contract.ts';
import { ApiError } from '../../../src/domain/errors.ts';
import { createCoreDispatch } from '../../../src/api/handlers.ts';
import { Core } from '../../../src/core.ts';

export interface Harness {
  dir: string;
  core: Core;
  call<M extends MethodName>(method: M, args: MethodArgs<M>): Promise<MethodResult<M>>;
  /** Calls a method that starts a job and waits for the job. */
  job(method: MethodName, args: unknown): Promise<JobInfo>;
  /** The ApiError code a call fails with (fails the test if it succeeds). */
  errorCode(method: MethodName, args: unknown): Promise<string>;
  close(): Promise<void>;
}

/** A Core with its data folder and a project in a fresh temporary folder. */
export async function harness(name = 'incept-test-'): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), name));
  const core = new Core({ dataDir: join(dir, 'app-data') });
  const dispatch = createCoreDispatch(core);
  const call = (<M extends MethodName>(method: M, args: MethodArgs<M>) =>
    dispatch(method, args) as Promise<MethodResult<M>>) as Harness['call'];
  await call('project.create', { path: join(dir, 'project.incept') });
  return {
    dir,
    core,
    call,
    job: async (method, args) => {
      const { jobId } = (await dispatch(method, args)) as { jobId: string };
      return core.jobs.wait(jobId);
    },
    errorCode: async (method, args) => {
      try {
        await dispatch(method, args);
      } catch (err) {
        if (err instanceof ApiError) return err.code;
        throw err;
      }
      throw new Error(`${method} succeeded but should have failed`);
    },
    close: async () => {
      await core.dispose();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
