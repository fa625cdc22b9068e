import type { CliCommand } from '../command.ts';
import {
  exportDatasetCommand,
  importCommand,
  labelCommand,
  rescanCommand,
  statusCommand,
} from './dataset.ts';
import {
  embedCommand,
  exportCommand,
  modelCommand,
  predictCommand,
  runsCommand,
  trainCommand,
} from './model.ts';
import { clustersCommand, mapCommand } from './map.ts';
import { infoCommand, initCommand, recentCommand } from './project.ts';
import { serveCommand } from './serve.ts';

/** Every `incept` command, in the order `--help` lists them. */
export const commands: CliCommand[] = [
  infoCommand,
  initCommand,
  recentCommand,
  importCommand,
  rescanCommand,
  statusCommand,
  labelCommand,
  exportDatasetCommand,
  modelCommand,
  embedCommand,
  trainCommand,
  runsCommand,
  predictCommand,
  exportCommand,
  mapCommand,
  clustersCommand,
  serveCommand,
];
