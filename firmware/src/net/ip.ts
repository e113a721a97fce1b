// IP addresses and prefixes as the engine stores them: raw network-order bytes (4 or 16) plus a prefix length.
import ipaddr from 'ipaddr.js';

export type IpFamily = 4 | 6;

export interface IpPrefix {
  readonly family: IpFamily;
  /** Network-order bytes: 4 for IPv4, 16 for IPv6. */
  readonly bytes: Uint8Array;
  readonly cidr: number;
}

/** Parses a literal IPv4 or IPv6 address (no zone, no hostname); null when it is not one. */
export function parseIp(text: string): Uint8Array | null {
  if (!ipaddr.isValid(text) || text.includes('%')) {
    return null;
  }
  const address = ipaddr.parse(text);
  // ipaddr accepts legacy IPv4 forms ("10.1", "0x0a.0.0.1"); wg(8) and the kernel never produce them.
  if (address.kind() === 'ipv4' && !ipaddr.IPv4.isValidFourPartDecimal(text)) {
    return null;
  }
  return Uint8Array.from(address.toByteArray());
}

export function formatIp(bytes: Uint8Array): string {
  return ipaddr.fromByteArray(Array.from(bytes)).toString();
}

/** Parses "10.0.0.0/24" or "fd00::/64"; a bare address means a host prefix (/32 or /128). */
export function parseIpPrefix(text: string): IpPrefix | null {
  const slash = text.indexOf('/');
  const bytes = parseIp(slash === -1 ? text : text.slice(0, slash));
  if (!bytes) {
    return null;
  }
  const family: IpFamily = bytes.length === 4 ? 4 : 6;
  const maxCidr = family === 4 ? 32 : 128;
  let cidr = maxCidr;
  if (slash !== -1) {
    const digits = text.slice(slash + 1);
    if (!/^\d{1,3}$/.test(digits)) {
      return null;
    }
    cidr = Number(digits);
    if (cidr > maxCidr) {
      return null;
    }
  }
  return { family, bytes, cidr };
}

export function formatIpPrefix(prefix: IpPrefix): string {
  return `${formatIp(prefix.bytes)}/${prefix.cidr}`;
}

/** The prefix with its host bits cleared, as wg(8) and the kernel store allowed IPs. */
export function canonicalPrefix(prefix: IpPrefix): IpPrefix {
  const bytes = Uint8Array.from(prefix.bytes);
  for (let bit = prefix.cidr; bit < bytes.length * 8; bit++) {
    bytes[bit >> 3]! &= ~(0x80 >> (bit & 7));
  }
  return { family: prefix.family, bytes, cidr: prefix.cidr };
}
