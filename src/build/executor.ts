import { posix } from 'node:path';
import type { Readable } from 'node:stream';
import { BerthError, invalidArgument } from '../lib/errors.js';
import { parseMemory } from '../lib/human-units.js';
import { exposedPortKeys } from '../oci/exposed-ports.js';
import { HEALTHCHECK_FLAGS, healthcheckHistoryText, healthcheckOf } from '../oci/healthcheck.js';
import type { HistoryEntry, ImageRunConfig } from '../oci/image.js';
import { familiarString, parseReference, withDefaultTag } from '../oci/reference.js';
import type { BindRunMount, BuildBackend, BuildImage, RunMount, RunResources } from './backend.js';
import { explainCacheMiss, type CopyManifest } from './cache-explain.js';
import { hashPlan, planCopy, resolveInScope, writeCopyTar, type CopyEntry, type CopyPlan } from './copy-sources.js';
import { parseDockerfile, splitQuoted, type Instruction } from './dockerfile-parser.js';
import { LayeredFs } from './image-fs.js';
import { processWord, processWords } from './shell-words.js';
import type { SourceTree } from './source-tree.js';

export interface BuildOptions {
  dockerfile: string;
  /** Name for error messages. */
  dockerfileName: string;
  /** The context, usable (complete and .dockerignore-filtered) once `contextReady` resolves. */
  context: SourceTree;
  /** Steps before the first COPY/ADD from the context run while it still uploads. */
  contextReady?: Promise<void>;
  tags: string[];
  buildArgs: ReadonlyMap<string, string | null>;
  target?: string;
  noCache: boolean;
  /** Says for each step that misses the cache why it missed (berth's own `--explain-cache`). */
  explainCache: boolean;
  labels: Record<string, string>;
  /** Remove RUN containers after they ran (Docker's --rm; the builder also removes them on failure). */
  rm: boolean;
  forceRm: boolean;
  network: string;
  /** `--add-host` entries for RUN's /etc/hosts (HostConfig.ExtraHosts). */
  extraHosts: readonly string[];
  /** RUN containers' limits (see RunResources). */
  resources: RunResources;
  /** `--pull`: images the build starts from or copies from are pulled first (see BuildBackend.image). */
  pull: boolean;
  /** `created` of new images; a fixed value makes builds reproducible. */
  now: () => string;
  /** Layer mtimes are clamped to this (seconds since the epoch), for reproducible layers. */
  sourceDateEpoch?: number;
  out: (text: string) => void;
  signal: AbortSignal;
}

/** Args a build may set without an ARG line (Docker's predefined proxy args). */
/** Node's names of architectures as OCI platforms spell them. */
const OCI_ARCH: Readonly<Record<string, string>> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' };

/**
 * BuildKit's automatic platform args, in the global scope and for an `ARG TARGETARCH` without a
 * value: target and build platform are both this host's (a build makes one platform's image).
 */
export const PLATFORM_ARGS: ReadonlyMap<string, string> = (() => {
  const arch = OCI_ARCH[process.arch] ?? process.arch;
  const variant = arch === 'arm' ? 'v7' : '';
  const platform = `linux/${arch}${variant ? `/${variant}` : ''}`;
  return new Map(['TARGET', 'BUILD'].flatMap((p) => [[`${p}PLATFORM`, platform], [`${p}OS`, 'linux'], [`${p}ARCH`, arch], [`${p}VARIANT`, variant]] as [string, string][]));
})();

const PREDEFINED_ARGS = new Set([...PLATFORM_ARGS.keys(), 'SOURCE_DATE_EPOCH', 'HTTP_PROXY', 'http_proxy', 'HTTPS_PROXY', 'https_proxy', 'FTP_PROXY', 'ftp_proxy', 'NO_PROXY', 'no_proxy', 'ALL_PROXY', 'all_proxy']);
const DEFAULT_SHELL = ['/bin/sh', '-c'];
/** What dockerd's builder gives a stage whose image sets no PATH, so `ENV PATH=/x:$PATH` extends it. */
const DEFAULT_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

interface Stage {
  name: string;
  from: Instruction;
  steps: Instruction[];
}

interface State {
  image: BuildImage | null;
  config: ImageRunConfig;
  /** ARGs declared in this stage, with their values (undefined: declared without one). */
  args: Map<string, string | undefined>;
  cmdSet: boolean;
  /** MAINTAINER's text: the author of this stage's images from there on (not inherited from FROM's). */
  maintainer?: string;
}

const shortOf = (id: string): string => id.replace(/^sha256:/, '').slice(0, 12);

/** The command's exit as Docker words it; `code` becomes errorDetail.code. */
export class BuildStepError extends BerthError {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super('InvalidArgument', 'build_run_failed', message);
  }
}

function splitStages(instructions: Instruction[], file: string): { meta: Instruction[]; stages: Stage[] } {
  const meta: Instruction[] = [];
  const stages: Stage[] = [];
  for (const ins of instructions) {
    if (ins.keyword === 'FROM') {
      const words = ins.rest.split(/\s+/);
      const name = words.length === 3 && words[1]!.toUpperCase() === 'AS' ? words[2]!.toLowerCase() : '';
      if (words.length !== 1 && name === '') throw invalidArgument('dockerfile_parse', `${file}:${ins.line}: FROM requires either one or three arguments`);
      stages.push({ name, from: ins, steps: [] });
    } else if (stages.length === 0) {
      if (ins.keyword !== 'ARG') throw invalidArgument('dockerfile_parse', `${file}:${ins.line}: no build stage in current context`);
      meta.push(ins);
    } else stages[stages.length - 1]!.steps.push(ins);
  }
  if (stages.length === 0) throw invalidArgument('dockerfile_empty', `the Dockerfile (${file}) cannot be empty`);
  return { meta, stages };
}

/**
 * The classic builder: walks the stages instruction by instruction, one committed image per step
 * (metadata steps add an `empty_layer` history entry), reusing a cached child image when the parent,
 * the step after substitution and the copied content all match. Returns the final image.
 */
export async function runBuild(backend: BuildBackend, opts: BuildOptions): Promise<BuildImage> {
  const df = parseDockerfile(opts.dockerfile, opts.dockerfileName);
  const { meta, stages: allStages } = splitStages(df.instructions, opts.dockerfileName);
  let stages = allStages;
  if (opts.target !== undefined && opts.target !== '') {
    const ix = stages.findIndex((s) => s.name === opts.target!.toLowerCase());
    if (ix < 0) throw invalidArgument('build_target', `failed to reach build target ${opts.target} in Dockerfile`);
    stages = stages.slice(0, ix + 1);
  }
  const labels = Object.entries(opts.labels);
  if (labels.length > 0) {
    const text = `LABEL ${labels.map(([k, v]) => `${JSON.stringify(k)}=${JSON.stringify(v)}`).join(' ')}`;
    const last = stages[stages.length - 1]!;
    last.steps.push({ keyword: 'LABEL', flags: [], rest: text.slice(6), json: undefined, line: 0, original: text, heredocs: [] });
  }
  const total = meta.length + stages.reduce((n, s) => n + 1 + s.steps.length, 0);
  let stepNo = 0;
  const used = new Set<string>();
  const escape = df.escape;
  const step = (ins: Instruction): void => opts.out(`Step ${++stepNo}/${total} : ${ins.original}\n`);

  const metaArgs = new Map<string, string | undefined>();
  for (const ins of meta) {
    step(ins);
    declareArgs(ins, metaArgs, new Map(), opts.buildArgs, used, escape);
  }
  const built: BuildImage[] = [];
  const fresh = new Set<string>();
  const byName = new Map<string, number>();
  let current: State | undefined;
  for (const [ix, stage] of stages.entries()) {
    if (opts.signal.aborted) throw canceled();
    step(stage.from);
    const fromVars = new Map([...PLATFORM_ARGS, ...[...metaArgs].filter((e): e is [string, string] => e[1] !== undefined)]);
    const ref = processWord(stage.from.rest.split(/\s+/)[0]!, fromVars, escape);
    const state: State = { image: null, config: {}, args: new Map(), cmdSet: false };
    const prior = byName.get(ref.toLowerCase());
    if (prior !== undefined) state.image = built[prior]!;
    else if (ref !== 'scratch') state.image = await backend.image(ref, opts.pull);
    if (state.image) {
      state.config = structuredClone(state.image.config.config ?? {});
      opts.out(` ---> ${shortOf(state.image.id)}\n`);
    }
    if (!envMap(state.config).has('PATH')) state.config.Env = [...(state.config.Env ?? []), DEFAULT_PATH];
    const triggers = state.config.OnBuild ?? [];
    delete state.config.OnBuild;
    const ctx = { backend, opts, escape, metaArgs, used, built, fresh, byName, step: (ins: Instruction) => step(ins) };
    if (triggers.length > 0) {
      opts.out(`# Executing ${triggers.length} build trigger${triggers.length > 1 ? 's' : ''}\n`);
      for (const t of triggers) await dispatch(ctx, state, parseDockerfile(t, opts.dockerfileName).instructions[0]!, false);
    }
    for (const ins of stage.steps) {
      if (opts.signal.aborted) throw canceled();
      await dispatch(ctx, state, ins, true);
    }
    if (!state.image) throw invalidArgument('build_no_image', 'No image was generated. Is your Dockerfile empty?');
    built.push(state.image);
    if (stage.name) byName.set(stage.name, ix);
    byName.set(String(ix), ix);
    current = state;
  }
  const unused = [...opts.buildArgs.keys()].filter((k) => !used.has(k) && !PREDEFINED_ARGS.has(k));
  if (unused.length > 0) opts.out(`[Warning] One or more build-args [${unused.sort().join(' ')}] were not consumed\n`);
  return current!.image!;
}

/** Finishes a build: Docker's closing lines and the tags. */
export function tagBuilt(backend: BuildBackend, image: BuildImage, tags: readonly string[], out: (text: string) => void): void {
  out(`Successfully built ${shortOf(image.id)}\n`);
  for (const t of tags) {
    const ref = withDefaultTag(parseReference(t));
    backend.tag(image.id, t);
    out(`Successfully tagged ${familiarString(ref)}\n`);
  }
}

const canceled = (): BerthError => new BerthError('Canceled', 'build_canceled', 'the build was canceled');

interface Ctx {
  backend: BuildBackend;
  opts: BuildOptions;
  escape: string;
  metaArgs: Map<string, string | undefined>;
  used: Set<string>;
  built: BuildImage[];
  /** Images this build made rather than took from the cache. */
  fresh: Set<string>;
  byName: Map<string, number>;
  step: (ins: Instruction) => void;
}

function declareArgs(
  ins: Instruction,
  into: Map<string, string | undefined>,
  vars: ReadonlyMap<string, string>,
  buildArgs: ReadonlyMap<string, string | null>,
  used: Set<string>,
  escape: string,
  inherited?: ReadonlyMap<string, string | undefined>,
): void {
  for (const word of splitQuoted(ins.rest, escape)) {
    const eq = word.indexOf('=');
    const name = eq < 0 ? word : word.slice(0, eq);
    used.add(name);
    const given = buildArgs.get(name);
    const dflt = eq < 0 ? (inherited?.get(name) ?? PLATFORM_ARGS.get(name)) : processWord(word.slice(eq + 1), vars, escape);
    into.set(name, given !== undefined && given !== null ? given : dflt);
  }
}

function envMap(config: ImageRunConfig): Map<string, string> {
  const m = new Map<string, string>();
  for (const e of config.Env ?? []) {
    const i = e.indexOf('=');
    m.set(i < 0 ? e : e.slice(0, i), i < 0 ? '' : e.slice(i + 1));
  }
  return m;
}

/** Substitution variables: declared ARGs, overridden by ENV (Docker's precedence). */
function varsOf(state: State): Map<string, string> {
  const m = new Map<string, string>();
  for (const [k, v] of state.args) if (v !== undefined) m.set(k, v);
  for (const [k, v] of envMap(state.config)) m.set(k, v);
  return m;
}

function setEnv(config: ImageRunConfig, name: string, value: string): void {
  const env = (config.Env ?? []).filter((e) => e.split('=', 1)[0] !== name);
  env.push(`${name}=${value}`);
  config.Env = env;
}

/** `NAME=value …` or the legacy `NAME value` form, quotes and variables processed. */
function nameValues(ins: Instruction, vars: Map<string, string>, escape: string): [string, string][] {
  const words = splitQuoted(ins.rest, escape);
  if (!words[0]!.includes('=')) {
    const name = words[0]!;
    return [[name, processWord(ins.rest.slice(ins.rest.indexOf(name) + name.length).trim(), vars, escape)]];
  }
  return words.map((w) => {
    const i = w.indexOf('=');
    return [processWord(w.slice(0, i), vars, escape), processWord(w.slice(i + 1), vars, escape)];
  });
}

function shellOf(config: ImageRunConfig): string[] {
  return config.Shell && config.Shell.length > 0 ? config.Shell : DEFAULT_SHELL;
}

function commandForm(ins: Instruction, config: ImageRunConfig): string[] {
  return ins.json ?? [...shellOf(config), ins.rest];
}

function flagValue(ins: Instruction, name: string): string | undefined {
  return ins.flags.find((f) => f.name === name)?.value;
}

function checkFlags(ins: Instruction, allowed: string[]): void {
  for (const f of ins.flags) {
    if (!allowed.includes(f.name)) throw invalidArgument('dockerfile_flag', `Unknown flag: ${f.name}`);
  }
}

/** Go's %q of a string slice, as Docker's commit messages print commands: `["a" "b"]`. */
const goList = (items: readonly string[]): string => `[${items.map((i) => JSON.stringify(i)).join(' ')}]`;

/**
 * Applies a metadata-only instruction to the config and returns its commit message (after
 * substitution, in Docker's wording), which history and the cache key record.
 */
function applyMetadata(ins: Instruction, state: State, ctx: Ctx): string {
  const c = state.config;
  const vars = varsOf(state);
  const esc = ctx.escape;
  switch (ins.keyword) {
    case 'ENV': {
      const pairs = nameValues(ins, vars, esc);
      for (const [k, v] of pairs) setEnv(c, k, v);
      return `ENV ${pairs.map(([k, v]) => `${k}=${v}`).join(' ')}`;
    }
    case 'LABEL':
      c.Labels = { ...(c.Labels ?? {}) };
      const pairs = nameValues(ins, vars, esc);
      for (const [k, v] of pairs) c.Labels[k] = v;
      return `LABEL ${pairs.map(([k, v]) => `${k}=${v}`).join(' ')}`;
    case 'ARG':
      declareArgs(ins, state.args, vars, ctx.opts.buildArgs, ctx.used, esc, ctx.metaArgs);
      return `ARG ${ins.rest}`;
    case 'WORKDIR': {
      const dir = processWord(ins.rest, vars, esc);
      c.WorkingDir = posix.isAbsolute(dir) ? posix.normalize(dir) : posix.join(c.WorkingDir || '/', dir);
      return `WORKDIR ${c.WorkingDir}`;
    }
    case 'USER':
      c.User = processWord(ins.rest, vars, esc);
      return `USER ${c.User}`;
    case 'STOPSIGNAL':
      c.StopSignal = processWord(ins.rest, vars, esc);
      return `STOPSIGNAL ${c.StopSignal}`;
    case 'EXPOSE': {
      c.ExposedPorts = { ...(c.ExposedPorts ?? {}) };
      // As dockerd: the words sorted as written, then each expanded (one may name several ports).
      const ports = ins.rest.split(/\s+/).filter((w) => w !== '').sort().flatMap((w) => processWords(w, vars, esc));
      for (const p of ports) for (const key of exposedPortKeys(p)) c.ExposedPorts[key] = {};
      return `EXPOSE ${ports.join(' ')}`;
    }
    case 'VOLUME': {
      const vols = ins.json ?? processWords(ins.rest, vars, esc);
      c.Volumes = { ...(c.Volumes ?? {}) };
      for (const v of vols) {
        if (v.trim() === '') throw invalidArgument('dockerfile_volume', 'VOLUME specified can not be an empty string');
        c.Volumes[v] = {};
      }
      return `VOLUME [${vols.join(' ')}]`;
    }
    case 'CMD':
      c.Cmd = commandForm(ins, c);
      state.cmdSet = true;
      return `CMD ${goList(c.Cmd)}`;
    case 'ENTRYPOINT':
      c.Entrypoint = ins.rest === '' ? null : commandForm(ins, c);
      // An inherited CMD is dropped with a new ENTRYPOINT, as Docker does.
      if (!state.cmdSet) c.Cmd = null;
      return `ENTRYPOINT ${goList(c.Entrypoint ?? [])}`;
    case 'SHELL':
      if (!ins.json || ins.json.length === 0) throw invalidArgument('dockerfile_shell', 'SHELL requires the arguments to be in JSON form');
      c.Shell = ins.json;
      return `SHELL [${ins.json.join(' ')}]`;
    case 'ONBUILD': {
      const kw = ins.rest.split(/\s+/, 1)[0]!.toUpperCase();
      if (['ONBUILD', 'FROM', 'MAINTAINER'].includes(kw)) throw invalidArgument('dockerfile_onbuild', `${kw} isn't allowed as an ONBUILD trigger`);
      c.OnBuild = [...(c.OnBuild ?? []), ins.rest];
      return `ONBUILD ${ins.rest}`;
    }
    case 'MAINTAINER':
      state.maintainer = processWord(ins.rest, vars, esc);
      return `MAINTAINER ${state.maintainer}`;
    case 'HEALTHCHECK': {
      checkFlags(ins, HEALTHCHECK_FLAGS);
      c.Healthcheck = healthcheckOf(ins.rest, (f) => flagValue(ins, f));
      return `HEALTHCHECK ${healthcheckHistoryText(c.Healthcheck)}`;
    }
    default:
      throw invalidArgument('dockerfile_parse', `unknown instruction: ${ins.keyword}`);
  }
}

const authorOf = (state: State): { author?: string } => (state.maintainer ? { author: state.maintainer } : {});

/** Docker's `container_config` for a step: the run config with the step as its command. */
function containerConfigOf(config: ImageRunConfig, cmd: string[]): ImageRunConfig {
  return { ...structuredClone(config), Cmd: cmd };
}

async function dispatch(ctx: Ctx, state: State, ins: Instruction, counted: boolean): Promise<void> {
  if (counted) ctx.step(ins);
  const { backend, opts } = ctx;
  if (ins.keyword === 'FROM') throw invalidArgument('dockerfile_parse', 'FROM is not allowed here');
  if (ins.keyword === 'RUN') return runStep(ctx, state, ins);
  if (ins.keyword === 'COPY' || ins.keyword === 'ADD') return copyStep(ctx, state, ins);
  checkFlags(ins, ins.keyword === 'HEALTHCHECK' ? HEALTHCHECK_FLAGS : []);
  const text = applyMetadata(ins, state, ctx);
  // dockerd's two forms: `#(nop) ` and the text as two words (history shows two spaces), but one
  // word for WORKDIR (as for COPY and ADD).
  const nop = ins.keyword === 'WORKDIR' ? [`#(nop) ${text}`] : ['#(nop) ', text];
  const cc = containerConfigOf(state.config, [...shellOf(state.config), ...nop]);
  const dirs = ins.keyword === 'WORKDIR' ? missingDirs(state.image, state.config.WorkingDir!, opts) : [];
  const history: HistoryEntry = { created: opts.now(), created_by: cc.Cmd!.join(' '), ...authorOf(state), ...(dirs.length === 0 ? { empty_layer: true } : {}) };
  const layer = (): Readable | null => (dirs.length === 0 ? null : writeCopyTar({ tree: null, entries: dirs, archives: [] }, (input) => backend.openArchive(input)));
  await commitOrReuse(ctx, state, cc, () => backend.commit({ parent: state.image, runConfig: state.config, containerConfig: cc, history, ...authorOf(state) }, layer()));
}

/**
 * The directories of a WORKDIR the image lacks (symlinks on the way followed inside it), parents
 * first: dockerd's builder makes them, root's with mode 0755, in a layer of the step's own.
 */
function missingDirs(image: BuildImage | null, dir: string, opts: BuildOptions): CopyEntry[] {
  const fs = new LayeredFs(image?.layerDirs ?? []);
  const now = Math.floor(Date.parse(opts.now()) / 1000);
  const mtime = opts.sourceDateEpoch === undefined ? now : Math.min(now, opts.sourceDateEpoch);
  const parts = resolveInScope(fs, dir.replace(/^\/+/, '')).split('/').filter((p) => p !== '');
  return parts
    .map((_, i) => parts.slice(0, i + 1).join('/'))
    .filter((name) => fs.lstat(name) === null)
    .map((name) => ({ name, type: 'directory', mode: 0o755, uid: 0, gid: 0, mtime, size: 0 }));
}

/** Takes the cached child image for this step if there is one, else makes it. */
async function commitOrReuse(ctx: Ctx, state: State, cc: ImageRunConfig, make: () => Promise<BuildImage>, files?: () => CopyManifest): Promise<void> {
  const { backend, opts } = ctx;
  const hit = opts.noCache ? undefined : await backend.cached(state.image, cc, state.config);
  if (hit) {
    opts.out(' ---> Using cache\n');
    state.image = hit;
  } else {
    if (opts.explainCache && !opts.noCache) {
      const parent = state.image;
      const reasons = parent && ctx.fresh.has(parent.id)
        ? ['its parent image was built by this build (an earlier step missed)']
        : explainCacheMiss(cc, files?.(), backend.cacheCandidates(parent));
      for (const r of reasons) opts.out(` ---> Cache miss: ${r}\n`);
    }
    state.image = await make();
    ctx.fresh.add(state.image.id);
  }
  opts.out(` ---> ${shortOf(state.image.id)}\n`);
}

/** The network modes a RUN may ask for with `--network` (BuildKit's). */
const RUN_NETWORKS = ['default', 'none', 'host'];

/** A `RUN --mount=type=bind` as written: its files are found when the step runs. */
interface BindRequest {
  type: 'bind';
  target: string;
  /** In the build context, or in `from` (a stage or an image). */
  source: string;
  from?: string;
  readwrite: boolean;
}

/**
 * `RUN --mount=type=cache|tmpfs|bind,target=…` as BuildKit reads it (`dst`/`destination` for
 * target, `ro`/`readonly`, a cache's `id`, `mode`, `uid`, `gid`, a tmpfs's `size`, a bind's
 * `source`/`src`, `from` and `rw`/`readwrite`; bind is the default type); a relative target is under
 * the working directory. Other kinds, and cache options beyond these, are refused by name.
 */
export function parseRunMount(text: string, workdir: string): Exclude<RunMount, BindRunMount> | BindRequest {
  const fields = new Map<string, string>();
  for (const part of text.split(',')) {
    const eq = part.indexOf('=');
    fields.set((eq < 0 ? part : part.slice(0, eq)).trim().toLowerCase(), eq < 0 ? 'true' : part.slice(eq + 1).trim());
  }
  const type = fields.get('type') ?? 'bind';
  const raw = fields.get('target') ?? fields.get('dst') ?? fields.get('destination');
  if (!raw) throw invalidArgument('dockerfile_mount', `RUN --mount=${text}: a target is required`);
  const target = posix.resolve(workdir || '/', raw);
  const flag = (k: string) => fields.has(k) && fields.get(k) !== 'false';
  if (type === 'cache') {
    for (const k of ['from', 'source', 'src']) if (fields.has(k)) throw invalidArgument('dockerfile_mount', `RUN --mount=${text}: a cache seeded from "${k}" is not supported by this builder`);
    const num = (k: string, dflt: number, base = 10) => {
      const v = fields.get(k);
      const n = v === undefined ? dflt : parseInt(v, base);
      if (!Number.isInteger(n) || n < 0) throw invalidArgument('dockerfile_mount', `RUN --mount=${text}: invalid ${k} "${v}"`);
      return n;
    };
    return { type, target, id: fields.get('id') || target, readonly: flag('ro') || flag('readonly'), mode: num('mode', 0o755, 8), uid: num('uid', 0), gid: num('gid', 0) };
  }
  if (type === 'tmpfs') {
    const size = fields.get('size');
    return { type, target, ...(size !== undefined ? { size: parseMemory(size) } : {}) };
  }
  if (type === 'bind') {
    const from = fields.get('from');
    return { type, target, source: fields.get('source') ?? fields.get('src') ?? '.', ...(from ? { from } : {}), readwrite: flag('rw') || flag('readwrite') };
  }
  throw invalidArgument('dockerfile_mount', `RUN --mount=type=${type} is not supported by this builder: use type=cache, type=tmpfs or type=bind`);
}

/** A bind mount's files: the context's (or `from`'s), planned as a COPY of them, and their hash. */
async function bindMount(ctx: Ctx, m: BindRequest): Promise<{ mount: BindRunMount; hash: string }> {
  const { backend, opts } = ctx;
  let fs: SourceTree;
  let what = 'build context';
  if (m.from !== undefined) {
    const ix = ctx.byName.get(m.from.toLowerCase());
    fs = new LayeredFs((ix !== undefined ? ctx.built[ix]! : await backend.image(m.from, ctx.opts.pull)).layerDirs);
    what = 'image';
  } else {
    await opts.contextReady;
    fs = opts.context;
  }
  const plan = planCopy({ fs, what, sources: [m.source], dest: '/', destIsDir: true, owner: null, chmod: undefined, keyword: 'RUN --mount' });
  const rel = resolveInScope(fs, posix.normalize(m.source).replace(/^\/+/, '').replace(/\/+$/, '').replace(/^\.$/, ''));
  const file = fs.stat(rel)?.type === 'directory' ? undefined : posix.basename(rel);
  return {
    mount: { type: 'bind', target: m.target, readwrite: m.readwrite, tar: () => writeCopyTar(plan, (input) => backend.openArchive(input)), ...(file ? { file } : {}) },
    hash: hashPlan(plan).hash,
  };
}

/**
 * The directories a RUN's mounts make that the image does not have (a target and its missing
 * parents), deepest first: as BuildKit, the layer keeps none of them.
 */
function mountStubs(image: BuildImage | null, mounts: readonly RunMount[]): string[] {
  if (!image || mounts.length === 0) return [];
  const fs = new LayeredFs(image.layerDirs);
  const out = new Set<string>();
  for (const m of mounts) {
    for (let p = m.target; p !== '/' && fs.lstat(p.slice(1)) === null; p = posix.dirname(p)) out.add(p);
  }
  return [...out].sort((a, b) => b.split('/').length - a.split('/').length);
}

async function runStep(ctx: Ctx, state: State, ins: Instruction): Promise<void> {
  const { backend, opts } = ctx;
  checkFlags(ins, ['mount', 'network']);
  const parsed = ins.flags.filter((f) => f.name === 'mount').map((f) => parseRunMount(f.value ?? '', state.config.WorkingDir ?? '/'));
  // A bind's files count in the step's cache key, as the files a COPY copies do.
  const bound = await Promise.all(parsed.map((m) => (m.type === 'bind' ? bindMount(ctx, m) : { mount: m, hash: '' })));
  const mounts = bound.map((b) => b.mount);
  const network = flagValue(ins, 'network') ?? opts.network;
  if (!RUN_NETWORKS.includes(network)) throw invalidArgument('dockerfile_flag', `RUN --network=${network}: use default, none or host`);
  if (!state.image) throw invalidArgument('build_run_scratch', 'RUN needs a base image with a shell: this stage starts FROM scratch with no layers');
  const argv = ins.json ?? [...shellOf(state.config), heredocScript(ins)];
  if (ins.json && ins.json.length === 0) throw invalidArgument('dockerfile_run', 'RUN requires at least one argument');
  const env = envMap(state.config);
  // Args an ENV of the same name overrides are neither in the environment nor in the prefix.
  const args = [...state.args].filter((e): e is [string, string] => e[1] !== undefined && !env.has(e[0])).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  // Build args are part of the cache key and of history, as Docker's `|N k=v` prefix; so are the
  // step's own flags, written as BuildKit writes them in history.
  const prefix = args.length > 0 ? [`|${args.length}`, ...args.map(([k, v]) => `${k}=${v}`)] : [];
  const flagText = ins.flags.map((f) => `--${f.name}=${f.value ?? ''}`);
  const bindHashes = bound.filter((b) => b.hash !== '').map((b) => `#${b.hash}`);
  const cc = containerConfigOf(state.config, [...prefix, ...flagText, ...bindHashes, ...argv]);
  const stubs = mountStubs(state.image, mounts);
  const history: HistoryEntry = { created: opts.now(), created_by: cc.Cmd!.join(' '), ...authorOf(state) };
  const image = state.image;
  await commitOrReuse(ctx, state, cc, async () => {
    let id = '';
    const result = await backend
      .run({
        image,
        argv,
        env: [...(state.config.Env ?? []), ...args.map(([k, v]) => `${k}=${v}`)],
        user: state.config.User ?? '',
        workingDir: state.config.WorkingDir ?? '',
        network,
        extraHosts: opts.extraHosts,
        resources: opts.resources,
        mounts,
        onCreated: (cid) => {
          id = cid;
          opts.out(` ---> Running in ${shortOf(cid)}\n`);
        },
        onOutput: (chunk) => opts.out(chunk.toString('utf8')),
        signal: opts.signal,
      })
      .catch(async (e: unknown) => {
        if (id) await backend.removeContainer(id).catch(() => undefined);
        throw e;
      });
    try {
      if (opts.signal.aborted) throw canceled();
      if (result.exitCode !== 0) {
        throw new BuildStepError(`The command '${argv.join(' ')}' returned a non-zero code: ${result.exitCode}`, result.exitCode);
      }
      if (stubs.length > 0) await backend.removeMountStubs(result.containerId, stubs);
      const img = await backend.commitContainer(result.containerId, { parent: image, runConfig: state.config, containerConfig: cc, history, sourceDateEpoch: opts.sourceDateEpoch, ...authorOf(state) });
      if (opts.rm || opts.forceRm) {
        await backend.removeContainer(result.containerId);
        opts.out(` ---> Removed intermediate container ${shortOf(result.containerId)}\n`);
      }
      return img;
    } catch (e) {
      if (opts.rm || opts.forceRm) await backend.removeContainer(result.containerId).catch(() => undefined);
      throw e;
    }
  });
}

/**
 * A RUN's shell text with its heredocs: `RUN <<EOF` alone runs the document as the script; else the
 * documents follow the command line, for the shell to read (`RUN python3 <<EOF`).
 */
function heredocScript(ins: Instruction): string {
  if (ins.heredocs.length === 0) return ins.rest;
  if (ins.heredocs.length === 1 && /^<<-?(["']?)[A-Za-z_][A-Za-z0-9_]*\1$/.test(ins.rest.trim())) return ins.heredocs[0]!.body;
  return `${ins.rest}\n${ins.heredocs.map((h) => `${h.body}${h.name}\n`).join('')}`;
}

/** `--chown=user[:group]`: numbers, or names looked up in the image's /etc/passwd and /etc/group. */
function resolveOwner(spec: string, image: BuildImage | null): { uid: number; gid: number } {
  const [user = '', group] = spec.split(':');
  const fs = new LayeredFs(image?.layerDirs ?? []);
  const table = (file: string): string[][] =>
    fs.stat(file)?.type === 'file' ? fs.read(file).toString('utf8').split('\n').map((l) => l.split(':')) : [];
  const lookup = (name: string, file: string, field: number): number => {
    if (/^\d+$/.test(name)) return Number(name);
    const row = table(file).find((r) => r[0] === name);
    if (!row) throw invalidArgument('build_chown', `unable to convert uid/gid chown string to host mapping: can't find ${file === 'etc/passwd' ? 'uid' : 'gid'} for ${file === 'etc/passwd' ? 'user' : 'group'} ${name}`);
    return Number(row[field]);
  };
  const uid = lookup(user, 'etc/passwd', 2);
  let gid: number;
  if (group !== undefined) gid = lookup(group, 'etc/group', 2);
  else if (/^\d+$/.test(user)) gid = uid;
  else gid = Number(table('etc/passwd').find((r) => r[0] === user)?.[3] ?? uid);
  return { uid, gid };
}

async function copyStep(ctx: Ctx, state: State, ins: Instruction): Promise<void> {
  const { backend, opts } = ctx;
  checkFlags(ins, ins.keyword === 'ADD' ? ['chown', 'chmod', 'link', 'checksum', 'keep-git-dir'] : ['from', 'chown', 'chmod', 'link', 'parents']);
  const vars = varsOf(state);
  const words = (ins.json ?? processWords(ins.rest, vars, ctx.escape)).map((w) => (ins.json ? processWord(w, vars, ctx.escape) : w));
  if (words.length < 2) throw invalidArgument('dockerfile_copy', `${ins.keyword} requires at least two arguments`);
  const sources = words.slice(0, -1);
  let dest = words[words.length - 1]!;
  if (!posix.isAbsolute(dest)) {
    const joined = posix.join(state.config.WorkingDir || '/', dest);
    dest = dest.endsWith('/') || dest === '.' ? `${joined.replace(/\/$/, '')}/` : joined;
  }
  if (ins.keyword === 'ADD') {
    const url = sources.find((s) => /^[a-z][a-z0-9+.-]*:\/\//i.test(s));
    if (url) throw invalidArgument('build_add_url', `ADD failed: cannot download ${url}: fetching URLs is not supported by this builder (no network access from the build); download the file into the context and COPY it`);
  }
  const from = flagValue(ins, 'from');
  let srcImage: BuildImage | null = null;
  let what = 'build context';
  if (from !== undefined) {
    const name = processWord(from, vars, ctx.escape).toLowerCase();
    const ix = ctx.byName.get(name);
    srcImage = ix !== undefined ? ctx.built[ix]! : await backend.image(name, ctx.opts.pull);
    what = 'image';
  }
  if (!srcImage) await opts.contextReady;
  const fs: SourceTree = srcImage ? new LayeredFs(srcImage.layerDirs) : opts.context;
  const chown = flagValue(ins, 'chown');
  const chmodText = flagValue(ins, 'chmod');
  if (chmodText !== undefined && !/^[0-7]{3,4}$/.test(chmodText)) throw invalidArgument('build_chmod', `invalid chmod parameter: ${chmodText}`);
  // As Docker, symlinks on the destination path are followed inside the image's root, never out of it.
  const imageFs = new LayeredFs(state.image?.layerDirs ?? []);
  const destRel = resolveInScope(imageFs, posix.normalize(dest).replace(/^\/+/, '').replace(/\/+$/, ''));
  dest = `/${destRel}${dest.endsWith('/') && destRel !== '' ? '/' : ''}`;
  const destIsDir = destRel === '' || imageFs.stat(destRel)?.type === 'directory';
  // Heredoc sources (`COPY <<EOF /file`) become files of their own; their text is copied verbatim.
  const docs = new Map(ins.heredocs.map((h) => [h.name, h]));
  const docOf = (src: string) => docs.get(/^<<-?(["']?)([A-Za-z_][A-Za-z0-9_]*)\1$/.exec(src)?.[2] ?? '');
  const fileSources = sources.filter((src) => !docOf(src));
  const docSources = sources.filter((src) => docOf(src));
  if (docSources.length > 0 && sources.length > 1 && !dest.endsWith('/')) {
    throw invalidArgument('build_dest_not_dir', `When using ${ins.keyword} with more than one source file, the destination must be a directory and end with a /`);
  }
  const plan: CopyPlan = fileSources.length === 0 ? { tree: null, entries: [], archives: [] } : planCopy({
    fs,
    what,
    sources: fileSources,
    dest,
    destIsDir,
    owner: chown !== undefined ? resolveOwner(processWord(chown, vars, ctx.escape), state.image) : null,
    chmod: chmodText !== undefined ? parseInt(chmodText, 8) : undefined,
    isArchive: ins.keyword === 'ADD' && from === undefined ? (rel) => isArchiveHead(fs.read(rel, 512)) : undefined,
    keyword: ins.keyword,
  });
  const owner = chown !== undefined ? resolveOwner(processWord(chown, vars, ctx.escape), state.image) : { uid: 0, gid: 0 };
  for (const src of docSources) {
    const doc = docOf(src)!;
    const name = dest.endsWith('/') || destIsDir ? posix.join(destRel, doc.name) : destRel;
    const data = Buffer.from(doc.body);
    const mode = chmodText !== undefined ? parseInt(chmodText, 8) : 0o644;
    plan.entries.push({ name, type: 'file', mode, ...owner, mtime: Math.floor(Date.parse(opts.now()) / 1000), size: data.length, data });
  }
  const epoch = opts.sourceDateEpoch;
  if (epoch !== undefined) for (const e of plan.entries) e.mtime = Math.min(e.mtime, epoch);
  const hashed = hashPlan(plan);
  const hash = hashed.hash;
  const kind = plan.entries.length === 1 && plan.entries[0]!.type === 'file' && plan.archives.length === 0 ? 'file' : 'dir';
  const text = `${ins.keyword} ${kind}:${hash} in ${dest} `;
  const cc = containerConfigOf(state.config, [...shellOf(state.config), `#(nop) ${text}`]);
  const history: HistoryEntry = { created: opts.now(), created_by: cc.Cmd!.join(' '), ...authorOf(state) };
  await commitOrReuse(ctx, state, cc, () =>
    backend.commit({ parent: state.image, runConfig: state.config, containerConfig: cc, history, copyFiles: hashed.files, ...authorOf(state) }, writeCopyTar(plan, (input) => backend.openArchive(input))),
    () => hashed.files,
  );
}

/** Whether a file's first bytes look like a tar or a compressed stream ADD unpacks (gzip, bzip2, xz, zstd). */
function isArchiveHead(head: Buffer): boolean {
  if (head.length >= 262 && head.subarray(257, 262).toString('latin1') === 'ustar') return true;
  const magic = head.subarray(0, 6);
  return (
    (magic[0] === 0x1f && magic[1] === 0x8b) ||
    magic.subarray(0, 3).toString('latin1') === 'BZh' ||
    magic.equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00])) ||
    magic.subarray(0, 4).equals(Buffer.from([0x28, 0xb5, 0x2f, 0xfd]))
  );
}
