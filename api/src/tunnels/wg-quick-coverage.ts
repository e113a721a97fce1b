// What a profile leaves outside the tunnel, said plainly: with the kill switch on, that traffic is blocked.
import { covers, formatIpPrefix, parseIpPrefix, type IpPrefix } from '@burrow/firmware/net/ip';
import { type WgQuickProfile } from './wg-quick-profile.js';

const ALL_IPV4: IpPrefix = { family: 4, bytes: new Uint8Array(4), cidr: 0 };
const ALL_IPV6: IpPrefix = { family: 6, bytes: new Uint8Array(16), cidr: 0 };

export function routingWarnings(profile: WgQuickProfile): string[] {
  const routed = profile.peers.flatMap((peer) => peer.allowedIps.map((text) => parseIpPrefix(text)!));
  const ipv4 = routed.filter((prefix) => prefix.family === 4);
  const ipv6 = routed.filter((prefix) => prefix.family === 6);
  const hasIpv6Address = profile.addresses.some((address) => parseIpPrefix(address)!.family === 6);
  const warnings: string[] = [];
  if (!covers(ipv4, ALL_IPV4)) {
    const ranges = ipv4.length === 0 ? 'no IPv4 addresses' : `only ${describeRanges(ipv4)}`;
    warnings.push(
      `AllowedIPs do not include 0.0.0.0/0: ${ranges} will go through the tunnel, and the kill switch blocks the rest of the household's IPv4 traffic`,
    );
  }
  if (hasIpv6Address && !covers(ipv6, ALL_IPV6)) {
    warnings.push(
      "AllowedIPs do not include ::/0: the household's IPv6 traffic does not go through the tunnel, and the kill switch blocks it",
    );
  }
  if (!hasIpv6Address) {
    warnings.push('The tunnel has no IPv6 address: LAN devices get no IPv6 Internet access through it, and none leaks');
  }
  return warnings;
}

function describeRanges(prefixes: IpPrefix[]): string {
  const list = prefixes.map(formatIpPrefix);
  return list.length > 4 ? `${list.slice(0, 4).join(', ')} and ${list.length - 4} more` : list.join(', ');
}
