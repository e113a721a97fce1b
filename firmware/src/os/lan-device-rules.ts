// The household's per-device parts of `table inet burrow`, keyed by MAC so a device that changes its address keeps
// its policy, and held by the kernel while burrowd or the API is down. nft-ruleset.ts places these lines.
//
// Policies (state.lan.policies; a device not listed, known or new, goes through the tunnel as everyone does):
// - blocked (set dev_blocked): the first rule of forward after the invalid drop (ahead of remote access's rules too)
//   rejects everything it sends, to the Internet, the tunnel, other LAN devices behind other ports or remote
//   devices, replies included; input is unchanged, so it still gets DHCP and DNS, the web page and ping from the
//   router: it "reaches only the router".
// - direct (set dev_direct): its IPv4 leaves through the WAN in the clear, the admin's explicit exception.
//   1. prerouting (mangle): its IPv4 packets get DIRECT_FWMARK, before the routing decision.
//   2. routing (network-targets.ts): a rule ahead of the LAN's sends marked packets to the main table (the WAN).
//   3. forward: its IPv4 to the WAN is accepted, and replies from the WAN come back, even with the kill switch on
//      (which keeps everyone else off the WAN); 4. postrouting: masqueraded out the WAN.
//   Its IPv6 is never marked: it stays on the LAN's rules (through a tunnel that carries IPv6, else rejected), so
//   a direct device leaks no IPv6 either. Its DNS, like everyone's, is redirected to the router's dnsmasq, which
//   forwards only through the tunnel: the simplest choice, and no plaintext DNS on the WAN even for it.
// - A MAC is what the device says it is: a LAN device that copies a direct device's MAC gets its policy (and one
//   that changes its own escapes `blocked`). That is the known limit of policies by MAC, as in every router that
//   offers them; nothing else from the LAN reaches the WAN, and a device with a made-up MAC is a new one: tunnel.
// - Counting (chain count_devices, a forward hook after the filter): only packets the filter accepted get there;
//   bytes from a device are counted by its MAC (dev_tx), bytes to it by its address (dev_rx_v4, dev_rx_v6; the
//   Ethernet destination is not known before the packet is routed), which status maps to the MAC through the
//   leases and the neighbour table. Sets are dynamic with a counter per element; device-counters.ts reads them.
import { DIRECT_FWMARK } from '../control/household-state.js';
import { formatIpPrefix, canonicalPrefix, parseIpPrefix } from '../net/ip.js';
import { isCanonicalMac } from '../net/mac.js';

/** Set on a direct device's IPv4 packets in prerouting; the routing rule matches it. The schema keeps engines off it. */
export { DIRECT_FWMARK };
/** Elements each counting set holds at most: when full, new devices are not counted (their packets still pass). */
export const COUNTER_SET_SIZE = 4096;
/** The dynamic counting sets: their elements change with traffic, so a loaded-table comparison leaves them out. */
export const COUNTER_SETS = { tx: 'dev_tx', rxV4: 'dev_rx_v4', rxV6: 'dev_rx_v6' } as const;
export const BLOCKED_SET = 'dev_blocked';
export const DIRECT_SET = 'dev_direct';

export interface DevicePolicyInput {
  /** Quoted interface names, as nft-ruleset.ts renders them. */
  readonly lan: string;
  readonly wan: string;
  /** The LAN's IPv4 subnet ("192.168.8.1/24", host bits allowed). */
  readonly lanAddress: string;
  readonly killSwitch: boolean;
  readonly policies: ReadonlyArray<{ readonly mac: string; readonly policy: 'blocked' | 'direct' }>;
}

/** The policy and counting sets, each a block of lines of the table. */
export function deviceSets(input: DevicePolicyInput): string[] {
  return [
    ...macSet(BLOCKED_SET, 'LAN devices that reach only the router', macsWith(input, 'blocked')),
    ...macSet(DIRECT_SET, 'LAN devices whose IPv4 leaves through the WAN in the clear', macsWith(input, 'direct')),
    ...counterSet(COUNTER_SETS.tx, 'ether_addr', 'bytes forwarded from each LAN device, by MAC'),
    ...counterSet(COUNTER_SETS.rxV4, 'ipv4_addr', 'bytes forwarded to each LAN device, by IPv4 address'),
    ...counterSet(COUNTER_SETS.rxV6, 'ipv6_addr', 'bytes forwarded to each LAN device, by IPv6 address'),
  ];
}

/** First rules of the forward chain: a blocked device's packets go nowhere beyond the router. */
export function blockedForwardRules(input: DevicePolicyInput): string[] {
  if (macsWith(input, 'blocked').length === 0) {
    return [];
  }
  return [
    `iifname ${input.lan} ether saddr @${BLOCKED_SET} counter reject with icmpx admin-prohibited comment "blocked device: reaches only the router"`,
  ];
}

/** Forward rules (before the kill switch's reject) that let a direct device's IPv4 use the WAN. */
export function directForwardRules(input: DevicePolicyInput): string[] {
  if (!hasDirect(input)) {
    return [];
  }
  const { lan, wan, lanAddress, killSwitch } = input;
  const subnet = lanSubnet(lanAddress);
  const rules = [
    `iifname ${lan} oifname ${wan} ether saddr @${DIRECT_SET} ip saddr ${subnet} accept comment "direct device: IPv4 out the WAN, the admin's exception"`,
  ];
  if (killSwitch) {
    // Only a connection a direct device opened can be established on the WAN side: nothing else from the LAN is
    // ever forwarded there while the kill switch is on (kill switch off, the general rule answers replies).
    rules.push(
      `iifname ${wan} oifname ${lan} meta nfproto ipv4 ct state established,related accept comment "replies to direct devices"`,
    );
  }
  return rules;
}

/**
 * A base chain marking direct devices' IPv4 before routing, so the routing rule sends it to the main table; null
 * while no device is direct.
 */
export function directMarkChainLines(input: DevicePolicyInput): { base: string; rules: string[] } | null {
  if (!hasDirect(input)) {
    return null;
  }
  const { lan } = input;
  return {
    base: 'type filter hook prerouting priority mangle; policy accept;',
    rules: [
      // IPv6 is not marked: it keeps the LAN's routing (tunnel or unreachable), never the WAN.
      `iifname ${lan} ether saddr @${DIRECT_SET} meta nfproto ipv4 meta mark set 0x${DIRECT_FWMARK.toString(16)} comment "direct device: IPv4 routed by the main table"`,
    ],
  };
}

/** Postrouting: a direct device's IPv4 leaves with the router's WAN address. */
export function directPostroutingRules(input: DevicePolicyInput): string[] {
  if (!hasDirect(input)) {
    return [];
  }
  const { wan, lanAddress } = input;
  return [
    `oifname ${wan} meta mark 0x${DIRECT_FWMARK.toString(16)} ip saddr ${lanSubnet(lanAddress)} masquerade comment "direct devices out the WAN"`,
  ];
}

/** The counting chain: a forward hook after the filter, so only packets it accepted are counted. */
export function countChainLines({ lan }: DevicePolicyInput): { base: string; rules: string[] } {
  return {
    base: 'type filter hook forward priority filter + 10; policy accept;',
    rules: [
      `iifname ${lan} update @${COUNTER_SETS.tx} { ether saddr counter }`,
      `oifname ${lan} update @${COUNTER_SETS.rxV4} { ip daddr counter }`,
      `oifname ${lan} update @${COUNTER_SETS.rxV6} { ip6 daddr counter }`,
    ],
  };
}

/** Whether any device is direct: without one, no direct rule is rendered (nor routed, network-targets.ts). */
export function hasDirect(input: Pick<DevicePolicyInput, 'policies'>): boolean {
  return input.policies.some((entry) => entry.policy === 'direct');
}

/** The canonical, sorted, deduplicated MACs with `policy`; each checked once more, as it is pasted into the text. */
function macsWith(input: Pick<DevicePolicyInput, 'policies'>, policy: 'blocked' | 'direct'): string[] {
  const macs = input.policies
    .filter((entry) => entry.policy === policy)
    .map((entry) => {
      const mac = entry.mac.toLowerCase().replaceAll('-', ':');
      if (!isCanonicalMac(mac)) {
        throw new SyntaxError(`not a MAC address: ${JSON.stringify(entry.mac)}`);
      }
      return mac;
    });
  return [...new Set(macs)].sort();
}

function lanSubnet(address: string): string {
  const prefix = parseIpPrefix(address);
  if (prefix?.family !== 4) {
    throw new SyntaxError(`not an IPv4 prefix: ${JSON.stringify(address)}`);
  }
  return formatIpPrefix(canonicalPrefix(prefix));
}

function macSet(name: string, comment: string, elements: readonly string[]): string[] {
  return [
    '',
    `\tset ${name} {`,
    '\t\ttype ether_addr',
    `\t\tcomment "${comment}"`,
    // nft refuses an empty element list; an empty set is simply declared without one.
    ...(elements.length === 0 ? [] : [`\t\telements = { ${elements.join(', ')} }`]),
    '\t}',
  ];
}

function counterSet(name: string, type: string, comment: string): string[] {
  return [
    '',
    `\tset ${name} {`,
    `\t\ttype ${type}`,
    `\t\tsize ${COUNTER_SET_SIZE}`,
    '\t\tflags dynamic',
    `\t\tcomment "${comment}"`,
    '\t}',
  ];
}
