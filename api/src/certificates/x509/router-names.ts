// The names the router answers to, the name constraints its own CA is limited to, and which names fall inside
// them. Pure functions: the service feeds in the hostname and addresses it read from the box.
import { compareIp, formatIp, inRange, mustParseCidr, parseIp, type IpAddress } from './ip-address.js';

export interface RouterNames {
  dns: string[];
  ips: string[];
}

/** Permitted subtrees of a nameConstraints extension: DNS subtrees (RFC 5280 dNSName) and IP ranges as CIDR. */
export interface NameConstraintsSpec {
  dns: string[];
  ipRanges: string[];
}

export const DEFAULT_NAME = 'burrow.lan';

// Private and local ranges only: a stolen CA key must not be able to vouch for a public site. The LAN's subnet
// may be renumbered, so the whole private space rather than today's subnet.
const PERMITTED_IP_RANGES = [
  '10.0.0.0/8',
  '172.16.0.0/12',
  '192.168.0.0/16',
  '100.64.0.0/10', // CGNAT: a WAN behind a carrier's NAT, or a LAN numbered there (as the lab's is)
  '127.0.0.0/8',
  'fc00::/7',
  '::1/128',
];

// Addresses that name no reachable box: link-local ones need a zone a URL cannot carry reliably, and
// unspecified or multicast ones are never the router's own.
const NOT_A_NAME = ['169.254.0.0/16', 'fe80::/10', '0.0.0.0/32', '::/128', '224.0.0.0/4', 'ff00::/8'].map(
  mustParseCidr,
);

/** The hostname's first label, lowercased, when it is a valid DNS label (RFC 1123); otherwise null. */
export function hostnameLabel(hostname: string): string | null {
  const label = (hostname.trim().split('.')[0] ?? '').toLowerCase();
  return /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(label) ? label : null;
}

/**
 * The names a household opens the page by: `<hostname>.lan`, `burrow.lan`, `localhost`, and the box's addresses.
 * The bare hostname is left out: no CA constraint can permit a single label without also permitting the TLD of
 * that name.
 */
export function routerNames(hostname: string, addresses: readonly string[]): RouterNames {
  const label = hostnameLabel(hostname);
  const dns = unique([...(label ? [`${label}.lan`] : []), DEFAULT_NAME, 'localhost']);
  const parsed = addresses
    .map(parseIp)
    .filter((address): address is IpAddress => address !== null)
    .filter((address) => !NOT_A_NAME.some((range) => inRange(address, range)))
    .sort(compareIp);
  return { dns, ips: unique(parsed.map(formatIp)) };
}

/**
 * Whether `name` (a TLS server name, or a DNS name in a certificate) belongs to the router itself: an address, or
 * one of `builtIn` (`burrow.lan`, `<hostname>.lan`, `localhost`) or a name below them, wildcards included
 * (`*.burrow.lan`). Those are always answered with the built-in certificate, whatever an imported one says, so an
 * import can never lock the household out; an import must be for some other name.
 */
export function isBuiltInName(name: string, builtIn: readonly string[]): boolean {
  const host = name.trim().toLowerCase().replace(/\.$/, '');
  if (host === '' || parseIp(host.replace(/^\[(.*)\]$/, '$1')) !== null) {
    return true;
  }
  return builtIn.some((subtree) => dnsInSubtree(host, subtree));
}

/**
 * `burrow.lan`, `<hostname>.lan` and `localhost` (and names below them), and the private address ranges. The
 * router's own names only: not all of `lan` (other routers' pages live there; it is OpenWrt's default domain), and
 * never the bare hostname, since a permitted subtree `dev` would also permit `www.google.dev`.
 */
export function authorityConstraints(hostname: string): NameConstraintsSpec {
  const label = hostnameLabel(hostname);
  const own = label === null ? [] : [`${label}.lan`];
  const dns = [DEFAULT_NAME, ...own.filter((name) => !dnsInSubtree(name, DEFAULT_NAME)), 'localhost'];
  return { dns, ipRanges: [...PERMITTED_IP_RANGES] };
}

/**
 * Splits names into those a certificate from a CA with these constraints may carry and the rest.
 * As in RFC 5280, a name type with no permitted subtree at all is unconstrained; IPv4 and IPv6 addresses
 * only ever match a range of their own family.
 */
export function splitByConstraints(
  names: RouterNames,
  constraints: NameConstraintsSpec,
): { covered: RouterNames; uncovered: string[] } {
  const ranges = constraints.ipRanges.map(mustParseCidr);
  const dnsCovered = (name: string) =>
    constraints.dns.length === 0 || constraints.dns.some((subtree) => dnsInSubtree(name, subtree));
  const ipCovered = (text: string) => {
    const address = parseIp(text);
    return address !== null && (ranges.length === 0 || ranges.some((range) => inRange(address, range)));
  };
  return {
    covered: { dns: names.dns.filter(dnsCovered), ips: names.ips.filter(ipCovered) },
    uncovered: [...names.dns.filter((name) => !dnsCovered(name)), ...names.ips.filter((ip) => !ipCovered(ip))],
  };
}

/**
 * RFC 5280 4.2.1.10: `lan` permits `lan` and any name ending in `.lan`; a leading dot (`.lan`, an OpenSSL
 * extension) permits subdomains only; an empty subtree permits every name. Comparison ignores case.
 */
export function dnsInSubtree(name: string, subtree: string): boolean {
  const host = name.toLowerCase().replace(/\.$/, '');
  const base = subtree.toLowerCase().replace(/\.$/, '');
  if (base === '') {
    return true;
  }
  if (base.startsWith('.')) {
    return host.endsWith(base) && host.length > base.length;
  }
  return host === base || host.endsWith(`.${base}`);
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}
