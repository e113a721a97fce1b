// The desired state: everything burrowd needs to build the router's network, sent whole by the api and applied
// whole by the reconciler. Validated strictly here, once, at the edge: values end up in nftables rules, dnsmasq
// and wg-quick style files, so anything odd is refused with the path of the field, and never echoed back
// (a private key pasted into the wrong field must not reappear in an error or a log).
import { z } from 'zod';
import {
  canonicalPrefix,
  contains,
  covers,
  formatIpPrefix,
  isHostOf,
  overlaps,
  parseIp,
  parseIpPrefix,
  type IpPrefix,
} from '../net/ip.js';
import {
  describeIssue,
  endpoint,
  formatPath,
  interfaceAddress,
  interfaceName,
  ipAddress,
  ipv4Address,
  isHostname,
  key,
  lanAddress,
  port,
  routedPrefix,
  text,
  ulaAddress,
} from './state-fields.js';
import {
  lanExtraFields,
  redactRemoteAccess,
  refineLanExtras,
  remoteAccessSchema,
  remoteOverlaps,
  type RemoteAccessState,
} from './household-state.js';

export {
  describeIssue,
  formatPath,
  interfaceName,
  isHostname,
  isInterfaceName,
  joinEndpoint,
  splitEndpoint,
  text,
} from './state-fields.js';

export const DEFAULT_LAN_INTERFACE = 'br-lan';
export const DEFAULT_TUNNEL_INTERFACE = 'wg0';
export const DEFAULT_TUNNEL_MTU = 1420;
/** 51820 in hex, as wg-quick uses: marks the engine's own UDP packets so policy routing sends them out the WAN. */
export const DEFAULT_FWMARK = 0xca6c;
export const DEFAULT_LEASE_SECONDS = 12 * 60 * 60;

export const dhcpSchema = z.strictObject({
  /** First address handed out; inside the LAN subnet. */
  rangeStart: ipv4Address,
  /** Last address handed out; inside the LAN subnet, not before rangeStart. */
  rangeEnd: ipv4Address,
  /** Lease time; dnsmasq's minimum is two minutes. */
  leaseSeconds: z
    .number()
    .int()
    .min(120)
    .max(366 * 24 * 60 * 60)
    .default(DEFAULT_LEASE_SECONDS),
});

const lanSchema = z
  .strictObject({
    /** The bridge the LAN devices share; the router's address lives on it. */
    interface: interfaceName.default(DEFAULT_LAN_INTERFACE),
    /** Physical interfaces enslaved to the bridge (may be empty while none is plugged in). */
    ports: z.array(interfaceName).max(64),
    /** The router's IPv4 address on the LAN with the subnet's prefix length, e.g. 192.168.8.1/24. */
    address: lanAddress,
    /** The router's address in a ULA /64 advertised to the LAN; absent: the LAN gets no IPv6 beyond link-local. */
    ipv6Prefix: ulaAddress.optional(),
    /** The IPv4 DHCP server on the LAN (dnsmasq). */
    dhcp: dhcpSchema,
    ...lanExtraFields,
  })
  .superRefine((lan, ctx) => {
    refineLanExtras(lan, ctx);
    const subnet = parseIpPrefix(lan.address)!;
    const start = parseIp(lan.dhcp.rangeStart)!;
    const end = parseIp(lan.dhcp.rangeEnd)!;
    for (const [field, bytes] of [
      ['rangeStart', start],
      ['rangeEnd', end],
    ] as const) {
      if (!contains(subnet, bytes) || !isHostOf({ ...subnet, bytes })) {
        const network = formatIpPrefix(canonicalPrefix(subnet));
        ctx.addIssue({ code: 'custom', path: ['dhcp', field], message: `must be a host address inside ${network}` });
      }
    }
    if (compareBytes(start, end) > 0) {
      ctx.addIssue({ code: 'custom', path: ['dhcp', 'rangeEnd'], message: 'must not come before rangeStart' });
    }
    if (compareBytes(start, subnet.bytes) <= 0 && compareBytes(subnet.bytes, end) <= 0) {
      ctx.addIssue({ code: 'custom', path: ['dhcp'], message: "the range must not include the router's own address" });
    }
  });

export const peerSchema = z.strictObject({
  /** The server's public key, base64 (wg's PublicKey). */
  publicKey: key,
  /** Optional extra symmetric key (wg's PresharedKey); a secret like privateKey. */
  presharedKey: key.optional(),
  /** Where the server listens: "host:port" or "[IPv6]:port" (wg's Endpoint). */
  endpoint,
  /** What the peer may send and what is routed to it; ::/0 here is what makes the tunnel carry IPv6. */
  allowedIps: z.array(routedPrefix).min(1).max(1024),
  /** Seconds between keepalives through NAT; 0 or absent: off. */
  persistentKeepalive: z.number().int().min(0).max(65535).optional(),
});

/** A DNS search domain handed to LAN devices by DHCP (wg-quick's DNS line may carry them). */
const searchDomain = text((value) =>
  isHostname(value) ? { value: value.toLowerCase().replace(/\.$/, '') } : { problem: 'must be a domain name' },
);

/** What a VPN provider's profile sets: keys, addresses, resolvers and servers (wg-quick's fields). */
export const profileFields = {
  /** This router's private key, base64 (wg's PrivateKey). A secret: never logged, never in an error. */
  privateKey: key,
  /** The tunnel's own addresses, one or more of each family (wg-quick's Address). */
  addresses: z.array(interfaceAddress).min(1).max(16),
  /** Resolvers inside the tunnel; the router's dnsmasq forwards LAN queries only to these. */
  dns: z.array(ipAddress).min(1).max(8),
  /** Search domains for LAN devices, from the DNS line. */
  searchDomains: z.array(searchDomain).max(8).default([]),
  /** Of the TUN interface; 1280 is the least IPv6 allows, 1420 fits WireGuard in a 1500-byte WAN. */
  mtu: z.number().int().min(1280).max(1500).default(DEFAULT_TUNNEL_MTU),
  /** The VPN server(s); usually exactly one. */
  peers: z.array(peerSchema).min(1).max(16),
};

/** Where this router's engine sends from: shared by every profile of one WireGuard interface. */
export const engineFields = {
  /** The TUN interface burrow-wg creates. */
  interface: interfaceName.default(DEFAULT_TUNNEL_INTERFACE),
  /** Fixed UDP port; absent: the engine picks one. */
  listenPort: port.optional(),
  /** Mark on the engine's UDP socket (SO_MARK): policy routing and the kill switch recognise tunnel packets by it. */
  fwmark: z.number().int().min(1).max(0xffffffff).default(DEFAULT_FWMARK),
};

type ProfileFields = z.output<z.ZodObject<typeof profileFields>>;

/** Peers have distinct keys, and every resolver is reached through some peer's allowed IPs. */
export function refineProfile(profile: ProfileFields, ctx: z.RefinementCtx): void {
  const seen = new Map<string, number>();
  profile.peers.forEach((peer, index) => {
    if (seen.has(peer.publicKey)) {
      ctx.addIssue({
        code: 'custom',
        path: ['peers', index, 'publicKey'],
        message: `repeats the key of peers[${seen.get(peer.publicKey)}]`,
      });
    }
    seen.set(peer.publicKey, index);
  });
  const routed = profile.peers.flatMap((peer) => peer.allowedIps.map((text) => parseIpPrefix(text)!));
  profile.dns.forEach((server, index) => {
    if (!routed.some((prefix) => contains(prefix, parseIp(server)!))) {
      ctx.addIssue({
        code: 'custom',
        path: ['dns', index],
        message: "is outside every peer's allowedIps, so queries to it could not go through the tunnel",
      });
    }
  });
}

const tunnelSchema = z.strictObject({ ...engineFields, ...profileFields }).superRefine(refineProfile);

/** The router's own links: its uplink and its LAN (board facts and the household's LAN plan). */
export const networkFields = {
  wan: z.strictObject({
    /** The uplink interface (DHCP client on it is managed by the OS). */
    interface: interfaceName,
  }),
  lan: lanSchema,
};

export const desiredStateSchema = z
  .strictObject({
    /** The shape of this document; bumped (with a migration in the api) when it changes. */
    version: z.literal(1),
    /** On: LAN traffic leaves only through the tunnel, also while it is down. Off: it falls back to the WAN. */
    killSwitch: z.boolean().default(true),
    ...networkFields,
    /** null: no tunnel configured (with the kill switch on, the LAN then reaches only the router). */
    tunnel: tunnelSchema.nullable(),
    /** null: remote access is off (no second engine, no port open on the WAN). */
    remoteAccess: remoteAccessSchema.nullable().default(null),
  })
  .superRefine((state, ctx) => {
    const owners = new Map<string, string>();
    const claim = (name: string, path: (string | number)[]) => {
      const owner = owners.get(name);
      if (owner !== undefined) {
        ctx.addIssue({ code: 'custom', path, message: `names the same interface as ${owner}` });
      }
      owners.set(name, formatPath(path));
    };
    claim(state.wan.interface, ['wan', 'interface']);
    claim(state.lan.interface, ['lan', 'interface']);
    state.lan.ports.forEach((name, index) => claim(name, ['lan', 'ports', index]));
    if (state.tunnel !== null) {
      claim(state.tunnel.interface, ['tunnel', 'interface']);
      const lanSubnet = canonicalPrefix(parseIpPrefix(state.lan.address)!);
      state.tunnel.addresses.forEach((address, index) => {
        if (overlaps(lanSubnet, canonicalPrefix(parseIpPrefix(address)!))) {
          ctx.addIssue({ code: 'custom', path: ['tunnel', 'addresses', index], message: 'overlaps the LAN subnet' });
        }
      });
    }
    if (state.remoteAccess !== null) {
      refineRemoteAccess(state, state.remoteAccess, ctx);
      claim(state.remoteAccess.interface, ['remoteAccess', 'interface']);
    }
  });

/** Remote access beside the rest: its subnets clear of the LAN's and the tunnel's, its port not the engine's. */
function refineRemoteAccess(
  state: { lan: LanInput; tunnel: TunnelState | null },
  remote: RemoteAccessState,
  ctx: z.RefinementCtx,
): void {
  if (remoteOverlaps(remote, state.lan.address)) {
    ctx.addIssue({ code: 'custom', path: ['remoteAccess', 'addresses'], message: 'overlaps the LAN subnet' });
  }
  if (state.lan.ipv6Prefix !== undefined && remoteOverlaps(remote, state.lan.ipv6Prefix)) {
    ctx.addIssue({ code: 'custom', path: ['remoteAccess', 'addresses'], message: "overlaps the LAN's IPv6 prefix" });
  }
  state.tunnel?.addresses.forEach((address) => {
    if (remoteOverlaps(remote, address)) {
      ctx.addIssue({ code: 'custom', path: ['remoteAccess', 'addresses'], message: "overlaps the tunnel's addresses" });
    }
  });
  if (state.tunnel?.listenPort === remote.listenPort) {
    ctx.addIssue({ code: 'custom', path: ['remoteAccess', 'listenPort'], message: "is the upstream engine's port" });
  }
  // Each engine's packets are told apart by their mark (routing rule 1001, the kill switch's output rules).
  if (state.tunnel?.fwmark === remote.fwmark) {
    ctx.addIssue({ code: 'custom', path: ['remoteAccess', 'fwmark'], message: "is the upstream engine's mark" });
  }
}

type LanInput = { address: string; ipv6Prefix?: string | undefined };

export type DesiredState = z.output<typeof desiredStateSchema>;
/** What a sender may write: fields with defaults may be left out. */
export type DesiredStateInput = z.input<typeof desiredStateSchema>;
export type LanState = DesiredState['lan'];
export type TunnelState = NonNullable<DesiredState['tunnel']>;
export type PeerState = TunnelState['peers'][number];

export type ParseResult = { ok: true; state: DesiredState } | { ok: false; errors: string[] };

/** Validates anything (parsed JSON from the api) into a state with defaults filled and addresses canonical. */
export function parseDesiredState(input: unknown): ParseResult {
  const result = desiredStateSchema.safeParse(input, { error: describeIssue, reportInput: false });
  if (result.success) {
    return { ok: true, state: result.data };
  }
  return { ok: false, errors: result.error.issues.map((issue) => `${formatPath(issue.path)}: ${issue.message}`) };
}

/** The state as one line of JSON for logs: private and preshared keys redacted, public keys shortened. */
export function describeState(state: DesiredState): string {
  const shortKey = (publicKey: string) => `${publicKey.slice(0, 4)}…${publicKey.slice(39, 43)}`;
  const tunnel = state.tunnel && {
    ...state.tunnel,
    privateKey: '(redacted)',
    peers: state.tunnel.peers.map((peer) => ({
      ...peer,
      publicKey: shortKey(peer.publicKey),
      ...(peer.presharedKey === undefined ? {} : { presharedKey: '(redacted)' }),
    })),
  };
  return JSON.stringify({
    ...state,
    tunnel,
    remoteAccess: state.remoteAccess && redactRemoteAccess(state.remoteAccess),
  });
}

/** Whether LAN IPv6 goes through the tunnel: it has an IPv6 address and its peers route all of IPv6 (::/0). */
export function tunnelCarriesIpv6(tunnel: TunnelState): boolean {
  const hasAddress = tunnel.addresses.some((address) => parseIpPrefix(address)!.family === 6);
  const routed = tunnel.peers.flatMap((peer) => peer.allowedIps.map((text) => parseIpPrefix(text)!));
  const routed6 = routed.filter((prefix) => prefix.family === 6);
  return hasAddress && covers(routed6, ALL_IPV6);
}

const ALL_IPV6: IpPrefix = { family: 6, bytes: new Uint8Array(16), cidr: 0 };

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  return Buffer.compare(a, b);
}
