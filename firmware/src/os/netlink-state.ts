// Reading the parts of the network stack Burrow manages, through ip(8)'s JSON output: links with their addresses,
// the routes of table 51820, and the policy rules of both families. Numbers are asked for (-N), so a table named
// in /etc/iproute2/rt_tables still reads as its number. What a reader does not model (a multipath route, a rule
// matching a port) is kept as `extra` text, so such an entry never looks equal to a target.
import { formatIpPrefix, parseIpPrefix, type IpFamily } from '../net/ip.js';
import { ExecError, IP_PATH, type Executor } from './exec.js';
import { BURROW_TABLE } from './network-targets.js';

const READ_TIMEOUT_MS = 10_000;

export interface LinkState {
  readonly name: string;
  /** "bridge", "veth", "tun"…; null for a plain device without link info. */
  readonly kind: string | null;
  /** The bridge (or other master) it is enslaved to. */
  readonly master: string | null;
  readonly mtu: number;
  /** Administratively up. */
  readonly up: boolean;
  /** The link-layer address (lowercase); null when it has none (a TUN). */
  readonly address?: string | null;
}

export interface AddressState {
  readonly dev: string;
  readonly family: IpFamily;
  /** Canonical address with prefix length: "100.64.8.1/24". */
  readonly cidr: string;
  /** "global", "link", "host", "site", or the number when the kernel has no name for it. */
  readonly scope: string;
}

export interface RouteState {
  readonly table: number;
  readonly family: IpFamily;
  /** "unicast", "unreachable", "blackhole"…, or "type N" for one ip(8) has no name for. */
  readonly type: string;
  /** Canonical prefix: "0.0.0.0/0". */
  readonly destination: string;
  readonly metric: number;
  readonly dev?: string;
  /** IPv4 TOS, as ip(8) prints it ("0x10"). */
  readonly tos?: string;
  /** The source prefix of an IPv6 source-specific route. */
  readonly source?: string;
  /** Attributes a Burrow route never has (a gateway, a preferred source, several next hops…), as key=value. */
  readonly extra: readonly string[];
}

export interface RuleState {
  readonly family: IpFamily;
  readonly priority: number;
  /** Canonical prefixes; absent means "all". */
  readonly from?: string;
  readonly to?: string;
  readonly iif?: string;
  readonly oif?: string;
  readonly fwmark?: number;
  readonly fwmask?: number;
  /** The table looked up; absent for a rule with another action. */
  readonly table?: number;
  /** "lookup" for a table lookup, else the action ("unreachable", "blackhole", "goto"…). */
  readonly action: string;
  readonly extra: readonly string[];
}

export interface NetworkState {
  readonly links: readonly LinkState[];
  readonly addresses: readonly AddressState[];
  /** The routes of table 51820, both families. */
  readonly routes: readonly RouteState[];
  /** All policy rules of both families, in the kernel's order. */
  readonly rules: readonly RuleState[];
}

export class NetlinkError extends Error {
  override readonly name = 'NetlinkError';
}

// rtnetlink's route types and scopes by number (rtnetlink.h), printed as numbers under -N.
const ROUTE_TYPES = [
  'unspec',
  'unicast',
  'local',
  'broadcast',
  'anycast',
  'multicast',
  'blackhole',
  'unreachable',
  'prohibit',
  'throw',
  'nat',
  'xresolve',
];
const SCOPES: Readonly<Record<string, string>> = { '0': 'global', '200': 'site', '253': 'link', '254': 'host' };
const TABLE_NAMES: Readonly<Record<string, number>> = { unspec: 0, default: 253, main: 254, local: 255 };
/** Printed attributes that describe a route's state rather than what it is. */
const ROUTE_STATE_KEYS = new Set(['scope', 'protocol', 'flags', 'pref', 'expires', 'table']);
const RULE_STATE_KEYS = new Set(['iif_detached', 'oif_detached', 'protocol']);

/** Links and addresses, table 51820 and every rule, read with five `ip -j` commands. */
export async function readNetworkState(executor: Executor): Promise<NetworkState> {
  const [links, routes4, routes6, rules4, rules6] = await Promise.all([
    readJson(executor, ['-d', 'address', 'show']),
    readRoutes(executor, 4),
    readRoutes(executor, 6),
    readJson(executor, ['-4', 'rule', 'show']),
    readJson(executor, ['-6', 'rule', 'show']),
  ]);
  return {
    links: links.map(parseLink),
    addresses: links.flatMap(parseAddresses),
    routes: [...routes4.map((route) => parseRoute(route, 4)), ...routes6.map((route) => parseRoute(route, 6))],
    rules: [...rules4.map((rule) => parseRule(rule, 4)), ...rules6.map((rule) => parseRule(rule, 6))],
  };
}

async function readRoutes(executor: Executor, family: IpFamily): Promise<JsonObject[]> {
  try {
    return await readJson(executor, [`-${family}`, 'route', 'show', 'table', String(BURROW_TABLE)]);
  } catch (error) {
    // A table the kernel has never held a route in does not exist yet; for Burrow it is empty.
    if (error instanceof ExecError && /FIB table does not exist/.test(error.stderr)) {
      return [];
    }
    throw error;
  }
}

type JsonObject = Readonly<Record<string, unknown>>;

async function readJson(executor: Executor, args: readonly string[]): Promise<JsonObject[]> {
  const argv = [IP_PATH, '-j', '-N', ...args];
  const { stdout } = await executor.run(argv, { timeoutMs: READ_TIMEOUT_MS });
  let parsed: unknown;
  try {
    // ip(8) prints nothing at all for an empty list in some versions.
    parsed = stdout.trim() === '' ? [] : JSON.parse(stdout);
  } catch (error) {
    throw new NetlinkError(`ip ${args.join(' ')} printed something that is not JSON: ${snippet(stdout)}`, {
      cause: error,
    });
  }
  if (!Array.isArray(parsed) || !parsed.every(isObject)) {
    throw new NetlinkError(`ip ${args.join(' ')} printed JSON that is not a list of objects: ${snippet(stdout)}`);
  }
  return parsed;
}

function parseLink(link: JsonObject): LinkState {
  const linkinfo = link['linkinfo'];
  const kind = isObject(linkinfo) && typeof linkinfo['info_kind'] === 'string' ? linkinfo['info_kind'] : null;
  const flags = link['flags'];
  return {
    name: text(link, 'ifname'),
    kind,
    master: typeof link['master'] === 'string' ? link['master'] : null,
    mtu: typeof link['mtu'] === 'number' ? link['mtu'] : 0,
    address: typeof link['address'] === 'string' ? link['address'].toLowerCase() : null,
    up: Array.isArray(flags) && flags.includes('UP'),
  };
}

function parseAddresses(link: JsonObject): AddressState[] {
  const dev = text(link, 'ifname');
  const infos = Array.isArray(link['addr_info']) ? link['addr_info'].filter(isObject) : [];
  return infos.flatMap((info): AddressState[] => {
    const family = info['family'] === 'inet' ? 4 : info['family'] === 'inet6' ? 6 : null;
    const prefix = parseIpPrefix(`${scalar(info['local'])}/${scalar(info['prefixlen'])}`);
    if (family === null || prefix === null) {
      return [];
    }
    const scope = scalar(info['scope']) ?? '0';
    return [{ dev, family, cidr: formatIpPrefix(prefix), scope: SCOPES[scope] ?? scope }];
  });
}

function parseRoute(route: JsonObject, family: IpFamily): RouteState {
  const typeField = route['type'];
  const typeNumber = Number(typeField ?? 1);
  const type =
    typeof typeField === 'string' && !/^\d+$/.test(typeField)
      ? typeField
      : (ROUTE_TYPES[typeNumber] ?? `type ${typeNumber}`);
  const extra: string[] = [];
  let dev: string | undefined;
  let tos: string | undefined;
  let source: string | undefined;
  for (const [key, value] of Object.entries(route)) {
    if (key === 'dev' && typeof value === 'string') {
      dev = value;
    } else if (key === 'tos' && scalar(value) !== undefined) {
      tos = scalar(value);
    } else if (key === 'from' && typeof value === 'string') {
      source = prefix(value, family);
    } else if (!['dst', 'type', 'metric'].includes(key) && !ROUTE_STATE_KEYS.has(key)) {
      extra.push(`${key}=${JSON.stringify(value)}`);
    }
  }
  return {
    table: BURROW_TABLE,
    family,
    type,
    destination: prefix(text(route, 'dst'), family),
    metric: typeof route['metric'] === 'number' ? route['metric'] : 0,
    ...(dev === undefined ? {} : { dev }),
    ...(tos === undefined ? {} : { tos }),
    ...(source === undefined ? {} : { source }),
    extra,
  };
}

function parseRule(rule: JsonObject, family: IpFamily): RuleState {
  const priority = rule['priority'];
  if (typeof priority !== 'number') {
    throw new NetlinkError(`ip rule printed a rule without a priority: ${snippet(JSON.stringify(rule))}`);
  }
  const extra: string[] = [];
  const fields: { -readonly [K in keyof RuleState]?: RuleState[K] } = {};
  for (const [key, raw] of Object.entries(rule)) {
    const value = scalar(raw);
    if (key === 'priority' || key === 'srclen' || key === 'dstlen' || RULE_STATE_KEYS.has(key)) {
      continue;
    }
    if ((key === 'src' || key === 'dst') && value !== undefined) {
      const length = scalar(rule[`${key}len`]);
      if (value !== 'all') {
        fields[key === 'src' ? 'from' : 'to'] = prefix(length === undefined ? value : `${value}/${length}`, family);
      }
    } else if ((key === 'iif' || key === 'iifname') && value !== undefined) {
      fields.iif = value;
    } else if ((key === 'oif' || key === 'oifname') && value !== undefined) {
      fields.oif = value;
    } else if ((key === 'fwmark' || key === 'fwmask') && value !== undefined) {
      fields[key] = Number(value);
    } else if (key === 'table' && value !== undefined) {
      fields.table = TABLE_NAMES[value] ?? Number(value);
    } else if (key === 'action' && value !== undefined) {
      fields.action = /^\d+$/.test(value) ? (ROUTE_TYPES[Number(value)] ?? `type ${value}`) : value;
    } else {
      extra.push(`${key}=${JSON.stringify(raw)}`);
    }
  }
  return { family, priority, ...fields, action: fields.action ?? 'lookup', extra };
}

/** ip(8)'s "default", a bare address or a prefix, as a canonical prefix. */
function prefix(value: string, family: IpFamily): string {
  if (value === 'default') {
    return family === 4 ? '0.0.0.0/0' : '::/0';
  }
  const parsed = parseIpPrefix(value);
  if (parsed === null) {
    throw new NetlinkError(`ip printed ${JSON.stringify(value)} where an address or prefix belongs`);
  }
  return formatIpPrefix(parsed);
}

function text(object: JsonObject, key: string): string {
  const value = object[key];
  if (typeof value !== 'string') {
    throw new NetlinkError(`ip printed an entry without "${key}": ${snippet(JSON.stringify(object))}`);
  }
  return value;
}

/** A string or number as text; undefined for anything else. */
function scalar(value: unknown): string | undefined {
  return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function snippet(text: string): string {
  return JSON.stringify(text.length > 200 ? `${text.slice(0, 200)}…` : text);
}
