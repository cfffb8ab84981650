/** Errors of the Go template engine; messages follow Go's text/template wording. */

/** A parse or execution error of a Go template. */
export class TemplateError extends Error {
  /** For execution errors: what the template wrote before failing (docker prints partial headers). */
  readonly partialOutput: string | undefined;

  constructor(message: string, options?: { cause?: unknown; partialOutput?: string }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TemplateError';
    this.partialOutput = options?.partialOutput;
  }
}

/**
 * Thrown by template functions for a bad call (wrong arity or argument type). The executor reports
 * it as Go does for such mistakes, without the `error calling <fn>:` prefix of runtime failures.
 */
export class TemplateCallError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TemplateCallError';
  }
}
