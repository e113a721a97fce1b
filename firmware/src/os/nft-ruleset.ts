// The kill switch and NAT as one nftables table, rendered purely from the desired state. The text replaces
// `table inet burrow` in a single `nft -f -` transaction, so there is never a moment without it.
//
// Design (see also the comments on each rule):
// - Interfaces are matched by NAME (iifname/oifname), never by index: the tunnel's TUN interface disappears
//   while the engine restarts, and a rule naming it keeps matching nothing until it is back, so it fails closed.
// - forward (policy drop): LAN→tunnel only from the LAN's own addresses; tunnel→LAN only replies. IPv6 goes to the
//   tunnel only when the tunnel carries IPv6, and never to the WAN. Kill switch off adds LAN IPv4→WAN.
//   Anything else from the LAN is rejected (not dropped) so devices give up at once instead of timing out.
// - output (kill switch on only, policy drop): the router's own packets go freely to loopback, the LAN and the
//   tunnel; on the WAN only the engine's packets to the endpoints, DHCP/DHCPv6, neighbour discovery, root's ping
//   (the console's diagnostics), and root's DNS (burrowd resolving endpoint names; dnsmasq, which forwards the LAN's, runs unprivileged), but never
//   anything to the tunnel's resolvers, which would carry the LAN's DNS queries in the clear when the tunnel is down.
// - input (policy drop): replies; from the LAN, DHCP, DNS, the web interface, ping and neighbour discovery;
//   from the WAN, DHCP replies, neighbour discovery, and the endpoints' packets to the engine, and nothing else:
//   the web interface (which listens on every address) and any other port are dropped, not rejected, so a scan
//   from the Internet gets no answer at all.
// - prerouting: every plain DNS query from the LAN, to any address, is redirected to the router's dnsmasq, which
//   forwards only through the tunnel; a device with hard-coded DNS gets the tunnel's resolvers too, so its answers
//   match the tunnel's exit (DoT/DoH stay encrypted and still leave only through the tunnel).
// - postrouting: masquerade out the tunnel; with the kill switch off, LAN IPv4 out the WAN as well.
// - remote access (wg1), when on: its rules come from remote-ruleset.ts, spliced into these chains.
// - per device, by MAC (lan-device-rules.ts): blocked devices reach only the router; direct devices' IPv4 leaves
//   through the WAN (marked in prerouting, routed by the main table); bytes per device counted in count_devices.
// The first comment of the table is a fingerprint of the rest, so a self-test can tell which ruleset is loaded.
import { createHash } from 'node:crypto';
import { isInterfaceName, tunnelCarriesIpv6, type DesiredState, type TunnelState } from '../control/desired-state.js';
import { canonicalPrefix, formatIp, formatIpPrefix, parseIp, parseIpPrefix } from '../net/ip.js';
import {
  type RemoteContext,
  remoteForwardRules,
  remoteInputJump,
  remoteInputRules,
  remoteInputWanRules,
  remoteOutputRules,
  remoteOutputWanRules,
  remotePreroutingRules,
  remoteSets,
} from './remote-ruleset.js';
import {
  blockedForwardRules,
  countChainLines,
  deviceSets,
  directForwardRules,
  directMarkChainLines,
  directPostroutingRules,
  type DevicePolicyInput,
} from './lan-device-rules.js';

export const TABLE_FAMILY = 'inet';
export const TABLE_NAME = 'burrow';
/** Bumped whenever the shape of the rendered table changes, so a fingerprint names the renderer too. */
export const RULESET_FORMAT = 3;

const FINGERPRINT_PREFIX = `burrow ruleset v${RULESET_FORMAT} sha256:`;
const FINGERPRINT_PATTERN = /^\s*comment "(burrow ruleset v\d+ sha256:[0-9a-f]{64})"$/m;

/** Endpoint addresses as resolved by the reconciler (names looked up, literals as they are). */
export interface ResolvedEndpoints {
  readonly endpoints: ReadonlyArray<{ readonly address: string; readonly port: number }>;
  /** Resolvers of profiles not in force: like the tunnel's own, never reached over the WAN. */
  readonly otherResolvers?: readonly string[];
}

/**
 * The complete `nft -f -` input for the desired state; null renders the minimal table that only blocks forwarding
 * (applied first at start, before any state is known). Deterministic: the same input gives the same bytes.
 */
export function renderRuleset(state: DesiredState | null, resolved: ResolvedEndpoints = { endpoints: [] }): string {
  const body = state === null ? minimalBody() : fullBody(state, resolved);
  const fingerprint = `${FINGERPRINT_PREFIX}${createHash('sha256').update(body.join('\n')).digest('hex')}`;
  return [
    '# Rendered by burrowd from the desired state; applied with `nft -f -` as one transaction.',
    '# Declaring the table first lets the delete succeed when it does not exist yet.',
    `table ${TABLE_FAMILY} ${TABLE_NAME} {}`,
    `delete table ${TABLE_FAMILY} ${TABLE_NAME}`,
    `table ${TABLE_FAMILY} ${TABLE_NAME} {`,
    `\tcomment ${quote(fingerprint)}`,
    ...body,
    '}',
    '',
  ].join('\n');
}

/** The fingerprint in a rendered or listed (`nft list table`) ruleset; null when there is none. */
export function rulesetFingerprint(text: string): string | null {
  return FINGERPRINT_PATTERN.exec(text)?.[1] ?? null;
}

function minimalBody(): string[] {
  return chain('forward', 'type filter hook forward priority filter; policy drop;', [
    'counter drop comment "no desired state yet: nothing is forwarded"',
  ]);
}

interface Context {
  readonly state: DesiredState;
  readonly tunnel: TunnelState | null;
  readonly wan: string;
  readonly lan: string;
  readonly tun: string | null;
  readonly ipv6Through: boolean;
  readonly remote: RemoteContext;
  /** The household's per-device policies and counters (lan-device-rules.ts). */
  readonly devices: DevicePolicyInput;
}

function fullBody(state: DesiredState, resolved: ResolvedEndpoints): string[] {
  const tunnel = state.tunnel;
  const context: Context = {
    state,
    tunnel,
    wan: interfaceName(state.wan.interface),
    lan: interfaceName(state.lan.interface),
    tun: tunnel === null ? null : interfaceName(tunnel.interface),
    ipv6Through: tunnel !== null && tunnelCarriesIpv6(tunnel) && state.lan.ipv6Prefix !== undefined,
    remote: {
      state,
      lan: interfaceName(state.lan.interface),
      tun: tunnel === null ? null : interfaceName(tunnel.interface),
      remote: state.remoteAccess,
      wg: state.remoteAccess === null ? null : interfaceName(state.remoteAccess.interface),
    },
    devices: {
      lan: interfaceName(state.lan.interface),
      wan: interfaceName(state.wan.interface),
      lanAddress: state.lan.address,
      killSwitch: state.killSwitch,
      policies: state.lan.policies,
    },
  };
  const directMark = directMarkChainLines(context.devices);
  const counting = countChainLines(context.devices);
  return [
    ...sets(context, resolved),
    ...remoteSets(context.remote).flatMap((entry) => set(entry.name, entry.type, entry.comment, entry.elements)),
    ...deviceSets(context.devices),
    ...chain('input', 'type filter hook input priority filter; policy drop;', [
      ...inputRules(context),
      ...remoteInputJump(context.remote),
    ]),
    ...chain('input_lan', null, inputLanRules()),
    ...(context.remote.wg === null ? [] : chain('input_remote', null, remoteInputRules())),
    ...chain('input_wan', null, inputWanRules(context)),
    ...chain('forward', 'type filter hook forward priority filter; policy drop;', [
      // Before wg1's rules too: a blocked device sends nothing beyond the router, not even replies to a remote
      // device that opened a connection to it.
      'ct state invalid drop',
      ...blockedForwardRules(context.devices),
      ...remoteForwardRules(context.remote),
      ...forwardRules(context),
    ]),
    ...(state.killSwitch
      ? [
          ...chain('output', 'type filter hook output priority filter; policy drop;', [
            ...remoteOutputRules(context.remote),
            ...outputRules(context),
          ]),
          ...chain('output_wan', null, [...remoteOutputWanRules(context.remote), ...outputWanRules(context)]),
        ]
      : chain('output', 'type filter hook output priority filter; policy accept;', [
          // The LAN's DNS goes only through the tunnel, kill switch or not: dnsmasq forwards it unprivileged, so
          // its queries never leave through the WAN even while an apply is changing the resolvers' routes.
          `oifname ${context.wan} meta skuid != 0 meta l4proto { tcp, udp } th dport 53 drop comment "the LAN's DNS never leaves through the WAN"`,
        ])),
    ...chain('count_devices', counting.base, counting.rules),
    ...(directMark === null ? [] : chain('mark_direct', directMark.base, directMark.rules)),
    ...chain('prerouting', 'type nat hook prerouting priority dstnat; policy accept;', [
      // Direct devices too: their DNS is answered by dnsmasq through the tunnel, never in the clear.
      `iifname ${context.lan} meta l4proto { tcp, udp } th dport 53 redirect to :53 comment "all LAN DNS goes to the router"`,
      ...remotePreroutingRules(context.remote),
    ]),
    ...chain('postrouting', 'type nat hook postrouting priority srcnat; policy accept;', postroutingRules(context)),
  ];
}

function sets({ state, tunnel }: Context, resolved: ResolvedEndpoints): string[] {
  if (tunnel === null) {
    return [];
  }
  const endpoints = canonicalEndpoints(resolved);
  const lines = [
    ...set('endpoints_v4', 'ipv4_addr . inet_service', 'tunnel endpoints (IPv4)', endpoints.v4),
    ...set('endpoints_v6', 'ipv6_addr . inet_service', 'tunnel endpoints (IPv6)', endpoints.v6),
  ];
  if (state.killSwitch) {
    const dns = sortedAddresses([...tunnel.dns, ...(resolved.otherResolvers ?? [])]);
    lines.push(
      ...set('tunnel_dns_v4', 'ipv4_addr', "the tunnel's resolvers (IPv4)", dns.v4),
      ...set('tunnel_dns_v6', 'ipv6_addr', "the tunnel's resolvers (IPv6)", dns.v6),
    );
  }
  return lines;
}

function inputRules({ lan, wan }: Context): string[] {
  return [
    'ct state established,related accept',
    'ct state invalid drop',
    'iifname "lo" accept',
    `iifname ${lan} jump input_lan`,
    `iifname ${wan} jump input_wan`,
  ];
}

function inputLanRules(): string[] {
  return [
    'udp dport 67 accept comment "DHCP"',
    'udp dport 547 accept comment "DHCPv6"',
    'meta l4proto { tcp, udp } th dport 53 accept comment "DNS"',
    'tcp dport { 80, 443 } accept comment "web interface"',
    'icmp type echo-request accept',
    'icmpv6 type { echo-request, nd-router-solicit, nd-neighbor-solicit, nd-neighbor-advert, mld-listener-query, mld-listener-report, mld2-listener-report } accept',
    'reject with icmpx admin-prohibited',
  ];
}

function inputWanRules({ tunnel, remote }: Context): string[] {
  const rules = [
    ...remoteInputWanRules(remote),
    'udp sport 67 udp dport 68 accept comment "DHCP replies"',
    'ip6 saddr fe80::/10 udp sport 547 udp dport 546 accept comment "DHCPv6 replies"',
    'icmpv6 type { nd-router-advert, nd-neighbor-solicit, nd-neighbor-advert, mld-listener-query } accept comment "IPv6 on the WAN link"',
  ];
  if (tunnel !== null) {
    // Replies to our own packets are established already; this admits an endpoint that speaks first (after the
    // conntrack entry expired), and only to the engine's port when it is fixed.
    const port = tunnel.listenPort === undefined ? '' : ` udp dport ${tunnel.listenPort}`;
    rules.push(
      `ip saddr . udp sport @endpoints_v4${port} accept comment "tunnel endpoints"`,
      `ip6 saddr . udp sport @endpoints_v6${port} accept comment "tunnel endpoints"`,
    );
  }
  rules.push(
    'tcp dport { 80, 443 } counter drop comment "the web interface is never served to the WAN"',
    'counter drop comment "nothing else from the WAN reaches the router"',
  );
  return rules;
}

function forwardRules({ state, tunnel, lan, wan, tun, ipv6Through, devices }: Context): string[] {
  const lanSubnet = formatIpPrefix(canonicalPrefix(parseIpPrefix(state.lan.address)!));
  const rules: string[] = [];
  if (tunnel !== null && tun !== null) {
    rules.push(
      `iifname ${lan} oifname ${tun} tcp flags syn / syn,rst tcp option maxseg size set rt mtu comment "fit TCP to the tunnel MTU"`,
      `iifname ${lan} oifname ${tun} ip saddr ${lanSubnet} accept comment "LAN to the tunnel"`,
    );
    if (ipv6Through) {
      const lanPrefix6 = formatIpPrefix(canonicalPrefix(parseIpPrefix(state.lan.ipv6Prefix!)!));
      rules.push(`iifname ${lan} oifname ${tun} ip6 saddr ${lanPrefix6} accept comment "LAN IPv6 to the tunnel"`);
    }
    rules.push(`iifname ${tun} oifname ${lan} ct state established,related accept comment "replies from the tunnel"`);
  }
  rules.push(...directForwardRules(devices));
  if (!state.killSwitch) {
    rules.push(
      `iifname ${lan} oifname ${wan} ip saddr ${lanSubnet} accept comment "kill switch off: LAN IPv4 may use the WAN"`,
      `iifname ${wan} oifname ${lan} meta nfproto ipv4 ct state established,related accept comment "kill switch off: replies from the WAN"`,
    );
  }
  const why = state.killSwitch
    ? 'kill switch: the LAN leaves only through the tunnel'
    : 'LAN IPv6 leaves only through a tunnel that carries it';
  rules.push(`iifname ${lan} counter reject with icmpx admin-prohibited comment ${quote(why)}`);
  return rules;
}

function outputRules({ lan, wan, tun }: Context): string[] {
  return [
    'oifname "lo" accept',
    `oifname ${lan} accept`,
    ...(tun === null ? [] : [`oifname ${tun} accept`]),
    `oifname ${wan} jump output_wan`,
  ];
}

function outputWanRules({ tunnel }: Context): string[] {
  const rules: string[] = [];
  if (tunnel !== null) {
    // The engine marks its UDP socket with the fwmark; a fixed listen port identifies it as well.
    const engine = [`meta mark 0x${tunnel.fwmark.toString(16)}`];
    if (tunnel.listenPort !== undefined) {
      engine.push(`udp sport ${tunnel.listenPort}`);
    }
    for (const match of engine) {
      rules.push(
        `${match} ip daddr . udp dport @endpoints_v4 accept comment "encrypted tunnel packets"`,
        `${match} ip6 daddr . udp dport @endpoints_v6 accept comment "encrypted tunnel packets"`,
      );
    }
    rules.push(
      `ip daddr @tunnel_dns_v4 drop comment "the tunnel's resolvers only through the tunnel"`,
      `ip6 daddr @tunnel_dns_v6 drop comment "the tunnel's resolvers only through the tunnel"`,
    );
  }
  rules.push(
    'udp sport 68 udp dport 67 accept comment "DHCP client"',
    'udp sport 546 udp dport 547 accept comment "DHCPv6 client"',
    'icmpv6 type { nd-router-solicit, nd-neighbor-solicit, nd-neighbor-advert, mld-listener-report, mld2-listener-report } accept comment "IPv6 on the WAN link"',
    // Only root's queries: burrowd resolves endpoint names as root, while dnsmasq (which forwards the LAN's DNS)
    // runs unprivileged, so whatever the routing does mid-apply, the LAN's DNS can never leave through the WAN.
    'meta skuid 0 meta l4proto { tcp, udp } th dport 53 accept comment "DNS by the router itself to resolve endpoint names"',
    // A technician's ping from the recovery console (root): forwarded LAN packets have no socket, so never match.
    'meta skuid 0 icmp type echo-request accept comment "ping by the router itself (diagnostics)"',
    'meta skuid 0 icmpv6 type echo-request accept comment "ping by the router itself (diagnostics)"',
    // The router's own clock (timesyncd, its own user): certificates, TOTP and handshakes need the right time, and
    // a board without a real-time clock has no other source. This chain sees only the router's own packets; the
    // LAN's NTP is forwarded, so the forward chain's kill switch refuses it.
    'udp dport 123 accept comment "NTP by the router itself"',
    'counter drop comment "kill switch: nothing else from the router leaves through the WAN"',
  );
  return rules;
}

function postroutingRules({ state, wan, tun, devices }: Context): string[] {
  const rules = [...(tun === null ? [] : [`oifname ${tun} masquerade`]), ...directPostroutingRules(devices)];
  if (!state.killSwitch) {
    const lanSubnet = formatIpPrefix(canonicalPrefix(parseIpPrefix(state.lan.address)!));
    rules.push(`oifname ${wan} ip saddr ${lanSubnet} masquerade comment "kill switch off: LAN IPv4 out the WAN"`);
  }
  return rules;
}

function chain(name: string, base: string | null, rules: readonly string[]): string[] {
  return [
    '',
    `\tchain ${name} {`,
    ...(base === null ? [] : [`\t\t${base}`]),
    ...rules.map((rule) => `\t\t${rule}`),
    '\t}',
  ];
}

function set(name: string, type: string, comment: string, elements: readonly string[]): string[] {
  return [
    '',
    `\tset ${name} {`,
    `\t\ttype ${type}`,
    `\t\tcomment ${quote(comment)}`,
    // nft refuses an empty element list; an empty set is simply declared without one.
    ...(elements.length === 0 ? [] : [`\t\telements = { ${elements.join(', ')} }`]),
    '\t}',
  ];
}

interface ParsedAddress {
  readonly bytes: Uint8Array;
  readonly text: string;
}

/** Canonical, deduplicated, sorted (by address bytes, then port) `address . port` elements per family. */
function canonicalEndpoints(resolved: ResolvedEndpoints): { v4: string[]; v6: string[] } {
  const parsed = resolved.endpoints.map(({ address, port }) => {
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      throw new RangeError(`an endpoint port must be 1-65535, got ${port}`);
    }
    return { ...parseAddress(address), port };
  });
  parsed.sort((a, b) => Buffer.compare(a.bytes, b.bytes) || a.port - b.port);
  const elements = (family: 4 | 16) => [
    ...new Set(parsed.filter((entry) => entry.bytes.length === family).map((entry) => `${entry.text} . ${entry.port}`)),
  ];
  return { v4: elements(4), v6: elements(16) };
}

function sortedAddresses(addresses: readonly string[]): { v4: string[]; v6: string[] } {
  const parsed = addresses.map(parseAddress).sort((a, b) => Buffer.compare(a.bytes, b.bytes));
  const texts = (family: 4 | 16) => [
    ...new Set(parsed.filter((entry) => entry.bytes.length === family).map((entry) => entry.text)),
  ];
  return { v4: texts(4), v6: texts(16) };
}

/** A literal address; IPv4-mapped IPv6 becomes the IPv4 address it maps, as the kernel sends it. */
function parseAddress(address: string): ParsedAddress {
  let bytes = parseIp(address);
  if (bytes === null) {
    throw new SyntaxError(`not a numeric address: ${JSON.stringify(address)}`);
  }
  if (
    bytes.length === 16 &&
    bytes.subarray(0, 10).every((byte) => byte === 0) &&
    bytes[10] === 0xff &&
    bytes[11] === 0xff
  ) {
    bytes = bytes.slice(12);
  }
  return { bytes, text: formatIp(bytes) };
}

/** The quoted name, after checking it once more: a name is pasted into the ruleset's text. */
function interfaceName(name: string): string {
  if (!isInterfaceName(name)) {
    throw new SyntaxError(`not a valid interface name: ${JSON.stringify(name)}`);
  }
  return quote(name);
}

function quote(text: string): string {
  if (/["\\\n]/.test(text)) {
    throw new SyntaxError('nftables strings cannot hold quotes, backslashes or newlines');
  }
  return `"${text}"`;
}
