import type { z } from 'zod';
import { isMethodName, methods, type MethodName, type MethodResult, type ParsedArgs } from './contract.ts';
import { ApiError } from '../domain/errors.ts';

export type Handler<M extends MethodName> = (
  args: ParsedArgs<M>,
) => Promise<MethodResult<M>> | MethodResult<M>;
export type Handlers = { [M in MethodName]: Handler<M> };
export type Dispatch = (method: unknown, args: unknown) => Promise<unknown>;

/** Validates arguments against the contract; the message names every bad field. */
export function parseArgs<M extends MethodName>(name: M, raw: unknown): ParsedArgs<M> {
  const schema = methods[name].args as z.ZodType;
  const result = schema.safeParse(raw ?? {});
  if (!result.success) {
    const problems = result.error.issues.map(
      (i) => `${i.path.length ? i.path.join('.') : '(arguments)'}: ${i.message}`,
    );
    throw new ApiError('invalid_args', `Invalid arguments for ${name}: ${problems.join('; ')}`, {
      issues: result.error.issues.map((i) => ({ path: i.path.map(String), message: i.message })),
    });
  }
  return result.data as ParsedArgs<M>;
}

export function assertMethod(name: unknown): asserts name is MethodName {
  if (!isMethodName(name)) {
    throw new ApiError(
      'unknown_method',
      `Unknown method ${JSON.stringify(name)}. Known methods: ${Object.keys(methods).join(', ')}`,
    );
  }
}

/**
 * The single entry point every transport calls. Errors always come out as ApiError; `explain`
 * may first turn a low-level error into one that names the file and what to do.
 */
export function createDispatch(handlers: Handlers, explain?: (err: unknown) => unknown): Dispatch {
  return async (name, raw) => {
    try {
      assertMethod(name);
      const args = parseArgs(name, raw);
      return await (handlers[name] as Handler<MethodName>)(args as never);
    } catch (err) {
      throw ApiError.from(explain ? explain(err) : err);
    }
  };
}
