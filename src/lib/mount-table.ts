import { readFile } from 'node:fs/promises';

/** The mounts stacked on `target` in this process's mount namespace, bottom first, with whether each is read-only. */
export async function mountsAt(target: string): Promise<{ readOnly: boolean }[]> {
  const info = await readFile('/proc/self/mountinfo', 'utf8');
  const escaped = target.replace(/[ \t\n\\]/g, (c) => `\\${c.charCodeAt(0).toString(8).padStart(3, '0')}`);
  return info
    .split('\n')
    .map((line) => line.split(' '))
    .filter((fields) => fields[4] === escaped)
    .map((fields) => ({ readOnly: (fields[5] ?? '').split(',').includes('ro') }));
}

export async function isMountPoint(target: string): Promise<boolean> {
  return (await mountsAt(target)).length > 0;
}
