// Reading the household's parts of burrowd's status report (remote-access peers, LAN devices, the LAN in force, the
// WAN's address): each field checked, an entry that does not read left out. burrowd reports no key but public ones.
import { count, isRecord, list, text } from './report-fields.js';
import { readRouterInterfaces } from './router-report.js';
import { isCanonicalMac } from '@burrow/firmware/net/mac';

export interface RemotePeerReport {
  publicKey: string;
  endpoint: string | null;
  lastHandshake: string | null;
  rxBytes: number;
  txBytes: number;
}

export type NeighbourState =
  'reachable' | 'stale' | 'delay' | 'probe' | 'failed' | 'incomplete' | 'permanent' | 'noarp';

export interface LanDeviceReport {
  mac: string;
  hostname: string | null;
  ipv4: string[];
  ipv6: string[];
  neighbour: NeighbourState | null;
  leaseExpires: string | null;
  /** Cumulative while burrowd runs; may go back to 0 when it restarts. */
  rxBytes: number;
  txBytes: number;
}

export interface LanInForce {
  address: string;
  dhcp: { rangeStart: string; rangeEnd: string; leaseSeconds: number };
  domain: string;
  ipv6Prefix: string | null;
}

const NEIGHBOUR_STATES = new Set([
  'reachable',
  'stale',
  'delay',
  'probe',
  'failed',
  'incomplete',
  'permanent',
  'noarp',
]);

/** The remote-access engine's peers; empty when remote access is off or burrowd did not say. */
export function readRemotePeers(raw: unknown): RemotePeerReport[] {
  const remote = isRecord(raw) && isRecord(raw['remoteAccess']) ? raw['remoteAccess'] : null;
  return list(remote?.['peers']).flatMap((peer) =>
    isRecord(peer) && typeof peer['publicKey'] === 'string'
      ? [
          {
            publicKey: peer['publicKey'],
            endpoint: text(peer['endpoint']),
            lastHandshake: validTime(peer['lastHandshake']),
            rxBytes: count(peer['rxBytes']),
            txBytes: count(peer['txBytes']),
          },
        ]
      : [],
  );
}

/** The devices burrowd sees on the LAN; null when the report has no such list (burrowd down, or older). */
export function readLanDevices(raw: unknown): LanDeviceReport[] | null {
  if (!isRecord(raw) || !Array.isArray(raw['lanDevices'])) {
    return null;
  }
  return raw['lanDevices'].flatMap((device): LanDeviceReport[] => {
    if (!isRecord(device) || typeof device['mac'] !== 'string') {
      return [];
    }
    const mac = device['mac'].toLowerCase().replaceAll('-', ':');
    if (!isCanonicalMac(mac)) {
      return [];
    }
    const neighbour = String(device['neighbour']);
    return [
      {
        mac,
        hostname: text(device['hostname']),
        ipv4: list(device['ipv4']).filter((value): value is string => typeof value === 'string'),
        ipv6: list(device['ipv6']).filter((value): value is string => typeof value === 'string'),
        neighbour: NEIGHBOUR_STATES.has(neighbour) ? (neighbour as NeighbourState) : null,
        leaseExpires: validTime(device['leaseExpires']),
        rxBytes: count(device['rxBytes']),
        txBytes: count(device['txBytes']),
      },
    ];
  });
}

/** The LAN burrowd runs (its `state.lan`, the board's unless the household changed it); null when unknown. */
export function readLanInForce(raw: unknown): LanInForce | null {
  const state = isRecord(raw) && isRecord(raw['state']) ? raw['state'] : null;
  const lan = state !== null && isRecord(state['lan']) ? state['lan'] : null;
  const dhcp = lan !== null && isRecord(lan['dhcp']) ? lan['dhcp'] : null;
  const address = text(lan?.['address']);
  const rangeStart = text(dhcp?.['rangeStart']);
  const rangeEnd = text(dhcp?.['rangeEnd']);
  if (lan === null || address === null || rangeStart === null || rangeEnd === null) {
    return null;
  }
  return {
    address,
    dhcp: { rangeStart, rangeEnd, leaseSeconds: count(dhcp?.['leaseSeconds']) },
    domain: text(lan['domain']) ?? 'lan',
    ipv6Prefix: text(lan['ipv6Prefix']),
  };
}

/** The upstream engine's fixed UDP port in force, if it has one. */
export function readUpstreamListenPort(raw: unknown): number | null {
  const state = isRecord(raw) && isRecord(raw['state']) ? raw['state'] : null;
  const tunnel = state !== null && isRecord(state['tunnel']) ? state['tunnel'] : null;
  const port = tunnel?.['listenPort'];
  return typeof port === 'number' && Number.isInteger(port) ? port : null;
}

/** The WAN's first IPv4 address (no prefix length), as burrowd reads its interfaces. */
export function readWanAddress(raw: unknown): string | null {
  const wan = readRouterInterfaces(raw)?.find((entry) => entry.role === 'wan');
  return wan?.addresses.find((address) => address.family === 'ipv4')?.address ?? null;
}

function validTime(value: unknown): string | null {
  return typeof value === 'string' && !Number.isNaN(Date.parse(value)) ? new Date(value).toISOString() : null;
}
