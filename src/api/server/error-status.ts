import { BerthError, type ErrorKind } from '../../lib/errors.js';

/** The one place error kinds become HTTP statuses (the client maps them back). */
const STATUS: Record<ErrorKind, number> = {
  InvalidArgument: 400,
  Unauthorized: 401,
  Forbidden: 403,
  NotFound: 404,
  Conflict: 409,
  NotModified: 304,
  Canceled: 499,
  Internal: 500,
  NotImplemented: 501,
  Unavailable: 503,
};

export function statusOf(e: unknown): number {
  return e instanceof BerthError ? STATUS[e.kind] : 500;
}

export function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
