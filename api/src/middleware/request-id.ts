// Every request gets an id that appears in its log lines, its error body and the X-Request-Id header.
import { randomUUID } from 'node:crypto';

export const REQUEST_ID_HEADER = 'X-Request-Id';

// An id from a proxy in front of us is kept so its logs line up with ours, but only if it is a short plain
// token (letters, digits, `.`, `_`, `-`): anything else would let a client write arbitrary text into our logs
// and headers.
const PLAIN_TOKEN = /^[A-Za-z0-9._-]{1,64}$/;

/** The caller's id if it is a plain token, otherwise a fresh one. */
export function chooseRequestId(incoming: string | string[] | undefined): string {
  return typeof incoming === 'string' && PLAIN_TOKEN.test(incoming) ? incoming : randomUUID();
}
