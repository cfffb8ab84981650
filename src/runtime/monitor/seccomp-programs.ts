import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RuntimeSpec } from '../spec/types.js';
import type { OciRuntime } from './oci-runtime.js';

/**
 * crun compiles a container's seccomp profile with libseccomp at every create (~10 ms of CPU for
 * Docker's default profile, the largest part of a create) and keeps the program it loaded in the
 * container's state directory (`seccomp.bpf`, which its exec loads). Given a compiled program in
 * this annotation, it loads that instead.
 */
export const SECCOMP_BPF_ANNOTATION = 'run.oci.seccomp_bpf_data';

/** Distinct profiles kept (a daemon sees the default one and, rarely, a few of its users'). */
const MAX_PROGRAMS = 16;

const profileKey = (spec: RuntimeSpec): string | undefined =>
  spec.linux.seccomp ? createHash('sha256').update(JSON.stringify(spec.linux.seccomp)).digest('hex') : undefined;

/** The runtimes that read the annotation: runc compiles the profile whatever it is given. */
const readsPrograms = (runtime: Pick<OciRuntime, 'name'>): boolean => runtime.name === 'crun';

/**
 * The programs crun compiled, by the exact seccomp section they came from, learnt from the first
 * container that used each profile and handed to the next ones.
 */
export class SeccompPrograms {
  private readonly programs = new Map<string, string>();

  /**
   * Adds the compiled program for `spec`'s profile as the annotation when `runtime` reads it and one
   * is known; whether it did.
   */
  annotate(spec: RuntimeSpec, runtime: Pick<OciRuntime, 'name'>): boolean {
    if (!readsPrograms(runtime)) return false;
    const key = profileKey(spec);
    const program = key === undefined ? undefined : this.programs.get(key);
    if (program === undefined) return false;
    spec.annotations = { ...spec.annotations, [SECCOMP_BPF_ANNOTATION]: program };
    return true;
  }

  /**
   * After `runtime` created container `id` from `spec` (not annotated): keeps the program it
   * compiled, from the container's state directory.
   */
  async learn(spec: RuntimeSpec, runtime: Pick<OciRuntime, 'name' | 'root'>, id: string): Promise<void> {
    if (!readsPrograms(runtime)) return;
    const key = profileKey(spec);
    if (key === undefined || this.programs.has(key)) return;
    const program = await readFile(join(runtime.root, id, 'seccomp.bpf')).catch(() => undefined);
    // A classic BPF program is a whole number of 8-byte instructions.
    if (program === undefined || program.length === 0 || program.length % 8 !== 0) return;
    if (this.programs.size >= MAX_PROGRAMS) this.programs.delete(this.programs.keys().next().value!);
    this.programs.set(key, program.toString('base64'));
  }
}
