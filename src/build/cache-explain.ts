import { isDeepStrictEqual } from 'node:util';
import type { ImageRunConfig } from '../oci/image.js';

/** Per copied path, a digest of what the cache compares (type, mode, owner, link, content). */
export type CopyManifest = Record<string, string>;

/** An earlier build of some step on the same parent: its step config and, for COPY/ADD, its files. */
export interface CacheCandidate {
  containerConfig: ImageRunConfig;
  files?: CopyManifest;
}

const MAX_NAMES = 8;

/** The step text of a container config: RUN's argv with its `|N k=v` build-arg prefix, or `#(nop) …`. */
interface StepKey {
  args: Map<string, string>;
  command: string;
}

function stepKey(cc: ImageRunConfig): StepKey {
  const cmd = cc.Cmd ?? [];
  const args = new Map<string, string>();
  let rest = cmd;
  const n = /^\|(\d+)$/.exec(cmd[0] ?? '');
  if (n) {
    const count = Number(n[1]);
    for (const kv of cmd.slice(1, 1 + count)) {
      const eq = kv.indexOf('=');
      args.set(kv.slice(0, eq), kv.slice(eq + 1));
    }
    rest = cmd.slice(1 + count);
  }
  return { args, command: rest.join(' ') };
}

/** `#(nop) COPY file:<hash> in /dst ` → `COPY … /dst`: the step with its content hash left out. */
function copyShape(command: string): string | undefined {
  const m = /#\(nop\) (COPY|ADD) (?:file|dir):[0-9a-f]+ in (.*)$/.exec(command);
  return m ? `${m[1]} ${m[2]!.trim()}` : undefined;
}

function names(list: string[]): string {
  const shown = list.slice(0, MAX_NAMES).join(', ');
  return list.length > MAX_NAMES ? `${shown} and ${list.length - MAX_NAMES} more` : shown;
}

function fileChanges(was: CopyManifest, now: CopyManifest): string[] {
  const changed = Object.keys(now).filter((k) => k in was && was[k] !== now[k]).sort();
  const added = Object.keys(now).filter((k) => !(k in was)).sort();
  const removed = Object.keys(was).filter((k) => !(k in now)).sort();
  const out: string[] = [];
  if (changed.length > 0) out.push(`changed: ${names(changed)}`);
  if (added.length > 0) out.push(`new: ${names(added)}`);
  if (removed.length > 0) out.push(`gone: ${names(removed)}`);
  return out;
}

/** How close a candidate is to the wanted step: same command > same COPY destination > same build args. */
function closeness(want: ImageRunConfig, c: ImageRunConfig): number {
  const a = stepKey(want);
  const b = stepKey(c);
  if (a.command === b.command) return 3;
  const shape = copyShape(a.command);
  if (shape !== undefined && shape === copyShape(b.command)) return 2;
  return isDeepStrictEqual(a.args, b.args) ? 1 : 0;
}

const q = (s: string): string => JSON.stringify(s);

/**
 * Why a step missed the build cache, in words a user can act on: which build arg, file, setting or
 * command differs from the closest earlier build of a step on the same parent image.
 */
export function explainCacheMiss(want: ImageRunConfig, wantFiles: CopyManifest | undefined, candidates: readonly CacheCandidate[]): string[] {
  if (candidates.length === 0) return ['no earlier build of any step on this parent image'];
  const best = [...candidates].sort((x, y) => closeness(want, y.containerConfig) - closeness(want, x.containerConfig))[0]!;
  const a = stepKey(want);
  const b = stepKey(best.containerConfig);
  const reasons: string[] = [];
  const argNames = [...new Set([...a.args.keys(), ...b.args.keys()])].sort();
  for (const k of argNames) {
    const now = a.args.get(k);
    const was = b.args.get(k);
    if (now === was) continue;
    if (was === undefined) reasons.push(`build arg ${k} is new (${q(now!)})`);
    else if (now === undefined) reasons.push(`build arg ${k} is no longer set (was ${q(was)})`);
    else reasons.push(`build arg ${k} changed: ${q(was)} -> ${q(now)}`);
  }
  if (a.command !== b.command) {
    const shape = copyShape(a.command);
    if (shape !== undefined && shape === copyShape(b.command)) {
      const detail = wantFiles && best.files ? fileChanges(best.files, wantFiles) : [];
      reasons.push(detail.length > 0 ? `files copied by ${shape} differ: ${detail.join('; ')}` : `the content copied by ${shape} differs`);
    } else if (reasons.length === 0) {
      reasons.push(`the step differs from the earlier build on this parent (${q(b.command.replace(/^\/bin\/sh -c #\(nop\) /, ''))})`);
    }
  }
  const fields = (Object.keys({ ...want, ...best.containerConfig }) as (keyof ImageRunConfig)[])
    .filter((f) => f !== 'Cmd' && !isDeepStrictEqual(want[f], best.containerConfig[f]))
    .sort();
  if (fields.length > 0) reasons.push(`the image settings differ: ${fields.join(', ')}`);
  return reasons.length > 0 ? reasons : ['the step config differs from every earlier build on this parent'];
}
