import { BerthError, type ErrorKind } from '../../lib/errors.js';

/** The client's half of the one error↔status table: the server maps kinds to these statuses. */
export function errorKindForStatus(status: number): ErrorKind {
  switch (status) {
    case 304:
      return 'NotModified';
    case 400:
      return 'InvalidArgument';
    case 401:
      return 'Unauthorized';
    case 403:
      return 'Forbidden';
    case 404:
      return 'NotFound';
    case 409:
      return 'Conflict';
    case 501:
      return 'NotImplemented';
    case 503:
      return 'Unavailable';
    default:
      return 'Internal';
  }
}

/**
 * A BerthError for a non-2xx response. The message is the body's `message` (users' scripts match on
 * Docker's texts), trimmed as docker's client does (dockerd's predefined-network error ends in a
 * space); a non-JSON body is used as text, an empty one becomes the status line.
 */
export function errorFromResponse(status: number, statusText: string, body: Buffer | string): BerthError {
  const text = body.toString().trim();
  let message = text;
  if (text.startsWith('{')) {
    try {
      const parsed: unknown = JSON.parse(text);
      if (parsed !== null && typeof parsed === 'object' && 'message' in parsed && typeof parsed.message === 'string') {
        message = parsed.message.trim();
      }
    } catch {
      // Not JSON after all: show the raw text, as docker does.
    }
  }
  if (message === '') message = `${status} ${statusText}`.trim();
  return new BerthError(errorKindForStatus(status), `http_${status}`, message);
}
