// The network targets of remote access (the router as the household's WireGuard server on its own interface, wg1),
// beside the LAN's and the tunnel's in network-targets.ts:
// - the router's addresses on wg1 (Burrow owns its global addresses, as the tunnel's); the kernel's connected
//   routes in the main table reach the devices from the router itself;
// - table 51820 gets the remote subnets (dev wg1): a LAN device's replies to a phone are looked up there (rule 1000);
// - rule 1001 sends the remote engine's own UDP packets (its fwmark) to the main table: out the WAN to the phones;
// - rules 1010: what arrives on wg1 for the LAN is looked up in the main table (the LAN's connected routes);
// - rules 1011: everything else that arrives on wg1 is looked up in table 51820: the tunnel, or its unreachable
//   default while the tunnel is down (kill switch); rules 1012 make it unreachable when that table has no route
//   (kill switch off, no tunnel): a remote device's packets never reach the main table and its WAN default.
//   Which devices may go out the tunnel at all (reach `internet`) is the firewall's to decide (nft-ruleset.ts).
import { DEFAULT_TUNNEL_MTU, type DesiredState } from '../control/desired-state.js';
import { canonicalPrefix, formatIpPrefix, parseIpPrefix, type IpFamily } from '../net/ip.js';
import {
  type AddressTarget,
  BURROW_TABLE,
  checkedName,
  ENGINE_RULE_PRIORITY,
  MAIN_TABLE,
  type RouteTarget,
  type RuleTarget,
  sortedPrefixes,
  TUNNEL_ROUTE_METRIC,
} from './network-targets.js';

export const REMOTE_LAN_RULE_PRIORITY = 1010;
export const REMOTE_TUNNEL_RULE_PRIORITY = 1011;
export const REMOTE_UNREACHABLE_RULE_PRIORITY = 1012;

const FAMILIES: readonly IpFamily[] = [4, 6];

/** The link targets' `remote` entry, spread in: absent when remote access is off. */
export function remoteLink(state: DesiredState): { remote?: { name: string; mtu: number } } {
  const remote = state.remoteAccess;
  return remote === null ? {} : { remote: { name: checkedName(remote.interface), mtu: DEFAULT_TUNNEL_MTU } };
}

export function remoteAddressTargets(state: DesiredState): AddressTarget[] {
  const remote = state.remoteAccess;
  if (remote === null) {
    return [];
  }
  const dev = checkedName(remote.interface);
  return sortedPrefixes(remote.addresses).map((address) => ({ dev, ...address }));
}

/** The remote subnets in table 51820, so what the LAN sends back to a device goes to wg1. */
export function remoteRouteTargets(state: DesiredState): RouteTarget[] {
  const remote = state.remoteAccess;
  if (remote === null) {
    return [];
  }
  const dev = checkedName(remote.interface);
  return sortedPrefixes(remote.addresses.map(subnetOf)).map(({ family, cidr }) => ({
    table: BURROW_TABLE,
    family,
    type: 'unicast' as const,
    destination: cidr,
    dev,
    metric: TUNNEL_ROUTE_METRIC[family],
  }));
}

export function remoteRuleTargets(state: DesiredState): RuleTarget[] {
  const remote = state.remoteAccess;
  if (remote === null) {
    return [];
  }
  const iif = checkedName(remote.interface);
  const lan = sortedPrefixes([
    subnetOf(state.lan.address),
    ...(state.lan.ipv6Prefix === undefined ? [] : [subnetOf(state.lan.ipv6Prefix)]),
  ]);
  return [
    ...FAMILIES.map((family) => ({
      family,
      priority: ENGINE_RULE_PRIORITY,
      fwmark: remote.fwmark,
      table: MAIN_TABLE,
    })),
    ...lan.map(({ family, cidr }) => ({
      family,
      priority: REMOTE_LAN_RULE_PRIORITY,
      iif,
      to: cidr,
      table: MAIN_TABLE,
    })),
    ...FAMILIES.map((family) => ({ family, priority: REMOTE_TUNNEL_RULE_PRIORITY, iif, table: BURROW_TABLE })),
    ...FAMILIES.map((family) => ({
      family,
      priority: REMOTE_UNREACHABLE_RULE_PRIORITY,
      iif,
      table: 'unreachable' as const,
    })),
  ];
}

/** "10.99.0.1/24" → "10.99.0.0/24". */
function subnetOf(address: string): string {
  return formatIpPrefix(canonicalPrefix(parseIpPrefix(address)!));
}
