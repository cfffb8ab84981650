import type { CommandDef } from './command.js';

/**
 * The command table. Each command's module is imported only when it runs, keeping start-up cheap;
 * descriptions live here so help listings need no command module.
 */
export interface CommandEntry {
  name: string;
  description: string;
  /** Other names at the same level (`ls`, `list`, `ps`). */
  names?: string[];
  load?: () => Promise<CommandDef>;
  subcommands?: CommandEntry[];
}

const cmd = {
  build: () => import('./commands/build.js').then((m) => m.buildCommand),
  run: () => import('./commands/run.js').then((m) => m.runCommand),
  create: () => import('./commands/run.js').then((m) => m.createCommand),
  commit: () => import('./commands/commit.js').then((m) => m.commitCommand),
  cp: () => import('./commands/cp.js').then((m) => m.cpCommand),
  diff: () => import('./commands/diff.js').then((m) => m.diffCommand),
  exec: () => import('./commands/exec.js').then((m) => m.execCommand),
  ps: () => import('./commands/ps.js').then((m) => m.psCommand),
  port: () => import('./commands/port.js').then((m) => m.portCommand),
  images: () => import('./commands/images.js').then((m) => m.imagesCommand),
  history: () => import('./commands/history.js').then((m) => m.historyCommand),
  version: () => import('./commands/version.js').then((m) => m.versionCommand),
  info: () => import('./commands/info.js').then((m) => m.infoCommand),
  attach: () => import('./commands/attach.js').then((m) => m.attachCommand),
  import: () => import('./commands/import.js').then((m) => m.importCommand),
  inspect: () => import('./commands/inspect.js').then((m) => m.inspectCommand),
  imageInspect: () => import('./commands/inspect.js').then((m) => m.imageInspectCommand),
  kill: () => import('./commands/lifecycle.js').then((m) => m.killCommand),
  logs: () => import('./commands/logs.js').then((m) => m.logsCommand),
  pause: () => import('./commands/lifecycle.js').then((m) => m.pauseCommand),
  rename: () => import('./commands/lifecycle.js').then((m) => m.renameCommand),
  restart: () => import('./commands/lifecycle.js').then((m) => m.restartCommand),
  rm: () => import('./commands/lifecycle.js').then((m) => m.rmCommand),
  rmi: () => import('./commands/rmi.js').then((m) => m.rmiCommand),
  start: () => import('./commands/start.js').then((m) => m.startCommand),
  stop: () => import('./commands/lifecycle.js').then((m) => m.stopCommand),
  tag: () => import('./commands/tag.js').then((m) => m.tagCommand),
  top: () => import('./commands/top.js').then((m) => m.topCommand),
  stats: () => import('./commands/stats.js').then((m) => m.statsCommand),
  update: () => import('./commands/update.js').then((m) => m.updateCommand),
  unpause: () => import('./commands/lifecycle.js').then((m) => m.unpauseCommand),
  wait: () => import('./commands/lifecycle.js').then((m) => m.waitCommand),
  pull: () => import('./commands/pull.js').then((m) => m.pullCommand),
  push: () => import('./commands/push.js').then((m) => m.pushCommand),
  login: () => import('./commands/login.js').then((m) => m.loginCommand),
  logout: () => import('./commands/logout.js').then((m) => m.logoutCommand),
  save: () => import('./commands/save.js').then((m) => m.saveCommand),
  events: () => import('./commands/events.js').then((m) => m.eventsCommand),
  export: () => import('./commands/export.js').then((m) => m.exportCommand),
  load: () => import('./commands/load.js').then((m) => m.loadCommand),
};

const d = {
  build: 'Build an image from a Dockerfile',
  attach: 'Attach local standard input, output, and error streams to a running container',
  commit: "Create a new image from a container's changes",
  create: 'Create a new container',
  cp: 'Copy files/folders between a container and the local filesystem',
  diff: "Inspect changes to files or directories on a container's filesystem",
  exec: 'Execute a command in a running container',
  import: 'Import the contents from a tarball to create a filesystem image',
  kill: 'Kill one or more running containers',
  logs: 'Fetch the logs of a container',
  ps: 'List containers',
  port: 'List port mappings or a specific mapping for the container',
  images: 'List images',
  history: 'Show the history of an image',
  pause: 'Pause all processes within one or more containers',
  rename: 'Rename a container',
  restart: 'Restart one or more containers',
  rm: 'Remove one or more containers',
  rmi: 'Remove one or more images',
  run: 'Create and run a new container from an image',
  start: 'Start one or more stopped containers',
  stop: 'Stop one or more running containers',
  tag: 'Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE',
  top: 'Display the running processes of a container',
  stats: "Display a live stream of container(s) resource usage statistics",
  update: 'Update configuration of one or more containers',
  unpause: 'Unpause all processes within one or more containers',
  wait: 'Block until one or more containers stop, then print their exit codes',
  info: 'Display system-wide information',
  pull: 'Download an image from a registry',
  push: 'Upload an image to a registry',
  save: 'Save one or more images to a tar archive (streamed to STDOUT by default)',
  events: 'Get real time events from the server',
  export: "Export a container's filesystem as a tar archive",
  load: 'Load an image from a tar archive or STDIN',
};

export const commonCommands: CommandEntry[] = [
  { name: 'run', description: d.run, load: cmd.run },
  { name: 'exec', description: d.exec, load: cmd.exec },
  { name: 'ps', description: d.ps, load: cmd.ps },
  { name: 'build', description: d.build, load: cmd.build },
  { name: 'images', description: d.images, load: cmd.images },
  { name: 'pull', description: d.pull, load: cmd.pull },
  { name: 'push', description: d.push, load: cmd.push },
  { name: 'login', description: 'Authenticate to a registry', load: cmd.login },
  { name: 'logout', description: 'Log out from a registry', load: cmd.logout },
  { name: 'version', description: 'Show the berth version information', load: cmd.version },
  { name: 'info', description: d.info, load: cmd.info },
];

export const managementCommands: CommandEntry[] = [
  {
    name: 'container',
    description: 'Manage containers',
    subcommands: [
      { name: 'attach', description: d.attach, load: cmd.attach },
      { name: 'commit', description: d.commit, load: cmd.commit },
      { name: 'cp', description: d.cp, load: cmd.cp },
      { name: 'create', description: d.create, load: cmd.create },
      { name: 'diff', description: d.diff, load: cmd.diff },
      { name: 'exec', description: d.exec, load: cmd.exec },
      { name: 'export', description: d.export, load: cmd.export },
      { name: 'inspect', description: 'Display detailed information on one or more containers', load: () => import('./commands/inspect.js').then((m) => m.containerInspectCommand) },
      { name: 'kill', description: d.kill, load: cmd.kill },
      { name: 'logs', description: d.logs, load: cmd.logs },
      { name: 'ls', names: ['list', 'ps'], description: d.ps, load: cmd.ps },
      { name: 'pause', description: d.pause, load: cmd.pause },
      { name: 'port', description: d.port, load: cmd.port },
      { name: 'prune', description: 'Remove all stopped containers', load: () => import('./commands/prune.js').then((m) => m.containerPruneCommand) },
      { name: 'rename', description: d.rename, load: cmd.rename },
      { name: 'restart', description: d.restart, load: cmd.restart },
      { name: 'rm', names: ['remove'], description: d.rm, load: cmd.rm },
      { name: 'run', description: d.run, load: cmd.run },
      { name: 'start', description: d.start, load: cmd.start },
      { name: 'stop', description: d.stop, load: cmd.stop },
      { name: 'stats', description: d.stats, load: cmd.stats },
      { name: 'top', description: d.top, load: cmd.top },
      { name: 'unpause', description: d.unpause, load: cmd.unpause },
      { name: 'update', description: d.update, load: cmd.update },
      { name: 'wait', description: d.wait, load: cmd.wait },
    ],
  },
  {
    name: 'image',
    description: 'Manage images',
    subcommands: [
      { name: 'build', description: d.build, load: cmd.build },
      { name: 'history', description: d.history, load: cmd.history },
      { name: 'import', description: d.import, load: cmd.import },
      { name: 'inspect', description: 'Display detailed information on one or more images', load: cmd.imageInspect },
      { name: 'ls', names: ['list'], description: d.images, load: cmd.images },
      { name: 'pull', description: d.pull, load: cmd.pull },
      { name: 'push', description: d.push, load: cmd.push },
      { name: 'save', description: d.save, load: cmd.save },
      { name: 'load', description: d.load, load: cmd.load },
      { name: 'prune', description: 'Remove unused images', load: () => import('./commands/prune.js').then((m) => m.imagePruneCommand) },
      { name: 'rm', names: ['remove'], description: d.rmi, load: cmd.rmi },
      { name: 'tag', description: d.tag, load: cmd.tag },
    ],
  },
  {
    name: 'network',
    description: 'Manage networks',
    subcommands: [
      { name: 'connect', description: 'Connect a container to a network', load: () => import('./commands/network.js').then((m) => m.networkConnectCommand) },
      { name: 'create', description: 'Create a network', load: () => import('./commands/network.js').then((m) => m.networkCreateCommand) },
      { name: 'disconnect', description: 'Disconnect a container from a network', load: () => import('./commands/network.js').then((m) => m.networkDisconnectCommand) },
      { name: 'inspect', description: 'Display detailed information on one or more networks', load: () => import('./commands/network.js').then((m) => m.networkInspectCommand) },
      { name: 'ls', names: ['list'], description: 'List networks', load: () => import('./commands/network.js').then((m) => m.networkLsCommand) },
      { name: 'prune', description: 'Remove all unused networks', load: () => import('./commands/prune.js').then((m) => m.networkPruneCommand) },
      { name: 'rm', names: ['remove'], description: 'Remove one or more networks', load: () => import('./commands/network.js').then((m) => m.networkRmCommand) },
    ],
  },
  {
    name: 'volume',
    description: 'Manage volumes',
    subcommands: [
      { name: 'create', description: 'Create a volume', load: () => import('./commands/volume.js').then((m) => m.volumeCreateCommand) },
      { name: 'inspect', description: 'Display detailed information on one or more volumes', load: () => import('./commands/volume.js').then((m) => m.volumeInspectCommand) },
      { name: 'ls', names: ['list'], description: 'List volumes', load: () => import('./commands/volume.js').then((m) => m.volumeLsCommand) },
      { name: 'prune', description: 'Remove unused local volumes', load: () => import('./commands/prune.js').then((m) => m.volumePruneCommand) },
      { name: 'rm', names: ['remove'], description: 'Remove one or more volumes', load: () => import('./commands/volume.js').then((m) => m.volumeRmCommand) },
    ],
  },
  {
    name: 'system',
    description: 'Manage berth',
    subcommands: [
      { name: 'df', description: 'Show berth disk usage', load: () => import('./commands/system-df.js').then((m) => m.systemDfCommand) },
      { name: 'events', description: d.events, load: cmd.events },
      { name: 'info', description: d.info, load: cmd.info },
      { name: 'prune', description: 'Remove unused data', load: () => import('./commands/prune.js').then((m) => m.systemPruneCommand) },
    ],
  },
  {
    name: 'builder',
    description: 'Manage builds',
    subcommands: [
      { name: 'build', description: d.build, load: cmd.build },
      { name: 'prune', description: 'Remove build cache', load: () => import('./commands/prune.js').then((m) => m.builderPruneCommand) },
    ],
  },
];

export const otherCommands: CommandEntry[] = [
  { name: 'attach', description: d.attach, load: cmd.attach },
  { name: 'commit', description: d.commit, load: cmd.commit },
  { name: 'cp', description: d.cp, load: cmd.cp },
  { name: 'create', description: d.create, load: cmd.create },
  { name: 'daemon', description: 'Run the berth daemon (berthd) in the foreground' },
  { name: 'diff', description: d.diff, load: cmd.diff },
  { name: 'events', description: d.events, load: cmd.events },
  { name: 'export', description: d.export, load: cmd.export },
  { name: 'history', description: d.history, load: cmd.history },
  { name: 'import', description: d.import, load: cmd.import },
  { name: 'inspect', description: 'Return low-level information on berth objects', load: cmd.inspect },
  { name: 'kill', description: d.kill, load: cmd.kill },
  { name: 'load', description: d.load, load: cmd.load },
  { name: 'logs', description: d.logs, load: cmd.logs },
  { name: 'pause', description: d.pause, load: cmd.pause },
  { name: 'port', description: d.port, load: cmd.port },
  { name: 'rename', description: d.rename, load: cmd.rename },
  { name: 'restart', description: d.restart, load: cmd.restart },
  { name: 'rm', description: d.rm, load: cmd.rm },
  { name: 'rmi', description: d.rmi, load: cmd.rmi },
  { name: 'save', description: d.save, load: cmd.save },
  { name: 'start', description: d.start, load: cmd.start },
  { name: 'stop', description: d.stop, load: cmd.stop },
  { name: 'tag', description: d.tag, load: cmd.tag },
  { name: 'stats', description: d.stats, load: cmd.stats },
  { name: 'top', description: d.top, load: cmd.top },
  { name: 'unpause', description: d.unpause, load: cmd.unpause },
  { name: 'update', description: d.update, load: cmd.update },
  { name: 'wait', description: d.wait, load: cmd.wait },
];

export function findEntry(entries: readonly CommandEntry[], name: string): CommandEntry | undefined {
  return entries.find((e) => e.name === name || (e.names?.includes(name) ?? false));
}

/** Every top-level entry, for lookup. */
export const topLevelCommands: readonly CommandEntry[] = [...commonCommands, ...managementCommands, ...otherCommands];
