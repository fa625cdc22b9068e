import { parseArgs } from 'node:util';
import type { JobInfo, MethodArgs, MethodName, MethodResult } from '../api/contract.ts';
import { ApiError } from '../domain/errors.ts';
import { createCoreDispatch } from '../api/handlers.ts';
import { Core, APP_VERSION } from '../core.ts';
import { CliUsageError, type CliCommand, type CliContext, type OptionSpec } from './command.ts';
import { commands } from './commands/index.ts';
import { ProgressBar } from './progress.ts';
import { withCliRemedy } from './remedies.ts';

const GLOBAL_OPTIONS: OptionSpec = {
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
};

export function helpText(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    `incept ${APP_VERSION} — label images, fine-tune GoogLeNet, export TensorFlow.js and ONNX models`,
    '',
    'Usage: incept <command> [options]      (every command takes --json)',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Run "incept <command> --help" for a command\'s options.',
  ].join('\n');
}

function commandHelp(c: CliCommand): string {
  const opts = Object.entries(c.options ?? {}).map(
    ([name, o]) => `  --${name}${o.type === 'string' ? ' <value>' : ''}${o.short ? `, -${o.short}` : ''}`,
  );
  return [
    `Usage: ${c.usage}`,
    '',
    c.summary,
    ...(opts.length ? ['', 'Options:', ...opts, '  --json'] : []),
  ].join('\n');
}

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

const defaultIo: CliIo = {
  stdout: (t) => process.stdout.write(t.endsWith('\n') ? t : `${t}\n`),
  stderr: (t) => process.stderr.write(t.endsWith('\n') ? t : `${t}\n`),
};

/**
 * Runs one CLI invocation and returns its exit code: 0 success, 2 wrong usage or a request
 * the API refused (bad arguments, missing project), 1 anything else.
 */
export async function runCli(argv: string[], io: CliIo = defaultIo, core = new Core()): Promise<number> {
  const json = argv.includes('--json');
  const [name, ...rest] = argv;
  try {
    if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
      io.stdout(helpText());
      return 0;
    }
    if (name === '--version' || name === '-v') {
      io.stdout(json ? JSON.stringify({ version: APP_VERSION }) : APP_VERSION);
      return 0;
    }
    const command = commands.find((c) => c.name === name);
    if (!command) throw new CliUsageError(`unknown command "${name}". Run "incept --help" for the list.`);
    let parsed: ReturnType<typeof parseArgs>;
    try {
      parsed = parseArgs({
        args: rest,
        options: { ...GLOBAL_OPTIONS, ...command.options },
        allowPositionals: true,
        strict: true,
      });
    } catch (err) {
      throw new CliUsageError(`${(err as Error).message}. Usage: ${command.usage}`);
    }
    if (parsed.values.help) {
      io.stdout(commandHelp(command));
      return 0;
    }
    const ctx = makeContext(core, json);
    const out = await command.run(ctx, parsed.positionals, parsed.values);
    io.stdout(json ? JSON.stringify(out.json, null, 2) : out.text);
    return out.exitCode ?? 0;
  } catch (err) {
    const { code, message, exit } = describeFailure(err);
    if (json) io.stdout(JSON.stringify({ error: { code, message } }));
    io.stderr(`incept: ${message.replace(/\s*\n\s*/g, ' ')}`);
    return exit;
  } finally {
    await core.dispose();
  }
}

function describeFailure(err: unknown): { code: string; message: string; exit: number } {
  if (err instanceof CliUsageError) return { code: 'usage', message: err.message, exit: 2 };
  const apiErr = ApiError.from(err);
  return {
    code: apiErr.code,
    message: withCliRemedy(apiErr.message, apiErr.details),
    exit: apiErr.isCallerError ? 2 : 1,
  };
}

function makeContext(core: Core, json: boolean): CliContext {
  const dispatch = createCoreDispatch(core);
  const call = <M extends MethodName>(method: M, args: MethodArgs<M>): Promise<MethodResult<M>> =>
    dispatch(method, args) as Promise<MethodResult<M>>;
  return {
    core,
    json,
    call,
    openProject: async (path) => {
      if (path === undefined) throw new CliUsageError('missing <project> (the path of an .incept file)');
      await call('project.open', { path });
    },
    waitForJob: async (jobId) => {
      const bar = new ProgressBar(process.stderr, !json && process.stderr.isTTY === true);
      const off = core.events.on('job.progress', (p) => {
        if (p.jobId === jobId) bar.update(p);
      });
      let info: JobInfo;
      try {
        info = await core.jobs.wait(jobId);
      } finally {
        off();
        bar.finish();
      }
      if (info.status === 'failed' && info.error)
        throw new ApiError(info.error.code, info.error.message, info.error.details);
      if (info.status === 'cancelled') throw new ApiError('cancelled', `The ${info.kind} job was cancelled.`);
      return info;
    },
  };
}
