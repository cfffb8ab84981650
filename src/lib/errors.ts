/**
 * The one error type of berth. `kind` says what went wrong in terms a client can act on; the API
 * server turns kinds into HTTP statuses in exactly one place and the API client maps them back.
 * `message` is what a user reads: where Docker's clients or users' scripts depend on the wording,
 * it is Docker's exact text.
 */
export type ErrorKind =
  | 'NotFound'
  | 'InvalidArgument'
  | 'Conflict'
  | 'NotModified'
  | 'Unauthorized'
  | 'Forbidden'
  | 'Unavailable'
  | 'NotImplemented'
  | 'Canceled'
  | 'Internal';

export class BerthError extends Error {
  readonly kind: ErrorKind;
  readonly code: string;

  constructor(kind: ErrorKind, code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BerthError';
    this.kind = kind;
    this.code = code;
  }
}

export const notFound = (code: string, message: string, cause?: unknown): BerthError =>
  new BerthError('NotFound', code, message, { cause });
export const invalidArgument = (code: string, message: string, cause?: unknown): BerthError =>
  new BerthError('InvalidArgument', code, message, { cause });
export const conflict = (code: string, message: string, cause?: unknown): BerthError =>
  new BerthError('Conflict', code, message, { cause });
export const internal = (code: string, message: string, cause?: unknown): BerthError =>
  new BerthError('Internal', code, message, { cause });

export function isBerthError(e: unknown, kind?: ErrorKind): e is BerthError {
  return e instanceof BerthError && (kind === undefined || e.kind === kind);
}

/** The message of any thrown value, for logs and wrapped errors. */
export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
