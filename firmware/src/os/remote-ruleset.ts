// The kill-switch table's rules for remote access (the router as the household's WireGuard server on wg1), kept
// apart from the LAN's and the tunnel's in nft-ruleset.ts, which splices them in:
// - input from the WAN: exactly the remote engine's UDP listen port, nothing else new;
// - output to the WAN (kill switch on): the remote engine's packets from its listen port, known by its fwmark;
// - input from wg1: DNS, ping and the web interface, as from the LAN (no DHCP: the devices' addresses are fixed);
// - forward: wg1 → LAN accepted; LAN → wg1 only replies; wg1 → tunnel only from devices with Internet reach (by
//   source address set), and tunnel → wg1 only replies; anything else from wg1 is rejected, so a remote device
//   never reaches the WAN, kill switch on or off (routing sends it nowhere near the main table either);
// - prerouting: the devices' plain DNS goes to the router's dnsmasq, as the LAN's does.
// Masquerade out the tunnel (nft-ruleset.ts) covers the devices' Internet traffic.
import { type DesiredState, tunnelCarriesIpv6 } from '../control/desired-state.js';
import { type RemoteAccessState } from '../control/household-state.js';
import { canonicalPrefix, formatIp, formatIpPrefix, parseIpPrefix } from '../net/ip.js';

export interface RemoteContext {
  readonly state: DesiredState;
  /** The quoted names, as nft-ruleset.ts pastes them. */
  readonly lan: string;
  readonly tun: string | null;
  readonly remote: RemoteAccessState | null;
  /** The quoted remote interface name; null when remote access is off. */
  readonly wg: string | null;
}

/** The addresses of the devices that may reach the Internet (through the tunnel only), per family. */
export function remoteSets(
  context: RemoteContext,
): Array<{ name: string; type: string; comment: string; elements: string[] }> {
  const { remote } = context;
  if (remote === null) {
    return [];
  }
  const hosts = remote.peers
    .filter((peer) => peer.reach === 'internet')
    .flatMap((peer) => peer.allowedIps.map((text) => parseIpPrefix(text)!))
    .sort((a, b) => Buffer.compare(Buffer.from(a.bytes), Buffer.from(b.bytes)));
  const elements = (family: 4 | 6) => [
    ...new Set(hosts.filter((prefix) => prefix.family === family).map((prefix) => formatIp(prefix.bytes))),
  ];
  return [
    {
      name: 'remote_internet_v4',
      type: 'ipv4_addr',
      comment: 'remote devices with Internet reach (IPv4)',
      elements: elements(4),
    },
    {
      name: 'remote_internet_v6',
      type: 'ipv6_addr',
      comment: 'remote devices with Internet reach (IPv6)',
      elements: elements(6),
    },
  ];
}

/** In the input chain, beside the LAN's and the WAN's jumps. */
export function remoteInputJump({ wg }: RemoteContext): string[] {
  return wg === null ? [] : [`iifname ${wg} jump input_remote`];
}

export function remoteInputRules(): string[] {
  return [
    'meta l4proto { tcp, udp } th dport 53 accept comment "DNS"',
    'tcp dport { 80, 443 } accept comment "web interface"',
    'icmp type echo-request accept',
    'icmpv6 type echo-request accept',
    'reject with icmpx admin-prohibited',
  ];
}

/** In input_wan, before its drops: the one port the WAN opens for remote access. */
export function remoteInputWanRules({ remote }: RemoteContext): string[] {
  return remote === null
    ? []
    : [`udp dport ${remote.listenPort} accept comment "remote access: devices reach the router's WireGuard server"`];
}

/** In output (kill switch on): the router's own packets to the devices (DNS answers, the web interface). */
export function remoteOutputRules({ wg }: RemoteContext): string[] {
  return wg === null ? [] : [`oifname ${wg} accept`];
}

/** In output_wan (kill switch on), before its drop: the remote engine's packets, from its port, by its mark. */
export function remoteOutputWanRules({ remote }: RemoteContext): string[] {
  return remote === null
    ? []
    : [
        `meta mark 0x${remote.fwmark.toString(16)} udp sport ${remote.listenPort} accept comment "remote access: the server's packets to devices"`,
      ];
}

/**
 * Near the top of the forward chain, after only the invalid drop and the blocked devices' reject (nft-ruleset.ts):
 * every rule names wg1 on one side, so the LAN's and the tunnel's are untouched.
 */
export function remoteForwardRules({ state, lan, tun, remote, wg }: RemoteContext): string[] {
  if (remote === null || wg === null) {
    return [];
  }
  const subnets = remote.addresses.map((address) => canonicalPrefix(parseIpPrefix(address)!));
  const subnet4 = subnets.find((prefix) => prefix.family === 4);
  const subnet6 = subnets.find((prefix) => prefix.family === 6);
  const rules: string[] = [];
  if (subnet4 !== undefined) {
    rules.push(
      `iifname ${wg} oifname ${lan} ip saddr ${formatIpPrefix(subnet4)} accept comment "remote devices to the LAN"`,
    );
  }
  if (subnet6 !== undefined && state.lan.ipv6Prefix !== undefined) {
    rules.push(
      `iifname ${wg} oifname ${lan} ip6 saddr ${formatIpPrefix(subnet6)} accept comment "remote devices to the LAN (IPv6)"`,
    );
  }
  rules.push(
    `iifname ${lan} oifname ${wg} ct state established,related accept comment "the LAN's replies to remote devices"`,
  );
  if (tun !== null && state.tunnel !== null) {
    rules.push(
      `iifname ${wg} oifname ${tun} tcp flags syn / syn,rst tcp option maxseg size set rt mtu comment "fit TCP to the tunnel MTU"`,
      `iifname ${wg} oifname ${tun} ip saddr @remote_internet_v4 accept comment "remote devices with Internet reach: through the tunnel only"`,
    );
    if (tunnelCarriesIpv6(state.tunnel)) {
      rules.push(
        `iifname ${wg} oifname ${tun} ip6 saddr @remote_internet_v6 accept comment "remote devices with Internet reach: through the tunnel only"`,
      );
    }
    rules.push(
      `iifname ${tun} oifname ${wg} ct state established,related accept comment "replies from the tunnel to remote devices"`,
    );
  }
  rules.push(
    `iifname ${wg} counter reject with icmpx admin-prohibited comment "remote devices reach the LAN, and the Internet only through the tunnel"`,
  );
  return rules;
}

export function remotePreroutingRules({ wg }: RemoteContext): string[] {
  return wg === null
    ? []
    : [
        `iifname ${wg} meta l4proto { tcp, udp } th dport 53 redirect to :53 comment "remote devices' DNS goes to the router"`,
      ];
}
