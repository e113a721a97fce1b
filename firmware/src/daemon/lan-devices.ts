// The household's devices as burrowd reports them (status `lanDevices`): every device in the DHCP leases or the LAN
// bridge's neighbour table, joined by MAC, with the bytes the kernel counted for it (device-counters.ts). Bytes
// from a device are counted by its MAC; bytes to it by address, which is mapped to the MAC through the leases and
// the neighbour table, or, for an address the device no longer holds, through the last MAC seen with it.
import { LEAK_PROBE_DEVICE_MAC, LEAK_PROBE_LINK_MAC } from '../control/leak-probe.js';
import { type DhcpLease } from '../os/dhcp-leases.js';
import { addressKey, type DeviceCounts } from '../os/device-counters.js';
import { type Neighbour, type NeighbourState } from '../os/lan-neighbours.js';
import { isCanonicalMac } from '../net/mac.js';

export interface LanDeviceStatus {
  mac: string;
  hostname: string | null;
  ipv4: string[];
  ipv6: string[];
  neighbour: NeighbourState | null;
  leaseExpires: string | null;
  rxBytes: number;
  txBytes: number;
}

/** The most telling first: a device reachable on any address is reachable. */
const NEIGHBOUR_RANK: readonly NeighbourState[] = [
  'reachable',
  'delay',
  'probe',
  'stale',
  'permanent',
  'noarp',
  'incomplete',
  'failed',
];
/** The router's own leak probe sits on the LAN bridge for a moment during a self-test: not a household device. */
const ROUTER_OWN = new Set([LEAK_PROBE_DEVICE_MAC, LEAK_PROBE_LINK_MAC]);

/**
 * Joins the three sources by MAC, in MAC order. `owners` (address → MAC) remembers who held an address, so bytes
 * counted to an address a device has given up still count for it; it is updated in place with what is seen now, and
 * forgets an address that is neither seen nor counted any more.
 */
export function joinLanDevices(
  leases: readonly DhcpLease[],
  neighbours: readonly Neighbour[],
  counts: DeviceCounts,
  owners: Map<string, string> = new Map(),
): LanDeviceStatus[] {
  const devices = new Map<string, LanDeviceStatus & { addresses: Set<string> }>();
  const device = (mac: string) => {
    let found = devices.get(mac);
    if (found === undefined) {
      found = {
        mac,
        hostname: null,
        ipv4: [],
        ipv6: [],
        neighbour: null,
        leaseExpires: null,
        rxBytes: 0,
        txBytes: 0,
        addresses: new Set(),
      };
      devices.set(mac, found);
    }
    return found;
  };
  for (const lease of leases) {
    const mac = lease.mac?.toLowerCase();
    const ip = addressKey(lease.ip);
    if (mac === undefined || !isCanonicalMac(mac) || ROUTER_OWN.has(mac) || ip === null) {
      continue;
    }
    const entry = device(mac);
    entry.addresses.add(ip);
    entry.hostname ??= lease.hostname;
    const expires = lease.expires?.toISOString() ?? null;
    if (entry.leaseExpires === null || (expires !== null && expires > entry.leaseExpires)) {
      entry.leaseExpires = expires;
    }
  }
  for (const neighbour of neighbours) {
    if (
      neighbour.mac === null ||
      ROUTER_OWN.has(neighbour.mac) ||
      neighbour.state === 'failed' ||
      neighbour.state === 'incomplete'
    ) {
      continue;
    }
    const entry = device(neighbour.mac);
    entry.addresses.add(neighbour.ip);
    if (neighbour.state !== null && rank(neighbour.state) < rank(entry.neighbour)) {
      entry.neighbour = neighbour.state;
    }
  }
  for (const entry of devices.values()) {
    for (const ip of entry.addresses) {
      owners.set(ip, entry.mac);
    }
  }
  for (const [mac, bytes] of counts.tx) {
    if (devices.has(mac)) {
      device(mac).txBytes += bytes;
    }
  }
  for (const [ip, bytes] of counts.rx) {
    const mac = owners.get(ip);
    if (mac !== undefined && devices.has(mac)) {
      device(mac).rxBytes += bytes;
    }
  }
  // Only an address seen now or still counted needs its owner: the rest goes, or a device making up addresses (or
  // just IPv6 privacy addresses, over months) would grow burrowd's memory at every status poll. Both are bounded:
  // the kernel's tables and the counts (device-counters.ts).
  const seen = new Set([...devices.values()].flatMap((entry) => [...entry.addresses]));
  for (const ip of owners.keys()) {
    if (!seen.has(ip) && !counts.rx.has(ip)) {
      owners.delete(ip);
    }
  }
  return [...devices.values()]
    .sort((a, b) => (a.mac < b.mac ? -1 : a.mac > b.mac ? 1 : 0))
    .map(({ addresses, ...entry }) => ({
      ...entry,
      ipv4: sortedAddresses(addresses, 4),
      ipv6: sortedAddresses(addresses, 16),
    }));
}

function rank(state: NeighbourState | null): number {
  return state === null ? NEIGHBOUR_RANK.length : NEIGHBOUR_RANK.indexOf(state);
}

function sortedAddresses(addresses: ReadonlySet<string>, length: 4 | 16): string[] {
  return [...addresses].filter((ip) => (length === 4 ? !ip.includes(':') : ip.includes(':'))).sort();
}
