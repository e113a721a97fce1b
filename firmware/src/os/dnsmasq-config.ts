// The LAN's dnsmasq configuration, rendered purely from the desired state. dnsmasq serves DHCP and DNS on the LAN
// bridge only; it forwards DNS only to the tunnel's resolvers (policy routing sends those queries through the tunnel,
// and never out the WAN), and with no tunnel it has no upstream at all, so outside names fail closed (REFUSED).
//
// The kill switch does not change this file: DNS goes through the tunnel or nowhere, whichever way it is set.
// IPv6 (when the LAN has a ULA prefix): router advertisements for SLAAC plus stateless DHCPv6; when the tunnel does
// not carry IPv6 the advertisements say "not a default router", so devices get ULA addresses but no IPv6 route out.
import { tunnelCarriesIpv6, type DesiredState } from '../control/desired-state.js';
import { formatIp, maskAddress, parseIp, parseIpPrefix } from '../net/ip.js';
import { isDnsLabel } from '../control/state-fields.js';
import { isCanonicalMac } from '../net/mac.js';

/** The domain LAN devices' names are answered in when the state names none (it has `lan.domain`, default 'lan'). */
export const LAN_DOMAIN = 'lan';
/** The router's own name on the LAN (burrow.lan): the web page's address for the household. */
export const ROUTER_NAME = 'burrow';

export interface DnsmasqConfigPaths {
  /** Where dnsmasq keeps its DHCP leases; belongs in the data dir so leases survive a reboot. */
  readonly leaseFile: string;
  /** Where dnsmasq writes its own pid; absent: it writes none (not even its default /run/dnsmasq.pid). */
  readonly pidFile?: string;
  /** The router's host name, answered as <name>.lan besides burrow.lan (its first label, when it is a valid one). */
  readonly hostname?: string;
}

/**
 * The whole config file. Deterministic: the same state and paths give the same bytes, so comparing texts tells
 * whether dnsmasq needs a restart. Throws when a value could break out of its line (the schema should have refused
 * it already; this is the last guard before text lands in a config file).
 */
export function renderDnsmasqConfig(state: DesiredState, paths: DnsmasqConfigPaths): string {
  const lan = state.lan;
  const router = parseIpPrefix(lan.address);
  if (router?.family !== 4) {
    throw new Error(`lan.address: expected an IPv4 address with a prefix length, got ${describeValue(lan.address)}`);
  }
  const routerAddress = formatIp(router.bytes);
  const netmask = formatIp(maskAddress(new Uint8Array(4).fill(0xff), router.cidr));
  const lanInterface = value('lan.interface', lan.interface);
  const upstreams = state.tunnel?.dns.map((server, index) => value(`tunnel.dns[${index}]`, server)) ?? [];
  const domain = lanDomain(state);

  const lines = [
    '# dnsmasq for the LAN, rendered by burrowd from the desired state: every apply rewrites this file.',
    '',
    '# The LAN bridge only, bound to its addresses as they come and go; never loopback, never the WAN.',
    `interface=${lanInterface}`,
    ...remoteAccessLines(state),
    'except-interface=lo',
    'bind-dynamic',
    '',
    '# Nothing but this file: no /etc/resolv.conf, no /etc/hosts, no pid file unless asked for.',
    'no-resolv',
    'no-hosts',
    `pid-file=${paths.pidFile === undefined ? '' : path('pidFile', paths.pidFile)}`,
    '',
    `# DNS: names in .${domain} come from the leases and stay here; plain names and private reverse lookups are`,
    '# never forwarded; everything else goes only to the resolvers inside the tunnel.',
    `domain=${domain}`,
    `local=/${domain}/`,
    'domain-needed',
    'bogus-priv',
    '# The router itself, by name: where the LAN finds its web page.',
    `host-record=${routerNames(paths.hostname, domain).join(',')},${routerAddress}${routerIpv6(state)}`,
    ...(upstreams.length > 0
      ? upstreams.map((server) => `server=${server}`)
      : ['# No tunnel: no upstream servers, so queries for outside names are refused (fail closed).']),
    '',
    '# DHCPv4: the only DHCP server on the LAN, so it answers at once for addresses another server handed out;',
    '# no ping before an offer, which would make every new device wait seconds for its first address.',
    'dhcp-authoritative',
    'no-ping',
    `dhcp-range=${value('lan.dhcp.rangeStart', lan.dhcp.rangeStart)},${value('lan.dhcp.rangeEnd', lan.dhcp.rangeEnd)},${netmask},${seconds('lan.dhcp.leaseSeconds', lan.dhcp.leaseSeconds)}`,
    `dhcp-option=option:router,${routerAddress}`,
    `dhcp-option=option:dns-server,${routerAddress}`,
    ...searchDomainLines(state, domain),
    `dhcp-leasefile=${path('leaseFile', paths.leaseFile)}`,
    ...reservationLines(state),
    ...ipv6Lines(state, lanInterface),
  ];
  return `${lines.join('\n')}\n`;
}

/**
 * Remote devices (wg1) use the router as their DNS server too, answered and forwarded like the LAN's (only through
 * the tunnel); no DHCP there, their addresses are in their configuration.
 */
function remoteAccessLines(state: DesiredState): string[] {
  if (state.remoteAccess === null) {
    return [];
  }
  const name = value('remoteAccess.interface', state.remoteAccess.interface);
  return [`interface=${name}`, `no-dhcp-interface=${name}`];
}

/** The provider's search domains (from its DNS line) for LAN devices, after the LAN's own domain. */
function searchDomainLines(state: DesiredState, lanDomain: string): string[] {
  const domains = state.tunnel?.searchDomains ?? [];
  if (domains.length === 0) {
    return [];
  }
  const checked = domains.map((domain, index) => {
    if (!/^[a-z0-9.-]+$/.test(domain)) {
      throw new Error(`tunnel.searchDomains[${index}]: not a domain name, got ${describeValue(domain)}`);
    }
    return domain;
  });
  return [`dhcp-option=option:domain-search,${[lanDomain, ...checked].join(',')}`];
}

/** The LAN's domain (lan.domain, checked once more: it is pasted into several lines), or 'lan'. */
function lanDomain(state: DesiredState): string {
  const domain = (state.lan as { domain?: string }).domain ?? LAN_DOMAIN;
  if (!/^(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))*$/.test(domain) || domain.length > 253) {
    throw new Error(`lan.domain: not a domain name, got ${describeValue(domain)}`);
  }
  return domain;
}

/**
 * The address reservations: `dhcp-host=<mac>,<ipv4>[,<hostname>]`, one a line, in MAC order. The schema checked
 * them; each part is checked once more here, as it lands in the file (a comma or newline would add options).
 */
function reservationLines(state: DesiredState): string[] {
  const reservations = [...state.lan.reservations].sort((a, b) => (a.mac < b.mac ? -1 : a.mac > b.mac ? 1 : 0));
  if (reservations.length === 0) {
    return [];
  }
  return [
    '# Address reservations: these devices always get the same IPv4 address (and name, when one is given).',
    ...reservations.map(({ mac, ipv4, hostname }, index) => {
      const field = `lan.reservations[${index}]`;
      if (!isCanonicalMac(mac)) {
        throw new Error(`${field}.mac: not a MAC address, got ${describeValue(mac)}`);
      }
      if (parseIp(ipv4)?.length !== 4) {
        throw new Error(`${field}.ipv4: not an IPv4 address, got ${describeValue(ipv4)}`);
      }
      if (hostname !== undefined && !isDnsLabel(hostname)) {
        throw new Error(`${field}.hostname: not one DNS label, got ${describeValue(hostname)}`);
      }
      return `dhcp-host=${[mac, ipv4, ...(hostname === undefined ? [] : [hostname])].join(',')}`;
    }),
  ];
}

/** burrow.<domain>, and <hostname>.<domain> when the host name's first label is a DNS label of its own. */
function routerNames(hostname: string | undefined, domain: string): string[] {
  const names = [`${ROUTER_NAME}.${domain}`];
  const label = hostname?.split('.')[0]?.toLowerCase();
  if (label !== undefined && /^(?!-)[a-z0-9-]{1,63}(?<!-)$/.test(label) && label !== 'localhost') {
    names.push(`${label}.${domain}`);
  }
  return [...new Set(names)];
}

/** ",<the router's ULA>" for a host-record, or nothing when the LAN has no IPv6 prefix. */
function routerIpv6(state: DesiredState): string {
  const prefix = state.lan.ipv6Prefix === undefined ? null : parseIpPrefix(state.lan.ipv6Prefix);
  return prefix?.family === 6 ? `,${formatIp(prefix.bytes)}` : '';
}

function ipv6Lines(state: DesiredState, lanInterface: string): string[] {
  if (state.lan.ipv6Prefix === undefined) {
    return [];
  }
  value('lan.ipv6Prefix', state.lan.ipv6Prefix);
  const lines = [
    '',
    '# IPv6: SLAAC in the prefix on the bridge, stateless DHCPv6 for the DNS server; the periodic adverts unlogged.',
    'enable-ra',
    `dhcp-range=::,constructor:${lanInterface},ra-stateless`,
    'quiet-ra',
  ];
  if (state.tunnel === null || !tunnelCarriesIpv6(state.tunnel)) {
    lines.push(
      '# The tunnel carries no IPv6: router lifetime 0, so devices get ULA addresses but no IPv6 default route.',
      `ra-param=${lanInterface},0,0`,
    );
  }
  return lines;
}

/** A value as it goes into the file: no control character (a newline would start a new option). */
function value(field: string, text: string): string {
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(text)) {
    throw new Error(`${field}: refusing a control character in the dnsmasq config, got ${describeValue(text)}`);
  }
  return text;
}

/** A path as it goes into the file: absolute, and nothing dnsmasq's parser would read as syntax (#, quotes, spaces). */
function path(field: string, text: string): string {
  value(field, text);
  if (!text.startsWith('/') || /[\s#"'\\,]/.test(text)) {
    throw new Error(
      `${field}: a dnsmasq path must be absolute, without spaces, commas, quotes, backslashes or #, got ${describeValue(text)}`,
    );
  }
  return text;
}

function seconds(field: string, count: number): string {
  if (!Number.isSafeInteger(count) || count < 120) {
    throw new Error(`${field}: expected whole seconds, at least 120, got ${String(count)}`);
  }
  return String(count);
}

/** Quotes a bad value for an error message, its control characters escaped so a log line stays one line. */
function describeValue(text: string): string {
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text);
}
