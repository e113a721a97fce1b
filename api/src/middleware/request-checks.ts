// Checks on state-changing requests that need no session: where they come from and what their body is.
import { type Request } from 'express';
import { DomainError } from '../services/domain-error.js';

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export function isStateChanging(method: string): boolean {
  return STATE_CHANGING.has(method.toUpperCase());
}

/**
 * Refuses a request a browser says was made by another site: `Sec-Fetch-Site` of `cross-site` or `same-site`
 * (a sibling subdomain is another site to us), or an `Origin` other than our own. Requests that send neither
 * header (curl, scripts) pass here and still need the session's CSRF token.
 */
export function assertSameOrigin(request: Request): void {
  const fetchSite = request.headers['sec-fetch-site'];
  if (fetchSite === 'cross-site' || fetchSite === 'same-site') {
    throw crossSite();
  }
  const origin = request.headers.origin;
  if (origin !== undefined && origin.toLowerCase() !== ownOrigin(request)) {
    throw crossSite();
  }
}

/** `scheme://host[:port]` as the browser sees us; behind a trusted proxy, as the proxy was asked. */
export function ownOrigin(request: Request): string {
  return `${request.protocol}://${request.host}`.toLowerCase();
}

/** A body must be JSON: form and multipart posts, the classic cross-site forgeries, are refused unread. */
export function assertJsonBody(request: Request): void {
  const length = request.headers['content-length'];
  const hasBody = request.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
  if (hasBody && request.is('application/json') !== 'application/json') {
    throw new DomainError('unsupported', 'unsupported_media_type', 'Request bodies must be application/json');
  }
}

function crossSite(): DomainError {
  return new DomainError('forbidden', 'cross_site', 'Cross-site requests are refused');
}
