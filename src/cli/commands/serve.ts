import { startServer } from '../../server/server.ts';
import { ensureRendererBuilt } from '../../server/static.ts';
import { CliUsageError, numberOption, stringOption, type CliCommand } from '../command.ts';

export const serveCommand: CliCommand = {
  name: 'serve',
  summary: 'Serve the app to a browser (prints a URL with an access token)',
  usage: 'incept serve [project] [--port N] [--host ADDRESS] [--token T | --new-token] [--no-ui] [--json]',
  options: {
    port: { type: 'string' },
    host: { type: 'string' },
    token: { type: 'string' },
    'new-token': { type: 'boolean', default: false },
    'no-ui': { type: 'boolean', default: false },
  },
  run: async (ctx, positionals, values) => {
    const port = numberOption(values, 'port') ?? 0;
    if (!Number.isInteger(port) || port < 0 || port > 65535)
      throw new CliUsageError('--port must be 0..65535');
    const host = stringOption(values, 'host') ?? '127.0.0.1';
    if (positionals[0] !== undefined) await ctx.openProject(positionals[0]);
    const log = (line: string): void => void process.stderr.write(`${line}\n`);
    const staticDir = values['no-ui'] ? null : ensureRendererBuilt(log);
    // The token survives restarts (so open pages reconnect) unless a new one is asked for.
    const token =
      stringOption(values, 'token') ??
      process.env.INCEPT_TOKEN ??
      (values['new-token'] ? undefined : ctx.core.appData.serveToken());
    if (token !== undefined && !/^[A-Za-z0-9_-]{32,}$/.test(token)) {
      throw new CliUsageError('--token needs at least 32 letters, digits, "-" or "_"');
    }
    const server = await startServer({
      core: ctx.core,
      host,
      port,
      staticDir,
      ...(token !== undefined ? { token } : {}),
    });
    // Printed at once (not as the command's result): the command runs until it is stopped.
    process.stdout.write(
      ctx.json
        ? `${JSON.stringify({ url: server.url, openUrl: server.openUrl, port: server.port, token: server.token })}\n`
        : `Incept is serving at ${server.openUrl}\nOpen that URL in a browser. Press Ctrl+C to stop.\n`,
    );
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await server.close();
    return { json: { stopped: true }, text: 'Stopped.' };
  },
};
