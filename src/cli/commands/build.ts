import { randomBytes } from 'node:crypto';
import { lstatSync, readFileSync, readlinkSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { DockerignoreMatcher, parseDockerignore } from '../../lib/dockerignore.js';
import { parseReference } from '../../oci/reference.js';
import type { CommandDef } from '../command.js';
import { tarPieces, type TarItem } from '../../lib/tar-writer.js';
import { CommandUsageError } from '../command.js';
import { displayJsonMessages, StreamError } from '../progress.js';
import { bytesValue, containerFlags, swapValue } from '../container-options.js';
import { parseExtraHost, parseUlimit } from '../opts.js';
import { registryConfigFor } from '../registry-auth.js';
import type { FlagSpec } from '../flags.js';

/** go-units HumanSizeWithPrecision(n, 4): decimal units, as docker's "Sending build context" line. */
function humanSize(n: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];
  let i = 0;
  while (n >= 1000 && i < units.length - 1) {
    n /= 1000;
    i++;
  }
  return `${Number(n.toPrecision(4))}${units[i]}`;
}

/** `KEY=v` → v; `KEY` → the value from the environment, or null when unset (docker's ValidateEnv). */
function buildArgMap(list: readonly string[], env: Record<string, string | undefined>): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const item of list) {
    const eq = item.indexOf('=');
    if (eq === 0) throw new CommandUsageError(`invalid argument "${item}" for "--build-arg" flag: invalid environment variable: ${item}`);
    if (eq > 0) out[item.slice(0, eq)] = item.slice(eq + 1);
    else out[item] = env[item] ?? null;
  }
  return out;
}

/**
 * The context directory as a tar stream, as docker's client sends it: .dockerignore'd paths left
 * out (but never the Dockerfile or .dockerignore), owners 0:0, entries in sorted order, in pieces
 * large enough that the upload is not thousands of tiny HTTP chunks.
 */
function packContext(root: string, matcher: DockerignoreMatcher, keep: Set<string>, extra: { name: string; data: Buffer } | null): Readable {
  // The walk runs as the upload pulls, so the daemon gets the first entries (the Dockerfile
  // among them) and starts the build while the rest of the tree is still read.
  function* walk(rel: string): Generator<TarItem> {
    const names = readdirSync(rel === '' ? root : join(root, rel)).sort();
    for (const name of names) {
      const childRel = rel === '' ? name : `${rel}/${name}`;
      const abs = join(root, childRel);
      const st = lstatSync(abs);
      const excluded = !keep.has(childRel) && matcher.excludes(childRel);
      if (!excluded) {
        const base = { name: childRel, mode: st.mode & 0o7777, mtime: Math.floor(st.mtimeMs / 1000), size: 0 };
        if (st.isFile()) yield { ...base, type: 'file', size: st.size, path: abs };
        else if (st.isDirectory()) yield { ...base, type: 'directory' };
        else if (st.isSymbolicLink()) yield { ...base, type: 'symlink', linkname: readlinkSync(abs) };
      }
      if (st.isDirectory() && (!excluded || matcher.mayReinclude(childRel))) yield* walk(childRel);
    }
  }
  function* items(): Generator<TarItem> {
    // A Dockerfile from outside the context goes first, for the same reason.
    if (extra) yield { name: extra.name, type: 'file', mode: 0o644, mtime: 0, size: extra.data.length, data: extra.data };
    yield* walk('');
  }
  return Readable.from(tarPieces(items()), { objectMode: false });
}

function isArchive(head: Buffer): boolean {
  if (head.length >= 262 && head.subarray(257, 262).toString('latin1') === 'ustar') return true;
  return (head[0] === 0x1f && head[1] === 0x8b) || head.subarray(0, 3).toString('latin1') === 'BZh' || (head[0] === 0xfd && head[1] === 0x37);
}

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(typeof c === 'string' ? Buffer.from(c) : c);
  return Buffer.concat(chunks);
}

/** `run`'s flags for the limits of the RUN containers, in the words of docker's `build --help`. */
function runFlag(name: string, description?: string): FlagSpec {
  const flag = containerFlags.find((f) => f.name === name);
  if (!flag) throw new Error(`no container flag ${name}`);
  return description ? { ...flag, description } : flag;
}

export const buildCommand: CommandDef = {
  usage: '[OPTIONS] PATH | URL | -',
  aliases: ['image build', 'build'],
  flags: [
    { name: 'build-arg', type: 'list', description: 'Set build-time variables' },
    { name: 'cache-from', type: 'list', description: 'Images to consider as cache sources' },
    runFlag('cgroup-parent', 'Set the parent cgroup for the "RUN" instructions during build'),
    runFlag('cpu-period', 'Limit the CPU CFS (Completely Fair Scheduler) period'),
    runFlag('cpu-quota', 'Limit the CPU CFS (Completely Fair Scheduler) quota'),
    runFlag('cpu-shares'),
    runFlag('cpuset-cpus'),
    runFlag('cpuset-mems'),
    { name: 'explain-cache', type: 'bool', description: 'Say for each step that misses the build cache why it missed (berth only)' },
    { name: 'file', short: 'f', type: 'string', description: 'Name of the Dockerfile (Default is "PATH/Dockerfile")' },
    { name: 'force-rm', type: 'bool', description: 'Always remove intermediate containers' },
    { name: 'iidfile', type: 'string', description: 'Write the image ID to the file' },
    { name: 'add-host', type: 'list', description: 'Add a custom host-to-IP mapping ("host:ip")', validate: (v) => void parseExtraHost(v) },
    { name: 'label', type: 'list', description: 'Set metadata for an image' },
    runFlag('memory'),
    runFlag('memory-swap', 'Swap limit equal to memory plus swap: -1 to enable unlimited swap'),
    { name: 'network', type: 'string', description: 'Set the networking mode for the RUN instructions during build', defaultText: '"default"' },
    { name: 'no-cache', type: 'bool', description: 'Do not use cache when building the image' },
    { name: 'platform', type: 'string', description: 'Set platform if server is multi-platform capable' },
    { name: 'pull', type: 'bool', description: 'Always attempt to pull a newer version of the image' },
    { name: 'quiet', short: 'q', type: 'bool', description: 'Suppress the build output and print image ID on success' },
    { name: 'rm', type: 'bool', description: 'Remove intermediate containers after a successful build', defaultText: 'true' },
    runFlag('shm-size', 'Size of "/dev/shm"'),
    { name: 'tag', short: 't', type: 'list', description: 'Name and optionally a tag in the "name:tag" format' },
    { name: 'target', type: 'string', description: 'Set the target build stage to build.' },
    runFlag('ulimit'),
  ],
  args: { kind: 'exact', n: 1 },
  run: async (ctx, flags) => {
    const [source = ''] = flags.args;
    const tags = flags.list('tag');
    for (const t of tags) {
      try {
        parseReference(t);
      } catch (e) {
        throw new CommandUsageError(`invalid argument "${t}" for "-t, --tag" flag: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    const env = ctx.io.env;
    const quiet = flags.bool('quiet');
    const out = ctx.io.stdout;
    let dockerfileName = flags.string('file') ?? '';
    let body: Readable;
    let size = 0;
    if (source === '-') {
      const data = await readAll(ctx.io.stdin);
      if (isArchive(data.subarray(0, 512))) body = Readable.from([data]);
      else {
        // A Dockerfile on stdin: the context is just that file.
        body = Readable.from(tarPieces([{ name: 'Dockerfile', type: 'file', mode: 0o644, mtime: 0, size: data.length, data }]), { objectMode: false });
        dockerfileName = 'Dockerfile';
      }
    } else if (/^(https?|git):\/\/|^git@/.test(source)) {
      throw new Error(`unable to prepare context: building from a URL (${source}) is not supported; clone or download it and build from the directory`);
    } else {
      const root = resolve(source);
      let st;
      try {
        st = statSync(root);
      } catch {
        throw new Error(`unable to prepare context: path "${source}" not found`);
      }
      if (!st.isDirectory()) throw new Error(`unable to prepare context: context must be a directory: ${root}`);
      const dfAbs = dockerfileName === '' ? join(root, 'Dockerfile') : isAbsolute(dockerfileName) ? dockerfileName : resolve(dockerfileName);
      let dfData: Buffer;
      try {
        dfData = readFileSync(dfAbs);
      } catch {
        throw new Error(`unable to prepare context: unable to evaluate symlinks in Dockerfile path: lstat ${dfAbs}: no such file or directory`);
      }
      const rel = relative(root, dfAbs);
      const inside = rel !== '' && !rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel);
      let extra: { name: string; data: Buffer } | null = null;
      if (inside) dockerfileName = rel.split(sep).join('/');
      else {
        // A Dockerfile outside the context travels inside it under a random name, as docker's client does.
        dockerfileName = `.dockerfile.${randomBytes(10).toString('hex')}`;
        extra = { name: dockerfileName, data: dfData };
      }
      let ignoreText = '';
      try {
        ignoreText = readFileSync(`${dfAbs}.dockerignore`, 'utf8');
      } catch {
        try {
          ignoreText = readFileSync(join(root, '.dockerignore'), 'utf8');
        } catch {
          ignoreText = '';
        }
      }
      const keep = new Set(['.dockerignore', ...(inside ? [dockerfileName] : [])]);
      body = packContext(root, new DockerignoreMatcher(parseDockerignore(ignoreText)), keep, extra);
    }
    const counted = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        size += chunk.length;
        cb(null, chunk);
      },
      flush(cb) {
        if (!quiet) out.write(`Sending build context to Docker daemon  ${humanSize(size)}\r\r\n`);
        cb();
      },
    });
    body.on('error', (e) => counted.destroy(e));
    body.pipe(counted);
    const labels: Record<string, string> = {};
    for (const l of flags.list('label')) {
      const eq = l.indexOf('=');
      labels[eq < 0 ? l : l.slice(0, eq)] = eq < 0 ? '' : l.slice(eq + 1);
    }
    const res = await ctx.client().send('POST', '/build', {
      query: {
        t: tags,
        dockerfile: dockerfileName || undefined,
        buildargs: JSON.stringify(buildArgMap(flags.list('build-arg'), env)),
        labels: JSON.stringify(labels),
        target: flags.string('target'),
        nocache: flags.bool('no-cache'),
        explaincache: flags.bool('explain-cache'),
        q: quiet,
        rm: flags.bool('rm', true) ? '1' : '0',
        forcerm: flags.bool('force-rm'),
        networkmode: flags.string('network'),
        extrahosts: flags.list('add-host').map(parseExtraHost),
        pull: flags.bool('pull'),
        cachefrom: flags.list('cache-from').length > 0 ? JSON.stringify(flags.list('cache-from')) : undefined,
        memory: flags.changed('memory') ? bytesValue(flags.string('memory') ?? '') : undefined,
        memswap: flags.changed('memory-swap') ? swapValue(flags.string('memory-swap') ?? '') : undefined,
        cpushares: flags.int('cpu-shares'),
        cpuperiod: flags.int('cpu-period'),
        cpuquota: flags.int('cpu-quota'),
        cpusetcpus: flags.string('cpuset-cpus'),
        cpusetmems: flags.string('cpuset-mems'),
        cgroupparent: flags.string('cgroup-parent'),
        shmsize: flags.changed('shm-size') ? bytesValue(flags.string('shm-size') ?? '') : undefined,
        ulimits: flags.list('ulimit').length > 0 ? JSON.stringify(flags.list('ulimit').map(parseUlimit)) : undefined,
      },
      headers: { 'Content-Type': 'application/x-tar', 'X-Registry-Config': await registryConfigFor(env) },
      body: counted,
    });
    let aux: Record<string, unknown>[];
    try {
      // With q the daemon's only output is the image ID.
      aux = await displayJsonMessages(res, out);
    } catch (e) {
      if (e instanceof StreamError) {
        ctx.io.stderr.write(`${e.message}\n`);
        return e.code !== undefined && e.code > 0 ? e.code : 1;
      }
      throw e;
    }
    const id = aux.map((a) => a['ID']).find((v): v is string => typeof v === 'string');
    const iidfile = flags.string('iidfile');
    if (iidfile && id) writeFileSync(iidfile, id);
    return 0;
  },
};
