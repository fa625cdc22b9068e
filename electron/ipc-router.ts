/**
 * What every `ipcMain.handle` in main does, minus Electron: check the sender, validate the
 * arguments against the contract, forward, and turn any failure into `{ code, message }`.
 * Electron strips everything but `message` from a thrown Error, so failures travel as a value
 * (`IpcReply`) and the preload rethrows them as an Error with `.code`.
 */
import type { z } from 'zod';
import type { MethodName } from '../src/api/contract.ts';
import { assertMethod, parseArgs } from '../src/api/dispatch.ts';
import { ApiError, type ApiErrorShape } from '../src/domain/errors.ts';
import { errorToWire } from '../src/rpc/errors.ts';
import type { DesktopInvokeChannel } from './desktop-api.ts';
import { desktopArgs, type DesktopArgs } from './desktop-args.ts';
import { isTrustedSender } from './security.ts';

export type IpcReply = { ok: true; result: unknown } | { ok: false; error: ApiErrorShape };

export interface SenderInfo {
  frameUrl: string | null | undefined;
  isMainFrame: boolean;
}

/** Sends a validated call on (to the compute process). */
export type ApiForwarder = (method: MethodName, args: unknown) => Promise<unknown>;

function refuseUntrusted(sender: SenderInfo): void {
  if (!isTrustedSender(sender)) {
    throw new ApiError(
      'unauthorized',
      `IPC from ${JSON.stringify(sender.frameUrl ?? null)} was refused: only the Incept window may call the API.`,
    );
  }
}

async function reply(work: () => Promise<unknown>): Promise<IpcReply> {
  try {
    return { ok: true, result: (await work()) ?? null };
  } catch (err) {
    return { ok: false, error: errorToWire(err) };
  }
}

/**
 * The API route. Arguments are checked here with the contract's schemas (so a bad call never
 * reaches the compute process) and forwarded as received: the compute side's dispatch parses
 * them again, and parsing twice is only ever equivalent to parsing once on the raw value.
 */
export function createApiRouter(forward: ApiForwarder) {
  return (method: unknown, rawArgs: unknown, sender: SenderInfo): Promise<IpcReply> =>
    reply(async () => {
      refuseUntrusted(sender);
      assertMethod(method);
      parseArgs(method, rawArgs);
      return forward(method, rawArgs ?? {});
    });
}

export type DesktopHandlers = {
  [C in DesktopInvokeChannel]: (args: DesktopArgs<C>) => Promise<unknown>;
};

/** The same checks for the desktop channels (dialogs, reveal). */
export function createDesktopRouter(handlers: DesktopHandlers) {
  return <C extends DesktopInvokeChannel>(
    channel: C,
    rawArgs: unknown,
    sender: SenderInfo,
  ): Promise<IpcReply> =>
    reply(async () => {
      refuseUntrusted(sender);
      const schema = desktopArgs[channel] as z.ZodType | undefined;
      if (!schema)
        throw new ApiError('unknown_method', `Unknown desktop channel ${JSON.stringify(channel)}.`);
      const parsed = schema.safeParse(rawArgs ?? {});
      if (!parsed.success) {
        throw new ApiError(
          'invalid_args',
          `Invalid arguments for ${channel}: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(arguments)'}: ${i.message}`).join('; ')}`,
        );
      }
      return handlers[channel](parsed.data as DesktopArgs<C>);
    });
}
