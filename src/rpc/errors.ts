/**
 * How an error crosses a process, thread or network boundary: as `{ code, message, details }`,
 * so the other side gets back an ApiError with the same stable code and the same machine-
 * readable details (the remedy a message is worded from, the jobs a switch would stop).
 */
import { ApiError, isApiErrorShape, type ApiErrorShape } from '../domain/errors.ts';

/** The wire form of any thrown value; a cancelled call reads as `cancelled`, whatever threw. */
export function errorToWire(err: unknown, opts: { aborted?: boolean } = {}): ApiErrorShape {
  const aborted = opts.aborted === true || (err instanceof Error && err.name === 'AbortError');
  if (aborted && !(err instanceof ApiError && err.code === 'cancelled'))
    return { code: 'cancelled', message: 'Cancelled.' };
  return ApiError.from(err).toJSON();
}

/**
 * The ApiError an answer stands for. A `cancelled` one is also an AbortError, as the
 * AbortSignal that caused it would throw, so `err.name === 'AbortError'` checks keep working.
 */
export function errorFromWire(shape: ApiErrorShape): ApiError {
  const err = ApiError.from(shape);
  if (err.code === 'cancelled') err.name = 'AbortError';
  return err;
}

/** A well-formed error shape from untrusted data (only its three fields), or null. */
export function readErrorShape(value: unknown): ApiErrorShape | null {
  if (!isApiErrorShape(value)) return null;
  const { code, message, details } = value;
  return details === undefined ? { code, message } : { code, message, details };
}
