// The `Authorization: Bearer …` credential of a Prometheus scrape (RFC 6750). Never logged: the request logger
// leaves headers out.
import { type Request } from 'express';

/**
 * The token of an `Authorization` header, `undefined` when there is none; any other scheme or a malformed header
 * gives '' so that it is refused as a wrong credential rather than passed over for the session cookie.
 */
export function readBearerToken(request: Request): string | undefined {
  const header = request.headers.authorization;
  if (header === undefined) {
    return undefined;
  }
  const match = /^Bearer +([^\s]+) *$/i.exec(header);
  return match?.[1] ?? '';
}
