// What the router's network stack should look like for a desired state, rendered purely: the LAN bridge and its
// ports, the tunnel interface, their addresses, the policy routing (table 51820 and rules 1000-1099) and the
// sysctls. netlink.ts applies the links, addresses, routes and rules; sysctl.ts the sysctls.
//
// Policy routing:
// - Rule 1000 sends everything that arrives on the LAN bridge (both families) to table 51820. The local table
//   (priority 0) still comes first, so the LAN reaches the router's own addresses.
// - Direct devices (only while some device is `direct`): a rule at the same priority 1000, listed FIRST, sends what
//   arrives on the LAN bridge with the direct mark (lan-device-rules.ts: a direct device's IPv4, marked in
//   prerouting) to the main table: out the WAN. The kernel tries rules of one priority in the order they were
//   added, and netlink.ts rewrites a priority whole, in target order, whenever its rules differ, so the marked rule
//   is always ahead of the LAN's (1000 is the first priority Burrow owns: there is no room before it). IPv4 only:
//   a direct device's IPv6 is never marked and never gets this rule, so it stays on the tunnel's rules.
// - Table 51820 holds `default dev <tunnel>` (IPv6 only when the tunnel carries IPv6) and, behind it at a huge
//   metric, `unreachable default`: when the TUN disappears (engine restart) the kernel deletes its routes, the
//   unreachable route stays, and a LAN lookup can never fall through to the main table and its WAN default.
//   Each of the tunnel's resolvers has the same pair as a host route (/32, /128), kill switch on or off.
// - Rule 1001 sends the engine's own packets (its socket carries the fwmark) to the main table, before rule 1002
//   can catch them: otherwise a tunnel resolver that is also the endpoint would route the tunnel into itself.
// - Rules 1002 send the router's own queries to the tunnel's resolvers (dnsmasq forwards only to them) to table
//   51820 too: through the tunnel, or unreachable (their host routes) while it is down, never out the WAN.
// - Rules 1003 send what the router itself sends from the tunnel's own addresses (the exit check binds to them) to
//   table 51820, and rules 1004 make such packets unreachable when that table has no route for them (kill switch
//   off, tunnel down): traffic from the tunnel's address goes through the tunnel or nowhere, never out the WAN.
// - Kill switch off: no IPv4 default unreachable route (the resolvers keep theirs). With the tunnel route gone,
//   table 51820 has no IPv4 default, the lookup continues with the next rules and the main table sends LAN IPv4
//   out the WAN (the nftables table allows exactly that). IPv6 keeps its unreachable route either way: the
//   nftables table never lets LAN IPv6 out the WAN, and failing in routing answers devices at once.
// - Remote access: the router's addresses on its interface (wg1), the remote subnets in table
//   51820 (the LAN's replies to the devices), and what arrives from the devices goes to table 51820 (the tunnel,
//   or unreachable), never to the main table and its WAN default, except to the LAN (see remote-targets.ts).
// Everything else the router sends uses the main table (default via the WAN), untouched by Burrow.
import { createHash } from 'node:crypto';
import { isInterfaceName, tunnelCarriesIpv6, type DesiredState, type TunnelState } from '../control/desired-state.js';
import { formatIpPrefix, parseIpPrefix, type IpFamily } from '../net/ip.js';
import { remoteAddressTargets, remoteLink, remoteRouteTargets, remoteRuleTargets } from './remote-targets.js';
import { DIRECT_FWMARK, hasDirect } from './lan-device-rules.js';

/** The routing table Burrow owns whole: anything in it that is not a target is removed. */
export const BURROW_TABLE = 51820;
/** The kernel's main table, where the WAN's default route lives. */
export const MAIN_TABLE = 254;
/** Rules at these priorities (both ends included) belong to Burrow; others are never touched. */
export const OWNED_RULE_PRIORITIES = { first: 1000, last: 1099 } as const;
export const LAN_RULE_PRIORITY = 1000;
/** The LAN's priority, listed ahead of the LAN's rule: direct devices' marked IPv4 goes to the main table. */
export const DIRECT_RULE_PRIORITY = LAN_RULE_PRIORITY;
export const ENGINE_RULE_PRIORITY = 1001;
export const DNS_RULE_PRIORITY = 1002;
export const TUNNEL_SOURCE_RULE_PRIORITY = 1003;
export const TUNNEL_SOURCE_UNREACHABLE_PRIORITY = 1004;
/** Far behind any real route, so the tunnel route always wins while it exists. */
export const UNREACHABLE_METRIC = 4278198272;
/** The metric the kernel gives a route added without one: 0 for IPv4, 1024 for IPv6 (which has no 0). */
export const TUNNEL_ROUTE_METRIC: Readonly<Record<IpFamily, number>> = { 4: 0, 6: 1024 };

export interface LinkTargets {
  /**
   * The LAN bridge: created when missing, brought up. Null without a desired state. Its MAC is pinned: a bridge
   * left to itself takes the lowest of its ports' MACs, so a port joining (a USB adapter plugged in) would change
   * the router's MAC under every device's ARP cache and cut the LAN off for seconds.
   */
  readonly bridge: { readonly name: string; readonly address: string } | null;
  /** Interfaces enslaved to the bridge and brought up; one that does not exist yet waits for it. */
  readonly ports: readonly string[];
  /** The TUN interface the engine creates: given its MTU and brought up once it exists. */
  readonly tunnel: { readonly name: string; readonly mtu: number } | null;
  /** The remote-access engine's TUN interface (wg1), when remote access is on: MTU and up once it exists. */
  readonly remote?: { readonly name: string; readonly mtu: number } | null;
}

export interface AddressTarget {
  readonly dev: string;
  readonly family: IpFamily;
  /** Canonical address with prefix length, host bits kept: "100.64.8.1/24". */
  readonly cidr: string;
}

export interface RouteTarget {
  readonly table: number;
  readonly family: IpFamily;
  readonly type: 'unicast' | 'unreachable';
  /** Canonical prefix: "0.0.0.0/0", "::/0". */
  readonly destination: string;
  /** The interface of a unicast route; unreachable routes have none. */
  readonly dev?: string;
  readonly metric: number;
}

export interface RuleTarget {
  readonly family: IpFamily;
  readonly priority: number;
  /** Matches packets that arrived on this interface. */
  readonly iif?: string;
  /** Matches packets to this prefix (canonical). */
  readonly to?: string;
  /** Matches packets from this prefix (canonical). */
  readonly from?: string;
  /** Matches packets carrying this firewall mark (whole mark). */
  readonly fwmark?: number;
  /** The table to look up, or 'unreachable': the lookup ends there with "network unreachable". */
  readonly table: number | 'unreachable';
}

export interface SysctlTarget {
  /** sysctl(8) form: dots separate, a '/' stands for a '.' in an interface name ("net.ipv4.conf.eth0/2.rp_filter"). */
  readonly key: string;
  readonly value: string;
  /** The interface a per-interface key belongs to: while it does not exist, the key waits instead of failing. */
  readonly dev?: string;
}

export interface NetworkTargets {
  readonly links: LinkTargets;
  readonly addresses: readonly AddressTarget[];
  readonly routes: readonly RouteTarget[];
  readonly rules: readonly RuleTarget[];
  /** In the order they must be written. */
  readonly sysctls: readonly SysctlTarget[];
}

const FAMILIES: readonly IpFamily[] = [4, 6];
const DEFAULT_DESTINATION: Readonly<Record<IpFamily, string>> = { 4: '0.0.0.0/0', 6: '::/0' };

/**
 * The network targets of `state`; null (nothing configured yet, at boot) means no Burrow links, addresses,
 * routes or rules at all, and forwarding off. Deterministic: the same state gives the same targets, in order.
 */
export function renderNetworkTargets(state: DesiredState | null): NetworkTargets {
  if (state === null) {
    return {
      links: { bridge: null, ports: [], tunnel: null },
      addresses: [],
      routes: [],
      rules: [],
      sysctls: [
        { key: 'net.ipv4.ip_forward', value: '0' },
        { key: 'net.ipv6.conf.all.forwarding', value: '0' },
      ],
    };
  }
  const lan = checkedName(state.lan.interface);
  const tunnel = state.tunnel;
  const tun = tunnel === null ? null : checkedName(tunnel.interface);
  return {
    links: {
      bridge: { name: lan, address: bridgeAddress(lan, state.lan.address) },
      ports: state.lan.ports.map(checkedName),
      tunnel: tunnel === null || tun === null ? null : { name: tun, mtu: tunnel.mtu },
      ...remoteLink(state),
    },
    addresses: [...addressTargets(state, lan, tun), ...remoteAddressTargets(state)],
    routes: [...routeTargets(state, tun), ...remoteRouteTargets(state)],
    // A stable sort: the direct rule stays ahead of the LAN's rule of its priority and family.
    rules: [...directDeviceRules(state, lan), ...ruleTargets(lan, tunnel), ...remoteRuleTargets(state)].sort(
      (a, b) => a.priority - b.priority || a.family - b.family,
    ),
    sysctls: sysctlTargets(state, tun),
  };
}

function addressTargets(state: DesiredState, lan: string, tun: string | null): AddressTarget[] {
  const on = (dev: string, cidrs: readonly string[]) => sortedPrefixes(cidrs).map((cidr) => ({ dev, ...cidr }));
  const lanCidrs = state.lan.ipv6Prefix === undefined ? [state.lan.address] : [state.lan.address, state.lan.ipv6Prefix];
  return [...on(lan, lanCidrs), ...(tun === null || state.tunnel === null ? [] : on(tun, state.tunnel.addresses))];
}

function routeTargets(state: DesiredState, tun: string | null): RouteTarget[] {
  const tunnel = state.tunnel;
  const carries = (family: IpFamily): boolean =>
    family === 4
      ? tunnel !== null && tunnel.addresses.some((address) => parseIpPrefix(address)!.family === 4)
      : tunnel !== null && tunnelCarriesIpv6(tunnel);
  return FAMILIES.flatMap((family): RouteTarget[] => {
    const routes: RouteTarget[] = [];
    const destination = DEFAULT_DESTINATION[family];
    if (tun !== null && carries(family)) {
      const metric = TUNNEL_ROUTE_METRIC[family];
      routes.push({ table: BURROW_TABLE, family, type: 'unicast', destination, dev: tun, metric });
    }
    if (state.killSwitch || family === 6) {
      routes.push({ table: BURROW_TABLE, family, type: 'unreachable', destination, metric: UNREACHABLE_METRIC });
    }
    return routes;
  }).concat(resolverRoutes(tunnel, tun));
}

/**
 * The tunnel's DNS servers are reached through the tunnel or not at all, whatever the kill switch: the router
 * forwards the LAN's DNS to them, and with the kill switch off a missing tunnel route would otherwise let those
 * queries fall through to the main table and out the WAN in plaintext.
 */
function resolverRoutes(tunnel: TunnelState | null, tun: string | null): RouteTarget[] {
  if (tunnel === null) {
    return [];
  }
  return sortedPrefixes(tunnel.dns).flatMap(({ family, cidr: destination }): RouteTarget[] => [
    ...(tun === null
      ? []
      : [
          {
            table: BURROW_TABLE,
            family,
            type: 'unicast' as const,
            destination,
            dev: tun,
            metric: TUNNEL_ROUTE_METRIC[family],
          },
        ]),
    { table: BURROW_TABLE, family, type: 'unreachable', destination, metric: UNREACHABLE_METRIC },
  ]);
}

function ruleTargets(lan: string, tunnel: TunnelState | null): RuleTarget[] {
  const rules: RuleTarget[] = FAMILIES.map((family) => ({
    family,
    priority: LAN_RULE_PRIORITY,
    iif: lan,
    table: BURROW_TABLE,
  }));
  if (tunnel !== null) {
    rules.push(
      ...FAMILIES.map((family) => ({
        family,
        priority: ENGINE_RULE_PRIORITY,
        fwmark: tunnel.fwmark,
        table: MAIN_TABLE,
      })),
    );
    const resolvers = sortedPrefixes(tunnel.dns);
    rules.push(
      ...resolvers.map(({ family, cidr }) => ({ family, priority: DNS_RULE_PRIORITY, to: cidr, table: BURROW_TABLE })),
    );
    const sources = sortedPrefixes(tunnel.addresses.map(hostOf));
    rules.push(
      ...sources.map(({ family, cidr }) => ({
        family,
        priority: TUNNEL_SOURCE_RULE_PRIORITY,
        from: cidr,
        table: BURROW_TABLE,
      })),
      ...sources.map(({ family, cidr }) => ({
        family,
        priority: TUNNEL_SOURCE_UNREACHABLE_PRIORITY,
        from: cidr,
        table: 'unreachable' as const,
      })),
    );
  }
  return rules;
}

/** The direct devices' rule: their marked IPv4 from the LAN is routed by the main table (the WAN). */
function directDeviceRules(state: DesiredState, lan: string): RuleTarget[] {
  if (!hasDirect(state.lan)) {
    return [];
  }
  return [{ family: 4, priority: DIRECT_RULE_PRIORITY, iif: lan, fwmark: DIRECT_FWMARK, table: MAIN_TABLE }];
}

function sysctlTargets(state: DesiredState, tun: string | null): SysctlTarget[] {
  const wan = checkedName(state.wan.interface);
  return [
    // Before forwarding: turning IPv6 forwarding on drops the default routes learned from router
    // advertisements on every interface whose accept_ra is not 2, which would cut the WAN's own IPv6.
    { key: sysctlKey('net', 'ipv6', 'conf', wan, 'accept_ra'), value: '2', dev: wan },
    { key: 'net.ipv4.ip_forward', value: '1' },
    { key: 'net.ipv6.conf.all.forwarding', value: '1' },
    // Replies from the Internet arrive on the tunnel, but the reverse-path check looks their source up in the
    // main table (its default is the WAN); strict mode would drop them. Loose only asks for any route back.
    ...(tun === null ? [] : [{ key: sysctlKey('net', 'ipv4', 'conf', tun, 'rp_filter'), value: '2', dev: tun }]),
  ];
}

/** A sysctl(8) key from path segments: a '.' inside a segment (an interface name like "eth0.2") becomes '/'. */
export function sysctlKey(...segments: string[]): string {
  return segments.map((segment) => segment.replaceAll('.', '/')).join('.');
}

/** Addresses or prefixes in canonical text, IPv4 first, then by address bytes and prefix length; duplicates once. */
export function sortedPrefixes(texts: readonly string[]): Array<{ family: IpFamily; cidr: string }> {
  const parsed = texts.map((text) => {
    const prefix = parseIpPrefix(text);
    if (prefix === null) {
      throw new SyntaxError(`not an address or prefix: ${JSON.stringify(text)}`);
    }
    return prefix;
  });
  parsed.sort((a, b) => a.family - b.family || Buffer.compare(a.bytes, b.bytes) || a.cidr - b.cidr);
  const seen = new Set<string>();
  return parsed
    .map((prefix) => ({ family: prefix.family, cidr: formatIpPrefix(prefix) }))
    .filter(({ cidr }) => !seen.has(cidr) && seen.add(cidr));
}

/** The router's own address of a tunnel address ("100.96.0.2/24" → "100.96.0.2"): a host prefix. */
function hostOf(address: string): string {
  return address.split('/')[0]!;
}

/** Interface names end up in `ip -batch` lines and /proc/sys paths: checked once more here. */
export function checkedName(name: string): string {
  if (!isInterfaceName(name)) {
    throw new SyntaxError(`not a valid interface name: ${JSON.stringify(name)}`);
  }
  return name;
}

/**
 * The LAN bridge's MAC: locally administered, unicast, derived from the bridge's name and the router's LAN address,
 * so it stays the same across restarts and reboots (only one router answers for that address on a LAN).
 */
export function bridgeAddress(name: string, lanAddress: string): string {
  const bytes = createHash('sha256').update(`burrow lan bridge ${name} ${lanAddress}`).digest().subarray(0, 6);
  bytes[0] = (bytes[0]! & 0xfc) | 0x02;
  return [...bytes].map((byte) => byte.toString(16).padStart(2, '0')).join(':');
}
