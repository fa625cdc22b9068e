import { startServer } from '../../server/server.ts';
import { ensureRendererBuilt } from '../../server/static.ts';
import { CliUsageError, numberOption, stringOption, type CliCommand } from '../command.ts';

export const serveCommand: CliCommand = {
  name: 'serve',
  summary: 'Serve the app to a browser (prints a URL with an access token)',
  usage: 'incept serve [project] [--port N] [--host ADDRESS] [--no-ui] [--json]',
  options: {
    port: { type: 'string' },
    host: { type: 'string' },
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
    const server = await startServer({ core: ctx.core, host, port, staticDir });
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
