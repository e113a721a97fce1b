// IP addresses as bytes: the form certificates carry them in (4 or 16 octets, and address+mask for name
// constraints), so comparing, normalising and range checks never depend on how a string was spelled. Text is
// read and written by the firmware's parser (net/ip.ts); this adds what certificates need on top of it.
import { formatIp as formatBytes, maskAddress, parseIp as parseBytes, unmapIpv4 } from '@burrow/firmware/net/ip';

export interface IpAddress {
  family: 4 | 6;
  bytes: Uint8Array;
}

export interface IpRange {
  family: 4 | 6;
  address: Uint8Array;
  prefixLength: number;
}

/** Parses an address, dropping a zone (`%eth0`) and turning IPv4-mapped IPv6 (`::ffff:a.b.c.d`) into IPv4. */
export function parseIp(text: string): IpAddress | null {
  const bytes = parseBytes(text.trim().replace(/%.*$/, ''));
  if (bytes === null) {
    return null;
  }
  const unmapped = unmapIpv4(bytes);
  return unmapped.length === 4 ? { family: 4, bytes: unmapped } : { family: 6, bytes };
}

/** Canonical text: dotted quad, or RFC 5952 IPv6 (lowercase, longest zero run of two or more groups as `::`). */
export function formatIp(address: IpAddress): string {
  return formatBytes(address.bytes);
}

export function parseCidr(text: string): IpRange | null {
  const [addressText = '', prefixText, ...rest] = text.split('/');
  const address = parseIp(addressText);
  const bits = address ? address.bytes.length * 8 : 0;
  const prefixLength = Number(prefixText);
  if (!address || rest.length > 0 || !/^\d{1,3}$/.test(prefixText ?? '') || prefixLength > bits) {
    return null;
  }
  return { family: address.family, address: maskAddress(address.bytes, prefixLength), prefixLength };
}

/** parseCidr for ranges the code itself spells out or has already checked: a bad one is a bug, so it throws. */
export function mustParseCidr(text: string): IpRange {
  const range = parseCidr(text);
  if (!range) {
    throw new Error(`Not an IP range in CIDR form: ${text}`);
  }
  return range;
}

export function formatCidr(range: IpRange): string {
  return `${formatIp({ family: range.family, bytes: range.address })}/${range.prefixLength}`;
}

export function inRange(address: IpAddress, range: IpRange): boolean {
  return (
    address.family === range.family &&
    maskAddress(address.bytes, range.prefixLength).every((byte, i) => byte === range.address[i])
  );
}

export function sameIp(a: IpAddress, b: IpAddress): boolean {
  return a.family === b.family && a.bytes.every((byte, i) => byte === b.bytes[i]);
}

export function compareIp(a: IpAddress, b: IpAddress): number {
  if (a.family !== b.family) {
    return a.family - b.family;
  }
  const i = a.bytes.findIndex((byte, index) => byte !== b.bytes[index]);
  return i < 0 ? 0 : (a.bytes[i] ?? 0) - (b.bytes[i] ?? 0);
}
