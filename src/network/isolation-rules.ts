import type { Rule } from './port-rules.js';

/** The daemon's two isolation chains, jumped to first from FORWARD. */
export interface IsolationChains {
  stage1: string;
  stage2: string;
}

/**
 * One bridge's isolation rules. Stage 1 sends what leaves the bridge for elsewhere to stage 2,
 * which drops it when it enters another of the daemon's bridges; traffic to the host's uplink
 * returns and is forwarded as usual. An internal network drops all traffic crossing its bridge.
 */
export function isolationRules(c: IsolationChains, bridge: string, internal: boolean): Rule[] {
  if (internal) {
    return [
      { table: 'filter', chain: c.stage1, args: ['-i', bridge, '!', '-o', bridge, '-j', 'DROP'] },
      { table: 'filter', chain: c.stage1, args: ['!', '-i', bridge, '-o', bridge, '-j', 'DROP'] },
      { table: 'filter', chain: c.stage2, args: ['-o', bridge, '-j', 'DROP'] },
    ];
  }
  return [
    { table: 'filter', chain: c.stage1, args: ['-i', bridge, '!', '-o', bridge, '-j', c.stage2] },
    { table: 'filter', chain: c.stage2, args: ['-o', bridge, '-j', 'DROP'] },
  ];
}
