import type { IncomingMessage } from 'node:http';
import { resolve as resolvePath } from 'node:path';
import { Readable, Transform, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { decodePathStat, GoMode, hasGoMode, PATH_STAT_HEADER, type ContainerPathStat } from '../../api/types/path-stat.js';
import { goClean, preserveTrailing, splitPathDirEntry } from '../../lib/archive-paths.js';
import type { CommandContext, CommandDef } from '../command.js';
import { copyInfoDestinationPath, copyInfoSourcePath, extractTo, rebaseArchive, tarLocal, validateOutputPath } from '../cp-archive.js';
import { getRebaseName, prepareArchiveCopy, splitCpArg, type CopyInfo } from '../cp-rules.js';
import { humanSize } from '../format/units.js';

interface CpConfig {
  container: string;
  src: string;
  dst: string;
  followLink: boolean;
  copyUIDGID: boolean;
  quiet: boolean;
}

const archivePath = (container: string): string => `/containers/${encodeURIComponent(container)}/archive`;

/** A local path made absolute, keeping a trailing "/" or "/." (docker/cli's resolveLocalPath). */
const resolveLocalPath = (p: string): string => preserveTrailing(resolvePath(p), p);

const isDir = (s: ContainerPathStat): boolean => hasGoMode(s.mode, GoMode.dir);

async function statPath(ctx: CommandContext, container: string, path: string): Promise<ContainerPathStat | null> {
  try {
    const res = await ctx.client().send('HEAD', archivePath(container), { query: { path } });
    res.resume();
    return decodePathStat(res.headers[PATH_STAT_HEADER.toLowerCase()] as string | undefined);
  } catch {
    return null;
  }
}

/** Counts the bytes that pass, for the "Successfully copied" line. */
function counter(): { stream: Transform; bytes: () => number } {
  let n = 0;
  const stream = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      n += chunk.length;
      cb(null, chunk);
    },
  });
  return { stream, bytes: () => n };
}

/** A followed symlink's target, relative ones joined to the link's directory. */
function linkTargetOf(path: string, s: ContainerPathStat): string {
  return s.linkTarget.startsWith('/') ? s.linkTarget : goClean(`${splitPathDirEntry(path).dir}/${s.linkTarget}`);
}

async function copyFromContainer(ctx: CommandContext, cfg: CpConfig): Promise<number> {
  const dst = cfg.dst === '-' ? '-' : resolveLocalPath(cfg.dst);
  await validateOutputPath(dst);
  let src = cfg.src;
  let rebaseName = '';
  if (cfg.followLink) {
    const s = await statPath(ctx, cfg.container, src);
    if (s !== null && hasGoMode(s.mode, GoMode.symlink)) ({ resolved: src, rebaseName } = getRebaseName(src, linkTargetOf(src, s)));
  }
  const res: IncomingMessage = await ctx.client().send('GET', archivePath(cfg.container), { query: { path: src } });
  if (dst === '-') {
    await pipeline(res, ctx.io.stdout as unknown as Writable, { end: false });
    return 0;
  }
  const stat = decodePathStat(res.headers[PATH_STAT_HEADER.toLowerCase()] as string | undefined);
  const srcInfo: CopyInfo = { path: src, exists: true, isDir: stat !== null && isDir(stat), rebaseName };
  const count = counter();
  let archive: Readable = res.pipe(count.stream);
  if (rebaseName !== '') archive = rebaseArchive(archive, splitPathDirEntry(src).base, rebaseName);
  const plan = prepareArchiveCopy(srcInfo, await copyInfoDestinationPath(dst));
  if (plan.rebase) archive = rebaseArchive(archive, plan.rebase.from, plan.rebase.to);
  await extractTo(archive, plan.dir);
  if (!cfg.quiet) ctx.io.stderr.write(`Successfully copied ${humanSize(count.bytes(), 3)} to ${dst}\n`);
  return 0;
}

async function copyToContainer(ctx: CommandContext, cfg: CpConfig): Promise<number> {
  const src = cfg.src === '-' ? '-' : resolveLocalPath(cfg.src);
  const dstInfo: CopyInfo = { path: cfg.dst, exists: false, isDir: false, rebaseName: '' };
  let dstStat = await statPath(ctx, cfg.container, cfg.dst);
  if (dstStat !== null && hasGoMode(dstStat.mode, GoMode.symlink)) {
    dstInfo.path = linkTargetOf(cfg.dst, dstStat);
    dstStat = await statPath(ctx, cfg.container, dstInfo.path);
  }
  if (dstStat !== null) {
    if (hasGoMode(dstStat.mode, GoMode.device) || hasGoMode(dstStat.mode, GoMode.irregular)) {
      const what = hasGoMode(dstStat.mode, GoMode.device) ? 'a device' : 'an irregular file';
      throw new Error(`destination "${cfg.container}:${cfg.dst}" must be a directory or a regular file: got ${what}`);
    }
    dstInfo.exists = true;
    dstInfo.isDir = isDir(dstStat);
  }
  let content: Readable;
  let dir: string;
  if (src === '-') {
    if (!dstInfo.isDir) throw new Error(`destination "${cfg.container}:${cfg.dst}" must be a directory`);
    content = ctx.io.stdin as unknown as Readable;
    dir = dstInfo.path;
  } else {
    const srcInfo = await copyInfoSourcePath(src, cfg.followLink);
    const plan = prepareArchiveCopy(srcInfo, dstInfo);
    content = tarLocal(srcInfo);
    if (plan.rebase) content = rebaseArchive(content, plan.rebase.from, plan.rebase.to);
    dir = plan.dir;
  }
  const count = counter();
  const body = content.pipe(count.stream);
  content.on('error', (e) => body.destroy(e));
  const res = await ctx.client().send('PUT', archivePath(cfg.container), {
    query: { path: dir, noOverwriteDirNonDir: true, copyUIDGID: cfg.copyUIDGID || undefined },
    body,
    headers: { 'Content-Type': 'application/x-tar' },
  });
  res.resume();
  if (!cfg.quiet) ctx.io.stderr.write(`Successfully copied ${humanSize(count.bytes(), 3)} to ${cfg.container}:${dstInfo.path}\n`);
  return 0;
}

export const cpCommand: CommandDef = {
  usage: `[OPTIONS] CONTAINER:SRC_PATH DEST_PATH|-
	berth cp [OPTIONS] SRC_PATH|- CONTAINER:DEST_PATH`,
  aliases: ['container cp', 'cp'],
  flags: [
    { name: 'archive', short: 'a', type: 'bool', description: 'Archive mode (copy all uid/gid information)' },
    { name: 'follow-link', short: 'L', type: 'bool', description: 'Always follow symbol link in SRC_PATH' },
    {
      name: 'quiet',
      short: 'q',
      type: 'bool',
      description: 'Suppress progress output during copy. Progress output is automatically suppressed if no terminal is attached',
    },
  ],
  args: { kind: 'exact', n: 2 },
  run: async (ctx, flags) => {
    const [source = '', destination = ''] = flags.args;
    if (source === '') throw new Error('source can not be empty');
    if (destination === '') throw new Error('destination can not be empty');
    const from = splitCpArg(source);
    const to = splitCpArg(destination);
    // As docker's CLI: without -q, output is shown only on a terminal.
    const quiet = flags.changed('quiet') ? flags.bool('quiet') : ctx.io.stdout.isTTY !== true;
    const base = { followLink: flags.bool('follow-link'), copyUIDGID: flags.bool('archive'), quiet };
    if (from.container !== '' && to.container !== '') throw new Error('copying between containers is not supported');
    if (from.container !== '') return copyFromContainer(ctx, { ...base, container: from.container, src: from.path, dst: to.path });
    if (to.container !== '') return copyToContainer(ctx, { ...base, container: to.container, src: from.path, dst: to.path });
    throw new Error('must specify at least one container source');
  },
};
