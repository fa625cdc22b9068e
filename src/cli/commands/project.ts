import { table, requirePositional, type CliCommand } from '../command.ts';

export const infoCommand: CliCommand = {
  name: 'info',
  summary: 'Show the version, platform and which engines this machine can run',
  usage: 'incept info [--json]',
  run: async (ctx) => {
    const info = await ctx.call('app.info', {});
    const engines = info.engines.map((e) => [
      e.available ? (e.software ? '~' : '✓') : '✗',
      e.name,
      e.label,
      [e.adapter, e.software ? 'software renderer: used only when chosen with --engine' : undefined, e.reason]
        .filter(Boolean)
        .join('; '),
    ]);
    return {
      json: info,
      text: [
        `Incept ${info.version} on ${info.platform}/${info.arch}, Node ${info.node}`,
        `Data folder: ${info.dataDir}`,
        '',
        'Engines (fastest first):',
        table(engines),
        ...(info.engineInUse ? ['', `In use: ${info.engineInUse}`] : []),
      ].join('\n'),
    };
  },
};

export const initCommand: CliCommand = {
  name: 'init',
  summary: 'Create a new project file (<name>.incept)',
  usage: 'incept init <project> [--json]',
  run: async (ctx, positionals) => {
    const path = requirePositional(positionals, 0, '<project> (the path of the new .incept file)');
    const project = await ctx.call('project.create', { path });
    return { json: project, text: `Created ${project.path}` };
  },
};

export const recentCommand: CliCommand = {
  name: 'recent',
  summary: 'List recently opened projects',
  usage: 'incept recent [--json]',
  run: async (ctx) => {
    const recent = await ctx.call('project.recent', {});
    return {
      json: recent,
      text: recent.length
        ? table(
            recent.map((r) => [
              r.openedAt.slice(0, 19).replace('T', ' '),
              r.exists ? r.path : `${r.path} (missing)`,
            ]),
          )
        : 'No recent projects.',
    };
  },
};
