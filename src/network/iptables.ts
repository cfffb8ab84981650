import { runProgram } from '../lib/exec-file.js';
import { internal } from '../lib/errors.js';
import type { Rule } from './port-rules.js';

/**
 * Adapter over the iptables command (nft or legacy backend, whichever the host uses). Holds no
 * policy: callers build the rules. `-w` waits for the xtables lock other engines may hold.
 */
export class Iptables {
  constructor(private readonly bin = 'iptables') {}

  private run(args: string[]) {
    return runProgram(this.bin, ['-w', ...args]);
  }

  private async check(args: string[]): Promise<void> {
    const r = await this.run(args);
    if (r.code !== 0) throw internal('iptables_failed', `iptables ${args.join(' ')}: ${(r.stderr || r.stdout).trim()}`);
  }

  async ensureChain(table: string, chain: string): Promise<void> {
    if ((await this.run(['-t', table, '-S', chain])).code === 0) return;
    await this.check(['-t', table, '-N', chain]);
  }

  async hasRule(rule: Rule): Promise<boolean> {
    return (await this.run(['-t', rule.table, '-C', rule.chain, ...rule.args])).code === 0;
  }

  /** Adds the rule unless present; `first` puts it at the head of the chain. */
  async ensureRule(rule: Rule, first = false): Promise<void> {
    if (await this.hasRule(rule)) return;
    await this.check(['-t', rule.table, first ? '-I' : '-A', rule.chain, ...(first ? ['1'] : []), ...rule.args]);
  }

  async appendRule(rule: Rule): Promise<void> {
    await this.check(['-t', rule.table, '-A', rule.chain, ...rule.args]);
  }

  /** Deletes one instance of the rule; a rule already gone is not an error. */
  async deleteRule(rule: Rule): Promise<void> {
    await this.run(['-t', rule.table, '-D', rule.chain, ...rule.args]);
  }

  /** The rules of a chain as argument lists (`-A CHAIN` stripped); empty when the chain does not exist. */
  async listRules(table: 'nat' | 'filter', chain: string): Promise<Rule[]> {
    const r = await this.run(['-t', table, '-S', chain]);
    if (r.code !== 0) return [];
    return r.stdout
      .split('\n')
      .filter((l) => l.startsWith(`-A ${chain} `))
      .map((l) => ({ table, chain, args: l.slice(`-A ${chain} `.length).split(' ').map(unquote) }));
  }

  async deleteChain(table: string, chain: string): Promise<void> {
    await this.run(['-t', table, '-F', chain]);
    await this.run(['-t', table, '-X', chain]);
  }
}

function unquote(s: string): string {
  return s.startsWith('"') && s.endsWith('"') ? s.slice(1, -1) : s;
}
