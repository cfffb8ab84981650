import { randomBytes } from 'node:crypto';
import { invalidArgument } from '../lib/errors.js';

declare const brand: unique symbol;
type Brand<T, B extends string> = T & { readonly [brand]: B };

/** 64 lowercase hex digits. */
export type ContainerId = Brand<string, 'ContainerId'>;
export type ExecId = Brand<string, 'ExecId'>;

const ID_RE = /^[0-9a-f]{64}$/;

export function parseContainerId(s: string): ContainerId {
  if (!ID_RE.test(s)) throw invalidArgument('invalid_id', `invalid container ID "${s}"`);
  return s as ContainerId;
}
export function parseExecId(s: string): ExecId {
  if (!ID_RE.test(s)) throw invalidArgument('invalid_id', `invalid exec ID "${s}"`);
  return s as ExecId;
}

/** 32 random bytes as hex; re-rolled when the short form is all digits (it would read as a number), as moby does. */
export function newRandomId(): string {
  for (;;) {
    const id = randomBytes(32).toString('hex');
    if (!/^[0-9]{12}$/.test(id.slice(0, 12))) return id;
  }
}
export const newContainerId = (): ContainerId => newRandomId() as ContainerId;
export const newExecId = (): ExecId => newRandomId() as ExecId;
export const shortId = (id: string): string => id.replace(/^sha256:/, '').slice(0, 12);
