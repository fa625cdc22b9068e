import type { ServerResponse } from 'node:http';
import { ApiError, httpStatusFor } from '../domain/errors.ts';
import type { Core } from '../core.ts';

/**
 * `/img/<image-id>/<sha256>/<variant>`: the browser-mode twin of Electron's `incept-img://` protocol.
 * Image ids are resolved through the project database, never taken as paths.
 */
export async function serveImage(
  core: Core,
  rest: string,
  res: ServerResponse,
  headers: Record<string, string>,
): Promise<void> {
  try {
    const project = core.requireProject();
    const { imageCacheControl, resolveImageRequest } = await import('../services/image-request.ts');
    const image = await resolveImageRequest(project, rest);
    res.writeHead(200, {
      ...headers,
      'Content-Type': image.contentType,
      'Cache-Control': imageCacheControl(rest),
    });
    res.end(image.body);
  } catch (err) {
    const apiErr = ApiError.from(err);
    res.writeHead(httpStatusFor(apiErr.code), { ...headers, 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ error: apiErr.toJSON() }));
  }
}
