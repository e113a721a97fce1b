// Rules shared by remote access, the LAN settings and the LAN devices: field errors that name the field, names,
// subnets, overlaps and the next free host of a subnet. Pure: the services apply them before changing anything.
import {
  canonicalPrefix,
  contains,
  formatIp,
  formatIpPrefix,
  type IpPrefix,
  isHostOf,
  maskAddress,
  overlaps,
  parseIp,
  parseIpPrefix,
} from '@burrow/firmware/net/ip';
import { DomainError } from './domain-error.js';
import { INVISIBLE_OR_CONTROL } from './username-rules.js';

export const DEVICE_NAME_MAX_LENGTH = 64;

/** A 400 naming the field: the message starts with it, and `problems` carries it for the page. */
export function fieldError(field: string, message: string): DomainError {
  return new DomainError('invalid', 'field_invalid', `${field} ${message}`, [{ line: null, field, message }]);
}

/** A name the household typed: NFC, trimmed, 1 to 64 characters, no control or invisible characters. */
export function checkName(field: string, raw: string): string {
  const name = raw.normalize('NFC').trim();
  const length = [...name].length;
  if (INVISIBLE_OR_CONTROL.test(raw) || INVISIBLE_OR_CONTROL.test(name)) {
    throw fieldError(field, 'must not contain control or invisible characters');
  }
  if (length < 1 || length > DEVICE_NAME_MAX_LENGTH) {
    throw fieldError(field, `must be 1 to ${DEVICE_NAME_MAX_LENGTH} characters`);
  }
  return name;
}

/** The router's address in a subnet of `family` ("10.99.0.1/24", "fd99::1/64"), canonical text. */
export function checkRouterAddress(field: string, value: string, family: 4 | 6): IpPrefix {
  const prefix = value.includes('/') ? parseIpPrefix(value) : null;
  const [min, max] = family === 4 ? [8, 30] : [64, 126];
  if (prefix === null || prefix.family !== family || prefix.cidr < min || prefix.cidr > max) {
    const example = family === 4 ? '10.99.0.1/24' : 'fd99::1/64';
    throw fieldError(field, `must be an IPv${family} address with a prefix length of ${min}-${max}, like ${example}`);
  }
  if (!isHostOf(prefix)) {
    throw fieldError(field, 'must be a host address, not the network or broadcast address of its subnet');
  }
  return prefix;
}

export function prefixOverlaps(a: string, b: string): boolean {
  const left = parseIpPrefix(a);
  const right = parseIpPrefix(b);
  return left !== null && right !== null && overlaps(canonicalPrefix(left), canonicalPrefix(right));
}

/** Whether the host `address` ("10.99.0.2" or "10.99.0.2/32") is a host of `subnet`, and not `subnet`'s own address. */
export function isHostIn(subnet: IpPrefix, address: string): boolean {
  const bytes = parseIp(address.split('/')[0]!);
  return (
    bytes !== null &&
    contains(subnet, bytes) &&
    isHostOf({ ...subnet, bytes }) &&
    formatIp(bytes) !== formatIp(subnet.bytes)
  );
}

/**
 * The lowest host address of `subnet` (as a /32 or /128) that is neither the router's nor in `taken`; null when
 * the subnet is full. Searches at most the first 65,536 hosts (more devices than remote access allows).
 */
export function nextFreeHost(subnet: IpPrefix, taken: ReadonlySet<string>): string | null {
  const bits = subnet.family === 4 ? 32 : 128;
  const hostBits = bits - subnet.cidr;
  const limit = hostBits >= 16 ? 65_536 : 2 ** hostBits;
  const network = maskAddress(subnet.bytes, subnet.cidr);
  for (let offset = 1; offset < limit; offset++) {
    const bytes = Uint8Array.from(network);
    let carry = offset;
    for (let index = bytes.length - 1; index >= 0 && carry > 0; index--) {
      const sum = bytes[index]! + (carry & 0xff);
      bytes[index] = sum & 0xff;
      carry = (carry >>> 8) + (sum >> 8);
    }
    const host = formatIpPrefix({ family: subnet.family, bytes, cidr: bits });
    if (isHostIn(subnet, host) && !taken.has(host)) {
      return host;
    }
  }
  return null;
}

/** `address` without its prefix length. */
export function bareAddress(address: string): string {
  return address.split('/')[0]!;
}

/** Whether something with an expiry (a remote device) has expired at `now`. */
export function isExpired(item: { readonly expiresAt: string | null }, now: Date): boolean {
  return item.expiresAt !== null && Date.parse(item.expiresAt) <= now.getTime();
}

/** The IPv4 address, and the IPv6 one when there is one (remote access and its devices keep both so). */
export function addressesOf(item: { readonly addressV4: string; readonly addressV6: string | null }): string[] {
  return item.addressV6 === null ? [item.addressV4] : [item.addressV4, item.addressV6];
}
