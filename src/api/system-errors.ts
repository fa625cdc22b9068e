/** The home of these is src/domain; the API keeps this path for its callers. */
export * from '../domain/system-errors.ts';
