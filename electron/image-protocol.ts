import { ApiError, httpStatusFor } from '../src/domain/errors.ts';
import { imageCacheControl, parseImageRequest } from '../src/services/image-request.ts';
import { IMAGE_SCHEME, SECURITY_HEADERS } from './security.ts';

export interface ImageBytes {
  contentType: string;
  body: Uint8Array;
}

/** Fetches image bytes by `<id>/<variant>` (from the compute process, which owns the database). */
export type ImageFetcher = (rest: string) => Promise<ImageBytes>;

const PREFIX = `${IMAGE_SCHEME}://`;

/**
 * `incept-img://<image-id>/<sha256>/<thumb|full>` → `<image-id>/<sha256>/<variant>` (the hash
 * may be left out), checked by the same
 * `parseImageRequest` the HTTP server uses. The raw string is inspected, not a parsed URL, so
 * nothing is normalised away first: `..`, absolute paths, encoded slashes, queries, fragments,
 * credentials, ports and other schemes are all refused. Throws ApiError('invalid_args').
 */
export function imageRequestFromUrl(rawUrl: string): string {
  if (typeof rawUrl !== 'string' || !rawUrl.toLowerCase().startsWith(PREFIX)) {
    throw new ApiError('invalid_args', `Not an ${IMAGE_SCHEME}: address: ${JSON.stringify(rawUrl)}.`);
  }
  const rest = rawUrl.slice(PREFIX.length);
  // parseImageRequest accepts only `<digits>/<thumb|full>`; this line is for a clearer message.
  if (/[%?#@:\\]/.test(rest)) {
    throw new ApiError(
      'invalid_args',
      `Not an image address: ${JSON.stringify(rawUrl)} (expected ${PREFIX}<id>/<sha256>/thumb or /full).`,
    );
  }
  const { id, hash, variant } = parseImageRequest(rest);
  return hash === null ? `${id}/${variant}` : `${id}/${hash}/${variant}`;
}

/** The `incept-img:` protocol handler. Failures answer with the API's status code and message. */
export function createImageProtocolHandler(
  fetchImage: ImageFetcher,
): (request: Request) => Promise<Response> {
  return async (request) => {
    try {
      if (request.method !== 'GET' && request.method !== 'HEAD')
        throw new ApiError('invalid_args', 'Images are only read (GET).');
      const rest = imageRequestFromUrl(request.url);
      const image = await fetchImage(rest);
      return new Response(request.method === 'HEAD' ? null : image.body, {
        status: 200,
        headers: {
          ...SECURITY_HEADERS,
          // The page (app://incept) is another origin than incept-img:, and must be able to load it.
          'Cross-Origin-Resource-Policy': 'cross-origin',
          'Content-Type': image.contentType,
          'Cache-Control': imageCacheControl(rest),
        },
      });
    } catch (err) {
      const apiErr = ApiError.from(err);
      return new Response(JSON.stringify({ error: apiErr.toJSON() }), {
        status: httpStatusFor(apiErr.code),
        headers: { ...SECURITY_HEADERS, 'Content-Type': 'application/json; charset=utf-8' },
      });
    }
  };
}
