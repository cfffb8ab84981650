import { constants as osConstants } from 'node:os';
import { invalidArgument } from '../lib/errors.js';
import { HEALTHCHECK_FLAGS, healthcheckOf } from '../oci/healthcheck.js';
import { exposedPortKeys } from '../oci/exposed-ports.js';
import type { ImageRunConfig } from '../oci/image.js';

/**
 * Applies `--change` instructions (`import -c`, `commit -c`): the Dockerfile instructions that only
 * alter image metadata. Returns a new config; the input is not modified.
 */
const ALLOWED = ['CMD', 'ENTRYPOINT', 'ENV', 'EXPOSE', 'HEALTHCHECK', 'LABEL', 'ONBUILD', 'STOPSIGNAL', 'USER', 'VOLUME', 'WORKDIR'];

function parseJsonArray(s: string): string[] | undefined {
  if (!s.startsWith('[')) return undefined;
  try {
    const v: unknown = JSON.parse(s);
    return Array.isArray(v) && v.every((x) => typeof x === 'string') ? (v as string[]) : undefined;
  } catch {
    return undefined;
  }
}

/** Splits `A=1 B="two words"` into pairs; the legacy `KEY value` form gives one pair. */
function parsePairs(keyword: string, rest: string): [string, string][] {
  const eq = rest.indexOf('=');
  const sp = rest.search(/\s/);
  if (eq < 0 || (sp >= 0 && sp < eq)) {
    if (sp < 0) throw invalidArgument('invalid_change', `${keyword} requires two arguments`);
    return [[rest.slice(0, sp), rest.slice(sp).trim()]];
  }
  const out: [string, string][] = [];
  const re = /([^\s=]+)=("(?:[^"\\]|\\.)*"|'[^']*'|\S*)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(rest)) !== null) {
    let v = m[2] ?? '';
    if (v.startsWith('"')) v = v.slice(1, -1).replace(/\\(.)/g, '$1');
    else if (v.startsWith("'")) v = v.slice(1, -1);
    out.push([(m[1] ?? '').replace(/^"(.*)"$/, '$1'), v]);
  }
  return out;
}

function isSignal(text: string): boolean {
  if (/^\d+$/.test(text)) return Number(text) > 0 && Number(text) <= 64;
  return `SIG${text.toUpperCase().replace(/^SIG/, '')}` in osConstants.signals;
}

export function applyConfigChanges(base: ImageRunConfig, changes: readonly string[]): ImageRunConfig {
  const cfg: ImageRunConfig = structuredClone(base);
  for (const raw of changes) {
    const line = raw.trim();
    if (line === '') continue;
    const m = /^(\S+)\s*(.*)$/s.exec(line);
    const keyword = (m?.[1] ?? '').toUpperCase();
    const rest = (m?.[2] ?? '').trim();
    if (!ALLOWED.includes(keyword)) {
      throw invalidArgument('invalid_change', `${keyword.toLowerCase()} is not a valid change command`);
    }
    const cmdForm = (): string[] => parseJsonArray(rest) ?? ['/bin/sh', '-c', rest];
    switch (keyword) {
      case 'CMD':
        cfg.Cmd = cmdForm();
        break;
      case 'ENTRYPOINT':
        cfg.Entrypoint = cmdForm();
        break;
      case 'ENV': {
        const env = [...(cfg.Env ?? [])];
        for (const [k, v] of parsePairs('ENV', rest)) {
          const i = env.findIndex((e) => e.split('=', 1)[0] === k);
          if (i >= 0) env[i] = `${k}=${v}`;
          else env.push(`${k}=${v}`);
        }
        cfg.Env = env;
        break;
      }
      case 'LABEL':
        cfg.Labels = { ...(cfg.Labels ?? {}) };
        for (const [k, v] of parsePairs('LABEL', rest)) cfg.Labels[k] = v;
        break;
      case 'EXPOSE':
        cfg.ExposedPorts = { ...(cfg.ExposedPorts ?? {}) };
        for (const p of rest.split(/\s+/)) for (const key of exposedPortKeys(p)) cfg.ExposedPorts[key] = {};
        break;
      case 'VOLUME':
        if (rest === '') throw invalidArgument('invalid_change', 'VOLUME requires at least one argument');
        cfg.Volumes = { ...(cfg.Volumes ?? {}) };
        for (const v of parseJsonArray(rest) ?? rest.split(/\s+/)) cfg.Volumes[v] = {};
        break;
      case 'USER':
        if (rest === '' || /\s/.test(rest)) throw invalidArgument('invalid_change', 'USER requires exactly one argument');
        cfg.User = rest;
        break;
      case 'WORKDIR':
        cfg.WorkingDir = rest.startsWith('/') ? rest : `${(cfg.WorkingDir ?? '/').replace(/\/$/, '')}/${rest}`;
        break;
      case 'STOPSIGNAL':
        // As dockerd: a name or number of a signal (SIGTERM, TERM, 15).
        if (!isSignal(rest)) throw invalidArgument('invalid_change', `Invalid signal: ${rest}`);
        cfg.StopSignal = rest;
        break;
      case 'ONBUILD':
        cfg.OnBuild = [...(cfg.OnBuild ?? []), rest];
        break;
      case 'HEALTHCHECK': {
        // Its `--flag=value`s, then NONE or CMD.
        const flags = new Map<string, string>();
        let args = rest;
        for (let m = /^--([a-z-]+)=(\S*)\s*/.exec(args); m; m = /^--([a-z-]+)=(\S*)\s*/.exec(args)) {
          if (!HEALTHCHECK_FLAGS.includes(m[1]!)) throw invalidArgument('invalid_change', `Unknown flag: ${m[1]}`);
          flags.set(m[1]!, m[2]!);
          args = args.slice(m[0].length);
        }
        cfg.Healthcheck = healthcheckOf(args, (f) => flags.get(f));
        break;
      }
    }
  }
  return cfg;
}
