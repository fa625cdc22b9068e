import { mkdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { JobInfo } from '../domain/jobs.ts';
import type { Core } from '../core.ts';
import { useModel } from '../store/models.ts';
import type { ProjectStore } from '../store/project.ts';
import { downloadFile } from './download.ts';

export interface DownloadRequest {
  url: string;
  sha256: string | null;
  bytes: number | null;
}

/**
 * Downloads a model into the library as a job (progress in bytes, resumable from its `.part`
 * file, verified before use) and makes it the project's model.
 */
export function startModelDownload(core: Core, project: ProjectStore, source: DownloadRequest): JobInfo {
  return core.jobs.start('model-download', async (ctx) => {
    mkdirSync(core.models.dir, { recursive: true });
    const name = basename(new URL(source.url).pathname) || 'model.onnx';
    // Named by the expected hash when known, so an interrupted download resumes next time.
    const dest = join(core.models.dir, `download-${source.sha256 ?? name}.onnx`);
    ctx.progress({ done: 0, total: source.bytes, phase: `downloading ${name}` });
    const result = await downloadFile({
      url: source.url,
      dest,
      expectedBytes: source.bytes,
      sha256: source.sha256,
      signal: ctx.signal,
      onProgress: (p) => ctx.progress({ done: p.bytes, total: p.total, phase: `downloading ${name}` }),
    });
    ctx.progress({ done: result.bytes, total: result.bytes, phase: 'checking the model' });
    const description = await core.models.adoptDownloaded(result.path, name);
    useModel(project, description);
    return { sha256: description.sha256, bytes: result.bytes };
  });
}
