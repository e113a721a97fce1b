// IP addresses and prefixes as the engine stores them: raw network-order bytes (4 or 16) plus a prefix length.
import ipaddr from 'ipaddr.js';

export type IpFamily = 4 | 6;

export interface IpPrefix {
  readonly family: IpFamily;
  /** Network-order bytes: 4 for IPv4, 16 for IPv6. */
  readonly bytes: Uint8Array;
  readonly cidr: number;
}

/**
 * ipaddr.js reads every "…:a.b.c.d" as IPv4-mapped (::ffff:a.b.c.d), but inet_pton and wg(8) read "::1.2.3.4" as
 * ::102:304; so a dotted tail is turned into its two hex groups first. Null when the tail is not dotted-decimal.
 */
function expandDottedTail(text: string): string | null {
  const match = /^(.*:)([^:]*\.[^:]*)$/.exec(text);
  if (!match) {
    return text;
  }
  const v4 = match[2]!;
  if (!ipaddr.IPv4.isValidFourPartDecimal(v4)) {
    return null;
  }
  const [a, b, c, d] = v4.split('.').map(Number) as [number, number, number, number];
  return `${match[1]}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
}

/** Parses a literal IPv4 or IPv6 address (no zone, no hostname); null when it is not one. */
export function parseIp(input: string): Uint8Array | null {
  const text = input.includes(':') ? expandDottedTail(input) : input;
  if (text === null || !ipaddr.isValid(text) || text.includes('%')) {
    return null;
  }
  const address = ipaddr.parse(text);
  // ipaddr accepts legacy IPv4 forms ("10.1", "0x0a.0.0.1"); wg(8) and the kernel never produce them.
  if (address.kind() === 'ipv4' && !ipaddr.IPv4.isValidFourPartDecimal(text)) {
    return null;
  }
  return Uint8Array.from(address.toByteArray());
}

/**
 * The IPv4 address inside an IPv4-mapped IPv6 one (::ffff:a.b.c.d), as a dual-stack socket reports an IPv4 peer;
 * every other address unchanged.
 */
export function unmapIpv4(bytes: Uint8Array): Uint8Array {
  const mapped = bytes.length === 16 && bytes.subarray(0, 12).every((byte, i) => byte === (i < 10 ? 0 : 0xff));
  return mapped ? bytes.slice(12) : bytes;
}

/** The prefix length a netmask (255.255.255.0, ffff:ffff::) stands for; null when its one bits are not contiguous. */
export function netmaskLength(mask: Uint8Array): number | null {
  const bits = [...mask].map((byte) => byte.toString(2).padStart(8, '0')).join('');
  return /^1*0*$/.test(bits) ? bits.replace(/0+$/, '').length : null;
}

/** RFC 5952 text for IPv6 (as inet_ntop prints it, IPv4-mapped addresses in mixed notation); dotted IPv4. */
export function formatIp(bytes: Uint8Array): string {
  const address = ipaddr.fromByteArray(Array.from(bytes));
  if (address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress()) {
    return `::ffff:${(address as ipaddr.IPv6).toIPv4Address().toString()}`;
  }
  return address.toString();
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
    if (!/^(0|[1-9]\d{0,2})$/.test(digits)) {
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

/** A copy of `address` with every bit after the first `cidr` cleared. */
export function maskAddress(address: Uint8Array, cidr: number): Uint8Array {
  const masked = Uint8Array.from(address);
  const fullBytes = cidr >>> 3;
  if (fullBytes < masked.length) {
    masked[fullBytes] = masked[fullBytes]! & (0xff << (8 - (cidr & 7)));
    masked.fill(0, fullBytes + 1);
  }
  return masked;
}

/** The prefix with its host bits cleared, as wg(8) and the kernel store allowed IPs. */
export function canonicalPrefix(prefix: IpPrefix): IpPrefix {
  return { family: prefix.family, bytes: maskAddress(prefix.bytes, prefix.cidr), cidr: prefix.cidr };
}

/** Whether `address` (of the same family) lies inside `prefix`. */
export function contains(prefix: IpPrefix, address: Uint8Array): boolean {
  return (
    address.length === prefix.bytes.length &&
    Buffer.compare(maskAddress(address, prefix.cidr), maskAddress(prefix.bytes, prefix.cidr)) === 0
  );
}

/** Whether two prefixes share any address: one of them then contains the other. */
export function overlaps(a: IpPrefix, b: IpPrefix): boolean {
  return contains(a, b.bytes) || contains(b, a.bytes);
}

/** Whether the union of `prefixes` includes all of `target`: split the target in halves until each is inside one. */
export function covers(prefixes: readonly IpPrefix[], target: IpPrefix): boolean {
  if (prefixes.some((prefix) => prefix.cidr <= target.cidr && contains(prefix, target.bytes))) {
    return true;
  }
  const inside = prefixes.filter((prefix) => prefix.cidr > target.cidr && contains(target, prefix.bytes));
  if (inside.length === 0 || target.cidr === target.bytes.length * 8) {
    return false;
  }
  const upper = Uint8Array.from(target.bytes);
  upper[target.cidr >>> 3]! |= 0x80 >>> (target.cidr & 7);
  const half = (bytes: Uint8Array): IpPrefix => ({ family: target.family, bytes, cidr: target.cidr + 1 });
  return covers(inside, half(target.bytes)) && covers(inside, half(upper));
}

/**
 * Whether the address in `prefix` is a host of its subnet: neither the all-zeros host part (the network) nor, for
 * IPv4, the all-ones one (broadcast).
 */
export function isHostOf(prefix: IpPrefix): boolean {
  const network = maskAddress(prefix.bytes, prefix.cidr);
  const hostBits = prefix.bytes.map((byte, index) => byte ^ network[index]!);
  const hostMask = maskAddress(new Uint8Array(prefix.bytes.length).fill(0xff), prefix.cidr).map((byte) => ~byte & 0xff);
  const isZero = hostBits.every((byte) => byte === 0);
  const isAllOnes = hostBits.every((byte, index) => byte === hostMask[index]);
  return !isZero && !(prefix.family === 4 && isAllOnes);
}
