// The router's own interfaces as the Status page shows them: read in burrowd's namespace with one
// `ip -json -stats -details address show`, so the page lists the board's WAN, the LAN bridge and its ports and the
// tunnel, whatever host the API runs on. Each gets a role from the state in force (or the board file).
import { formatIp, parseIp } from '../net/ip.js';
import { IP_PATH, type Executor } from './exec.js';

const READ_TIMEOUT_MS = 5_000;

export type InterfaceRole = 'wan' | 'lan-bridge' | 'lan-port' | 'tunnel' | 'other';

export interface RouterAddress {
  readonly family: 'ipv4' | 'ipv6';
  readonly address: string;
  readonly prefixLength: number;
}

export interface RouterInterface {
  readonly name: string;
  /** "bridge", "veth", "tun"…; null for a plain device without link info. */
  readonly kind: string | null;
  readonly role: InterfaceRole;
  /** The link works: operstate "up", or "unknown" with the administrative UP flag (loopback, TUN). */
  readonly up: boolean;
  readonly mac: string | null;
  readonly mtu: number;
  readonly addresses: readonly RouterAddress[];
  readonly rxBytes: number;
  readonly txBytes: number;
  readonly rxPackets: number;
  readonly txPackets: number;
  readonly rxErrors: number;
  readonly txErrors: number;
}

/** The names that make an interface the WAN, the LAN bridge or the tunnel; any may be unknown. */
export interface InterfaceRoles {
  readonly wan?: string | null;
  readonly lan?: string | null;
  readonly tunnel?: string | null;
}

export async function readRouterInterfaces(executor: Executor, roles: InterfaceRoles): Promise<RouterInterface[]> {
  const { stdout } = await executor.run([IP_PATH, '-json', '-stats', '-details', 'address', 'show'], {
    timeoutMs: READ_TIMEOUT_MS,
  });
  return parseRouterInterfaces(stdout, roles);
}

/** ip(8)'s JSON, as interfaces sorted by name; entries it cannot read are left out rather than failing the list. */
export function parseRouterInterfaces(json: string, roles: InterfaceRoles): RouterInterface[] {
  const parsed: unknown = json.trim() === '' ? [] : JSON.parse(json);
  if (!Array.isArray(parsed)) {
    throw new Error('ip printed JSON that is not a list');
  }
  return parsed
    .filter(isObject)
    .flatMap((link) => {
      const name = link['ifname'];
      return typeof name === 'string' ? [parseLink(name, link, roles)] : [];
    })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

type JsonObject = Readonly<Record<string, unknown>>;

function parseLink(name: string, link: JsonObject, roles: InterfaceRoles): RouterInterface {
  const linkinfo = link['linkinfo'];
  const kind = isObject(linkinfo) && typeof linkinfo['info_kind'] === 'string' ? linkinfo['info_kind'] : null;
  const flags = Array.isArray(link['flags']) ? link['flags'] : [];
  const operstate = typeof link['operstate'] === 'string' ? link['operstate'] : 'UNKNOWN';
  const stats = isObject(link['stats64']) ? link['stats64'] : isObject(link['stats']) ? link['stats'] : {};
  const rx = isObject(stats['rx']) ? stats['rx'] : {};
  const tx = isObject(stats['tx']) ? stats['tx'] : {};
  const master = typeof link['master'] === 'string' ? link['master'] : null;
  return {
    name,
    kind,
    role: roleOf(name, master, roles),
    up: operstate === 'UP' || (operstate === 'UNKNOWN' && flags.includes('UP')),
    mac: macFrom(link['address']),
    mtu: count(link['mtu']),
    addresses: (Array.isArray(link['addr_info']) ? link['addr_info'] : []).filter(isObject).flatMap(parseAddress),
    rxBytes: count(rx['bytes']),
    txBytes: count(tx['bytes']),
    rxPackets: count(rx['packets']),
    txPackets: count(tx['packets']),
    rxErrors: count(rx['errors']),
    txErrors: count(tx['errors']),
  };
}

function roleOf(name: string, master: string | null, roles: InterfaceRoles): InterfaceRole {
  if (roles.wan && name === roles.wan) {
    return 'wan';
  }
  if (roles.lan && name === roles.lan) {
    return 'lan-bridge';
  }
  if (roles.lan && master === roles.lan) {
    return 'lan-port';
  }
  if (roles.tunnel && name === roles.tunnel) {
    return 'tunnel';
  }
  return 'other';
}

function parseAddress(info: JsonObject): RouterAddress[] {
  const family = info['family'] === 'inet' ? 'ipv4' : info['family'] === 'inet6' ? 'ipv6' : null;
  const local = info['local'];
  const length = info['prefixlen'];
  if (family === null || typeof local !== 'string' || typeof length !== 'number') {
    return [];
  }
  const bytes = parseIp(local);
  return bytes === null ? [] : [{ family, address: formatIp(bytes), prefixLength: length }];
}

/** The hardware address, or null for interfaces without one (loopback reads as zeros, a TUN has none). */
function macFrom(value: unknown): string | null {
  if (typeof value !== 'string' || value === '' || /^[0:]+$/.test(value) || !value.includes(':')) {
    return null;
  }
  return value.toLowerCase();
}

function count(value: unknown): number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : 0;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
