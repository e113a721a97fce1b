// The household's parts of the desired state: what each LAN device may do (keyed by MAC, so a device that changes
// its address keeps its policy), the LAN's address reservations and domain, and remote access (the router as a
// WireGuard server for the household's phones, a second engine of our own beside the upstream one).
//
// Every LAN device goes through the tunnel unless a policy here says otherwise: `blocked` reaches only the
// router, `direct` leaves through the WAN in the clear (an admin's explicit exception). A remote device reaches
// the LAN (`lan`), or the LAN and the Internet through the upstream tunnel only (`internet`); never the WAN.
import { z } from 'zod';
import {
  canonicalPrefix,
  contains,
  formatIp,
  formatIpPrefix,
  isHostOf,
  overlaps,
  parseIp,
  parseIpPrefix,
} from '../net/ip.js';
import {
  interfaceAddress,
  interfaceName,
  ipv4Address,
  isDnsLabel,
  isHostname,
  key,
  port,
  text,
} from './state-fields.js';

export const DEFAULT_REMOTE_INTERFACE = 'wg1';
export const DEFAULT_REMOTE_PORT = 51820;
/** 51821 in hex: marks the remote-access engine's UDP packets, as DEFAULT_FWMARK does the upstream engine's. */
export const DEFAULT_REMOTE_FWMARK = 0xca6d;
/** Set on a direct device's IPv4 packets (lan-device-rules.ts) for the routing rule; no engine may use it. */
export const DIRECT_FWMARK = 0xd1ec;
/**
 * UDP ports the router serves or uses itself (DNS, DHCP, NTP, DHCPv6): the WAN opens the listen port to everyone,
 * so one of these would open that service to the WAN (or clash with it).
 */
export const ROUTER_UDP_PORTS: readonly number[] = [53, 67, 68, 123, 546, 547];
export const DEFAULT_LAN_DOMAIN = 'lan';
export const RESERVATIONS_MAX = 256;
export const POLICIES_MAX = 1024;
export const REMOTE_PEERS_MAX = 250;

/** A MAC address, canonical as lowercase colon-separated pairs; a multicast (group) address is not a device. */
export const macAddress = text((value) => {
  const match = /^([0-9a-f]{2})([:-])[0-9a-f]{2}(\2[0-9a-f]{2}){4}$/i.exec(value);
  if (match === null) {
    return { problem: 'must be a MAC address like 3c:22:fb:12:34:56' };
  }
  if ((parseInt(match[1]!, 16) & 1) === 1) {
    return { problem: 'must be the address of one device, not a multicast address' };
  }
  return { value: value.toLowerCase().replaceAll('-', ':') };
});

/** A name dnsmasq hands out with a reservation: one DNS label. */
const hostLabel = text((value) =>
  isDnsLabel(value) ? { value } : { problem: 'must be one DNS label: letters, digits, -' },
);

const localDomain = text((value) =>
  isHostname(value) ? { value: value.toLowerCase().replace(/\.$/, '') } : { problem: 'must be a domain name' },
);

export const devicePolicySchema = z.strictObject({
  mac: macAddress,
  /** Absent from the list: `tunnel`, the default for every device, known or new. */
  policy: z.enum(['blocked', 'direct']),
});

export const reservationSchema = z.strictObject({
  mac: macAddress,
  /** Inside the LAN subnet, not the router's address; may be outside the DHCP range. */
  ipv4: ipv4Address,
  hostname: hostLabel.optional(),
});

/** What the household sets on its LAN beside the board's links; checked against the subnet in `refineLanExtras`. */
export const lanExtraFields = {
  /** The domain LAN names are answered in (dnsmasq's domain=), never forwarded upstream. */
  domain: localDomain.default(DEFAULT_LAN_DOMAIN),
  reservations: z.array(reservationSchema).max(RESERVATIONS_MAX).default([]),
  policies: z.array(devicePolicySchema).max(POLICIES_MAX).default([]),
};

export function refineLanExtras(
  lan: { address: string; reservations: { mac: string; ipv4: string }[]; policies: { mac: string }[] },
  ctx: z.RefinementCtx,
): void {
  const subnet = parseIpPrefix(lan.address)!;
  const router = formatIp(subnet.bytes);
  const macs = new Set<string>();
  const addresses = new Set<string>();
  lan.reservations.forEach((reservation, index) => {
    const bytes = parseIp(reservation.ipv4)!;
    if (!contains(subnet, bytes) || !isHostOf({ ...subnet, bytes }) || reservation.ipv4 === router) {
      const network = formatIpPrefix(canonicalPrefix(subnet));
      ctx.addIssue({
        code: 'custom',
        path: ['reservations', index, 'ipv4'],
        message: `must be a host address inside ${network}, not the router's`,
      });
    }
    if (macs.has(reservation.mac)) {
      ctx.addIssue({ code: 'custom', path: ['reservations', index, 'mac'], message: 'has another reservation' });
    }
    if (addresses.has(reservation.ipv4)) {
      ctx.addIssue({
        code: 'custom',
        path: ['reservations', index, 'ipv4'],
        message: 'is reserved for another device',
      });
    }
    macs.add(reservation.mac);
    addresses.add(reservation.ipv4);
  });
  const policed = new Set<string>();
  lan.policies.forEach((policy, index) => {
    if (policed.has(policy.mac)) {
      ctx.addIssue({ code: 'custom', path: ['policies', index, 'mac'], message: 'has another policy' });
    }
    policed.add(policy.mac);
  });
}

/** A host route: one address of the remote-access subnet, as wg(8)'s allowed IPs for one device. */
const hostPrefix = text((value) => {
  const prefix = parseIpPrefix(value.includes('/') ? value : `${value}/${value.includes(':') ? 128 : 32}`);
  if (prefix === null || prefix.cidr !== (prefix.family === 4 ? 32 : 128)) {
    return { problem: 'must be one address, like 10.99.0.2/32 or fd99::2/128' };
  }
  return { value: formatIpPrefix(prefix) };
});

export const remotePeerSchema = z.strictObject({
  /** The API's id of the device: status and events name it. */
  id: z.number().int().min(1),
  publicKey: key,
  presharedKey: key.optional(),
  /** The device's own addresses inside the remote-access subnets (one per family). */
  allowedIps: z.array(hostPrefix).min(1).max(2),
  /** `lan`: the LAN only; `internet`: the LAN, and the Internet through the upstream tunnel (never the WAN). */
  reach: z.enum(['lan', 'internet']),
  /** After this instant burrowd removes the peer by itself, also while the API is down. */
  expiresAt: z.iso.datetime({ offset: true }).optional(),
});

export const remoteAccessSchema = z
  .strictObject({
    interface: interfaceName.default(DEFAULT_REMOTE_INTERFACE),
    /** The UDP port the WAN opens for it, and only it. */
    listenPort: port.default(DEFAULT_REMOTE_PORT),
    fwmark: z.number().int().min(1).max(0xffffffff).default(DEFAULT_REMOTE_FWMARK),
    /** The router's key as the devices' server. A secret: never logged, never in an error or a report. */
    privateKey: key,
    /** The router's addresses on the interface with the devices' subnet, one per family: "10.99.0.1/24", "fd99::1/64". */
    addresses: z.array(interfaceAddress).min(1).max(2),
    peers: z.array(remotePeerSchema).max(REMOTE_PEERS_MAX),
  })
  .superRefine((remote, ctx) => {
    if (ROUTER_UDP_PORTS.includes(remote.listenPort)) {
      ctx.addIssue({
        code: 'custom',
        path: ['listenPort'],
        message: `is a port the router uses itself (${ROUTER_UDP_PORTS.join(', ')})`,
      });
    }
    if (remote.fwmark === DIRECT_FWMARK) {
      ctx.addIssue({ code: 'custom', path: ['fwmark'], message: "is the direct devices' mark" });
    }
    const subnets = remote.addresses.map((address) => parseIpPrefix(address)!);
    subnets.forEach((subnet, index) => {
      if (!isHostOf(subnet) || subnet.cidr > (subnet.family === 4 ? 30 : 126)) {
        ctx.addIssue({ code: 'custom', path: ['addresses', index], message: 'must be a host address in a subnet' });
      }
      if (subnets.slice(0, index).some((other) => other.family === subnet.family)) {
        ctx.addIssue({ code: 'custom', path: ['addresses', index], message: 'repeats an address family' });
      }
    });
    const keys = new Set<string>();
    const claimed = new Set<string>();
    remote.peers.forEach((peer, index) => {
      if (keys.has(peer.publicKey)) {
        ctx.addIssue({ code: 'custom', path: ['peers', index, 'publicKey'], message: 'repeats another device key' });
      }
      keys.add(peer.publicKey);
      peer.allowedIps.forEach((address, slot) => {
        const host = parseIpPrefix(address)!;
        const subnet = subnets.find((candidate) => candidate.family === host.family);
        const routerOwn = subnet !== undefined && formatIpPrefix({ ...subnet, cidr: host.cidr }) === address;
        if (
          subnet === undefined ||
          !contains(subnet, host.bytes) ||
          !isHostOf({ ...subnet, bytes: host.bytes }) ||
          routerOwn
        ) {
          ctx.addIssue({
            code: 'custom',
            path: ['peers', index, 'allowedIps', slot],
            message: "must be a host address of the remote-access subnet, not the router's",
          });
        }
        if (claimed.has(address)) {
          ctx.addIssue({ code: 'custom', path: ['peers', index, 'allowedIps', slot], message: "is another device's" });
        }
        claimed.add(address);
      });
    });
  });

export type RemoteAccessState = z.output<typeof remoteAccessSchema>;
export type RemotePeerState = RemoteAccessState['peers'][number];
export type DevicePolicy = z.output<typeof devicePolicySchema>;
export type Reservation = z.output<typeof reservationSchema>;

/** Whether any of the remote-access subnets overlaps `prefix` (the LAN's, a tunnel address). */
export function remoteOverlaps(remote: RemoteAccessState, prefix: string): boolean {
  const other = canonicalPrefix(parseIpPrefix(prefix)!);
  return remote.addresses.some((address) => overlaps(canonicalPrefix(parseIpPrefix(address)!), other));
}

/** The peers in force at `now`: an expired device is left out, so it can complete no handshake. */
export function activeRemotePeers(remote: RemoteAccessState, now: Date): RemotePeerState[] {
  return remote.peers.filter((peer) => peer.expiresAt === undefined || Date.parse(peer.expiresAt) > now.getTime());
}

/** Remote access for logs and reports: the router's key redacted, device keys shortened, no preshared key. */
export function redactRemoteAccess(remote: RemoteAccessState): unknown {
  return {
    ...remote,
    privateKey: '(redacted)',
    peers: remote.peers.map(({ presharedKey, ...peer }) => ({
      ...peer,
      publicKey: `${peer.publicKey.slice(0, 4)}…${peer.publicKey.slice(39, 43)}`,
      ...(presharedKey === undefined ? {} : { presharedKey: '(redacted)' }),
    })),
  };
}
