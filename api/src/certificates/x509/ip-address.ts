// IP addresses as bytes: the form certificates carry them in (4 or 16 octets, and address+mask for name
// constraints), so comparing, normalising and range checks never depend on how a string was spelled.
import { isIPv4, isIPv6 } from 'node:net';

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
  const bare = text.trim().replace(/%.*$/, '');
  if (isIPv4(bare)) {
    return { family: 4, bytes: Uint8Array.from(bare.split('.').map(Number)) };
  }
  if (!isIPv6(bare)) {
    return null;
  }
  const bytes = parseIpv6(bare);
  const mapped = bytes.subarray(0, 12).every((byte, i) => byte === (i < 10 ? 0 : 0xff));
  return mapped ? { family: 4, bytes: bytes.slice(12) } : { family: 6, bytes };
}

// Only called on text node:net accepted, so the groups are well formed; an embedded IPv4 tail fills two groups.
function parseIpv6(text: string): Uint8Array {
  const groupsOf = (part: string): number[] =>
    part === ''
      ? []
      : part.split(':').flatMap((group) => {
          if (group.includes('.')) {
            const [a = 0, b = 0, c = 0, d = 0] = group.split('.').map(Number);
            return [(a << 8) | b, (c << 8) | d];
          }
          return [parseInt(group, 16)];
        });
  const [head = '', tail] = text.split('::');
  const left = groupsOf(head);
  const right = tail === undefined ? [] : groupsOf(tail);
  const groups = [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
  const bytes = new Uint8Array(16);
  groups.forEach((group, i) => {
    bytes[i * 2] = group >> 8;
    bytes[i * 2 + 1] = group & 0xff;
  });
  return bytes;
}

/** Canonical text: dotted quad, or RFC 5952 IPv6 (lowercase, longest zero run of two or more groups as `::`). */
export function formatIp(address: IpAddress): string {
  if (address.family === 4) {
    return Array.from(address.bytes).join('.');
  }
  const groups = Array.from(
    { length: 8 },
    (_, i) => ((address.bytes[i * 2] ?? 0) << 8) | (address.bytes[i * 2 + 1] ?? 0),
  );
  let best = { start: -1, length: 1 };
  for (let start = 0; start < 8; start++) {
    let length = 0;
    while (start + length < 8 && groups[start + length] === 0) {
      length++;
    }
    if (length > best.length) {
      best = { start, length };
    }
  }
  const hex = groups.map((group) => group.toString(16));
  if (best.start < 0) {
    return hex.join(':');
  }
  return `${hex.slice(0, best.start).join(':')}::${hex.slice(best.start + best.length).join(':')}`;
}

export function parseCidr(text: string): IpRange | null {
  const [addressText = '', prefixText, ...rest] = text.split('/');
  const address = parseIp(addressText);
  const bits = address ? address.bytes.length * 8 : 0;
  const prefixLength = Number(prefixText);
  if (!address || rest.length > 0 || !/^\d{1,3}$/.test(prefixText ?? '') || prefixLength > bits) {
    return null;
  }
  return { family: address.family, address: maskBytes(address.bytes, prefixLength), prefixLength };
}

export function formatCidr(range: IpRange): string {
  return `${formatIp({ family: range.family, bytes: range.address })}/${range.prefixLength}`;
}

export function inRange(address: IpAddress, range: IpRange): boolean {
  return (
    address.family === range.family &&
    maskBytes(address.bytes, range.prefixLength).every((byte, i) => byte === range.address[i])
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

function maskOf(family: 4 | 6, prefixLength: number): Uint8Array {
  return Uint8Array.from({ length: family === 4 ? 4 : 16 }, (_, i) => {
    const ones = Math.min(8, Math.max(0, prefixLength - i * 8));
    return (0xff << (8 - ones)) & 0xff;
  });
}

function maskBytes(bytes: Uint8Array, prefixLength: number): Uint8Array {
  const mask = maskOf(bytes.length === 4 ? 4 : 6, prefixLength);
  return bytes.map((byte, i) => byte & (mask[i] ?? 0));
}
