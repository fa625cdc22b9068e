import type { CliCommand } from '../command.ts';
import { infoCommand, initCommand, recentCommand } from './project.ts';
import { serveCommand } from './serve.ts';

/** Every `incept` command, in the order `--help` lists them. */
export const commands: CliCommand[] = [infoCommand, initCommand, recentCommand, serveCommand];
