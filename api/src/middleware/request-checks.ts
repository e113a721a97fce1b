// Checks on state-changing requests that need no session: where they come from and what their body is.
import { type Request } from 'express';
import { parseIp, sameIp } from '../certificates/x509/ip-address.js';
import { dnsNameMatches } from '../certificates/x509/subject-names.js';
import { DomainError } from '../services/domain-error.js';

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export function isStateChanging(method: string): boolean {
  return STATE_CHANGING.has(method.toUpperCase());
}

/**
 * Where the page is served from, as configured: the router's names and addresses (and an imported certificate's
 * names) on the HTTPS port. Never taken from the request: a Host header is whatever the client (or a DNS rebinding
 * page) says.
 */
export interface OwnSite {
  /** DNS names, possibly wildcards from an imported certificate (`*.example.com`). */
  dns: readonly string[];
  ips: readonly string[];
  ports: readonly number[];
}

/**
 * Refuses a request a browser says was made by another site: `Sec-Fetch-Site` of `cross-site` or `same-site`
 * (a sibling subdomain is another site to us), or an `Origin` other than our own. Requests that send neither
 * header (curl, scripts) pass here and still need the session's CSRF token.
 */
export async function assertSameOrigin(request: Request, ownSite: () => Promise<OwnSite>): Promise<void> {
  const fetchSite = request.headers['sec-fetch-site'];
  if (fetchSite === 'cross-site' || fetchSite === 'same-site') {
    throw crossSite();
  }
  const origin = request.headers.origin;
  if (origin !== undefined && !isOwnOrigin(origin, await ownSite())) {
    throw crossSite();
  }
}

/** Whether `origin` (`https://host[:port]`, as a browser sends it) is one of ours. */
export function isOwnOrigin(origin: string, site: OwnSite): boolean {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false; // `null`, or nothing like an origin
  }
  if (
    url.protocol !== 'https:' ||
    url.origin !== origin.toLowerCase() ||
    !site.ports.includes(Number(url.port || 443))
  ) {
    return false;
  }
  const address = parseIp(url.hostname.replace(/^\[(.*)\]$/, '$1'));
  if (address !== null) {
    return site.ips.some((ip) => {
      const own = parseIp(ip);
      return own !== null && sameIp(own, address);
    });
  }
  return site.dns.some((name) => dnsNameMatches(name, url.hostname));
}

/**
 * A body must be JSON: form and multipart posts, the classic cross-site forgeries, are refused unread. An upload
 * route (`multipart`) also takes multipart/form-data; the session's CSRF header still guards it.
 */
export function assertJsonBody(request: Request, multipart = false): void {
  const length = request.headers['content-length'];
  const hasBody = request.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
  if (multipart && request.is('multipart/form-data') === 'multipart/form-data') {
    return;
  }
  if (hasBody && request.is('application/json') !== 'application/json') {
    throw new DomainError('unsupported', 'unsupported_media_type', 'Request bodies must be application/json');
  }
}

function crossSite(): DomainError {
  return new DomainError('forbidden', 'cross_site', 'Cross-site requests are refused');
}
