// The desired state: everything burrowd needs to build the router's network, sent whole by the api and applied
// whole by the reconciler. Validated strictly here, once, at the edge: values end up in nftables rules, dnsmasq
// and wg-quick style files, so anything odd is refused with the path of the field, and never echoed back
// (a private key pasted into the wrong field must not reappear in an error or a log).
import { z } from 'zod';
import { decodeKeyBase64 } from '../crypto/keys.js';
import {
  canonicalPrefix,
  contains,
  covers,
  formatIp,
  formatIpPrefix,
  isHostOf,
  overlaps,
  parseIp,
  parseIpPrefix,
  type IpPrefix,
} from '../net/ip.js';

export const DEFAULT_LAN_INTERFACE = 'br-lan';
export const DEFAULT_TUNNEL_INTERFACE = 'wg0';
export const DEFAULT_TUNNEL_MTU = 1420;
/** 51820 in hex, as wg-quick uses: marks the engine's own UDP packets so policy routing sends them out the WAN. */
export const DEFAULT_FWMARK = 0xca6c;
export const DEFAULT_LEASE_SECONDS = 12 * 60 * 60;

// Stricter than the kernel (which allows anything but '/', ':' and whitespace): names are quoted into nftables
// rules and dnsmasq options, where a '"' or '*' would change the meaning.
const INTERFACE_NAME = /^[A-Za-z0-9_.-]{1,15}$/;
const HOSTNAME_LABEL = /^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$/;
const MAX_TEXT = 1024;

/** C0 controls, DEL, C1 controls and the Unicode line separators: none of them belong in a config file. */
function hasControlCharacter(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code < 0x20 || (code >= 0x7f && code <= 0x9f) || code === 0x2028 || code === 0x2029) {
      return true;
    }
  }
  return false;
}

/** Whether `name` is an interface name this project accepts (also checked by the renderers, as defence in depth). */
export function isInterfaceName(name: string): boolean {
  return INTERFACE_NAME.test(name) && name !== '.' && name !== '..';
}

/** A string schema whose checker returns a problem (never quoting the value) or its canonical form. */
export function text(check: (value: string) => { problem: string } | { value: string }) {
  return z
    .string()
    .max(MAX_TEXT)
    .transform((value, ctx) => {
      const result = hasControlCharacter(value) ? { problem: 'must not contain control characters' } : check(value);
      if ('problem' in result) {
        ctx.addIssue({ code: 'custom', message: result.problem });
        return z.NEVER;
      }
      return result.value;
    });
}

export const interfaceName = text((value) =>
  isInterfaceName(value)
    ? { value }
    : { problem: 'must be an interface name: 1-15 characters of A-Z a-z 0-9 _ . - (not "." or "..")' },
);

const key = text((value) => {
  const decoded = decodeKeyBase64(value);
  return decoded.ok ? { value } : { problem: decoded.reason };
});

const ipAddress = text((value) => {
  const bytes = parseIp(value);
  return bytes === null ? { problem: 'must be an IPv4 or IPv6 address' } : { value: formatIp(bytes) };
});

const ipv4Address = text((value) => {
  const bytes = parseIp(value);
  return bytes?.length === 4 ? { value: formatIp(bytes) } : { problem: 'must be an IPv4 address like 192.168.8.100' };
});

/** An interface address with its prefix length ("10.2.0.2/32"); host bits are kept. */
const interfaceAddress = text((value) => {
  const prefix = value.includes('/') ? parseIpPrefix(value) : null;
  return prefix === null
    ? { problem: 'must be an address with a prefix length, like 10.2.0.2/32 or fd00::2/128' }
    : { value: formatIpPrefix(prefix) };
});

/** A routed prefix; host bits are cleared, as wg(8) stores allowed IPs. */
const routedPrefix = text((value) => {
  const prefix = parseIpPrefix(value);
  return prefix === null
    ? { problem: 'must be a prefix like 0.0.0.0/0, ::/0 or 10.0.0.0/8' }
    : { value: formatIpPrefix(canonicalPrefix(prefix)) };
});

const lanAddress = text((value) => {
  const prefix = value.includes('/') ? parseIpPrefix(value) : null;
  if (prefix?.family !== 4 || prefix.cidr < 8 || prefix.cidr > 30) {
    return { problem: "must be the router's IPv4 address with a prefix length of 8-30, like 192.168.8.1/24" };
  }
  if (!isHostOf(prefix)) {
    return { problem: 'must be a host address, not the network or broadcast address of its subnet' };
  }
  return { value: formatIpPrefix(prefix) };
});

const ulaAddress = text((value) => {
  const prefix = value.includes('/') ? parseIpPrefix(value) : null;
  if (prefix?.family !== 6 || prefix.cidr !== 64 || (prefix.bytes[0]! & 0xfe) !== 0xfc) {
    return { problem: "must be the router's unique local IPv6 address in a /64 (fc00::/7), like fd12:3456:789a::1/64" };
  }
  if (!isHostOf(prefix)) {
    return { problem: 'must be a host address, not the subnet-router anycast address ending in ::' };
  }
  return { value: formatIpPrefix(prefix) };
});

/** "host:port" (a name or an IPv4 address) or "[IPv6]:port"; names are resolved later, by the reconciler. */
const endpoint = text((value) => {
  const parsed = splitEndpoint(value);
  return 'problem' in parsed ? parsed : { value: joinEndpoint(parsed.host, parsed.port) };
});

const port = z.number().int().min(1).max(65535);

const dhcpSchema = z.strictObject({
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
  })
  .superRefine((lan, ctx) => {
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
  });

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
  return JSON.stringify({ ...state, tunnel });
}

/** Whether LAN IPv6 goes through the tunnel: it has an IPv6 address and its peers route all of IPv6 (::/0). */
export function tunnelCarriesIpv6(tunnel: TunnelState): boolean {
  const hasAddress = tunnel.addresses.some((address) => parseIpPrefix(address)!.family === 6);
  const routed = tunnel.peers.flatMap((peer) => peer.allowedIps.map((text) => parseIpPrefix(text)!));
  const routed6 = routed.filter((prefix) => prefix.family === 6);
  return hasAddress && covers(routed6, ALL_IPV6);
}

/** Splits "host:port" / "[v6]:port"; `literal` tells an address (usable as is) from a name to resolve. */
export function splitEndpoint(value: string): { host: string; port: number; literal: boolean } | { problem: string } {
  const match = /^\[([^\]]+)\]:(\d{1,5})$/.exec(value) ?? /^([^:[\]]+):(\d{1,5})$/.exec(value);
  const portNumber = Number(match?.[2]);
  if (!match || portNumber < 1 || portNumber > 65535) {
    const hint = value.split(':').length > 2 && !value.startsWith('[') ? ' (an IPv6 address needs brackets)' : '';
    return { problem: `must be host:port or [IPv6]:port with a port of 1-65535${hint}` };
  }
  const host = match[1]!;
  const bytes = parseIp(host);
  const bracketed = value.startsWith('[');
  if (bytes !== null && (bytes.length === 16) === bracketed) {
    return { host: formatIp(bytes), port: portNumber, literal: true };
  }
  if (bytes === null && !bracketed && isHostname(host)) {
    return { host: host.toLowerCase(), port: portNumber, literal: false };
  }
  return { problem: 'must name a host: a DNS name, an IPv4 address, or an IPv6 address in brackets' };
}

export function joinEndpoint(host: string, portNumber: number): string {
  return host.includes(':') ? `[${host}]:${portNumber}` : `${host}:${portNumber}`;
}

export function isHostname(host: string): boolean {
  const name = host.endsWith('.') ? host.slice(0, -1) : host;
  // An all-numeric last label would be a malformed IPv4 address, not a name.
  return (
    name.length <= 253 &&
    name.split('.').every((label) => HOSTNAME_LABEL.test(label)) &&
    !/^\d+$/.test(name.split('.').pop()!)
  );
}

const ALL_IPV6: IpPrefix = { family: 6, bytes: new Uint8Array(16), cidr: 0 };

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  return Buffer.compare(a, b);
}

export function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) {
    return '(state)';
  }
  return path
    .map((part, index) => (typeof part === 'number' ? `[${part}]` : `${index === 0 ? '' : '.'}${String(part)}`))
    .join('');
}

/** Messages for zod's built-in checks, worded per field and never quoting the input. */
export function describeIssue(issue: z.core.$ZodRawIssue): string | undefined {
  if (issue.input === undefined && (issue.code === 'invalid_type' || issue.code === 'invalid_value')) {
    return 'is required';
  }
  switch (issue.code) {
    case 'invalid_type':
      return issue.expected === 'int' ? 'must be a whole number' : `must be ${article(issue.expected)}`;
    case 'invalid_value':
      return `must be ${issue.values.map((value) => JSON.stringify(value)).join(' or ')}`;
    case 'unrecognized_keys':
      return `unknown ${issue.keys.length === 1 ? 'key' : 'keys'} ${issue.keys.map(quoteKeyName).join(', ')}`;
    case 'too_small':
      return issue.origin === 'array'
        ? `must have at least ${issue.minimum} ${issue.minimum === 1 ? 'entry' : 'entries'}`
        : `must be at least ${issue.minimum}`;
    case 'too_big':
      return issue.origin === 'array'
        ? `must have at most ${issue.maximum} entries`
        : issue.origin === 'string'
          ? `must be at most ${issue.maximum} characters`
          : `must be at most ${issue.maximum}`;
    default:
      return undefined;
  }
}

/** Key names come from the input: only identifier-like ones are quoted (a pasted key is not an identifier). */
function quoteKeyName(name: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]{0,39}$/.test(name) ? `"${name}"` : '(a key that is not a field name)';
}

function article(noun: string): string {
  return /^[aeiou]/.test(noun) ? `an ${noun}` : `a ${noun}`;
}
