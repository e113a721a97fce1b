// Text forms of allowed IPs, as wg(8), wg-quick files and the UAPI write them: "10.0.0.0/8", "fd00::/64",
// "192.168.1.7" (a host: /32 or /128). Parsing is strict (no leading zeros in IPv4 octets, no zone indices);
// formatting is canonical (RFC 5952 for IPv6, host bits cleared).
import { type AllowedIp, canonicalPrefix } from './allowed-ips.js';

export type AllowedIpParseResult =
  { readonly ok: true; readonly value: AllowedIp } | { readonly ok: false; readonly reason: string };

const IPV4_OCTET = /^(0|[1-9][0-9]{0,2})$/;
const IPV6_GROUP = /^[0-9a-fA-F]{1,4}$/;

/** Parses a dotted-quad IPv4 address into 4 bytes, or returns null. */
export function parseIpv4(text: string): Uint8Array | null {
  const parts = text.split('.');
  if (parts.length !== 4) {
    return null;
  }
  const bytes = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const part = parts[i] as string;
    if (!IPV4_OCTET.test(part) || Number(part) > 255) {
      return null;
    }
    bytes[i] = Number(part);
  }
  return bytes;
}

/** Parses an IPv6 address (with optional "::" and trailing dotted IPv4) into 16 bytes, or returns null. */
export function parseIpv6(text: string): Uint8Array | null {
  const halves = text.split('::');
  if (halves.length > 2) {
    return null;
  }
  const groupsOf = (half: string): number[] | null => {
    if (half === '') {
      return [];
    }
    const groups: number[] = [];
    const pieces = half.split(':');
    for (let i = 0; i < pieces.length; i++) {
      const piece = pieces[i] as string;
      if (i === pieces.length - 1 && piece.includes('.')) {
        const v4 = parseIpv4(piece);
        if (v4 === null) {
          return null;
        }
        groups.push(((v4[0] as number) << 8) | (v4[1] as number), ((v4[2] as number) << 8) | (v4[3] as number));
      } else if (IPV6_GROUP.test(piece)) {
        groups.push(parseInt(piece, 16));
      } else {
        return null;
      }
    }
    return groups;
  };
  const head = groupsOf(halves[0] as string);
  const tail = halves.length === 2 ? groupsOf(halves[1] as string) : [];
  if (head === null || tail === null) {
    return null;
  }
  // An embedded IPv4 address may only end the address.
  if (halves.length === 2 && (halves[0] as string).includes('.')) {
    return null;
  }
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) {
    return null;
  }
  const groups = [...head, ...new Array<number>(halves.length === 2 ? missing : 0).fill(0), ...tail];
  const bytes = new Uint8Array(16);
  groups.forEach((group, i) => {
    bytes[i * 2] = group >>> 8;
    bytes[i * 2 + 1] = group & 0xff;
  });
  return bytes;
}

/** Parses "address" or "address/prefix" into canonical form (host bits cleared, as wg does). */
export function parseAllowedIp(text: string): AllowedIpParseResult {
  const slash = text.indexOf('/');
  const addressText = slash === -1 ? text : text.slice(0, slash);
  const address = addressText.includes(':') ? parseIpv6(addressText) : parseIpv4(addressText);
  if (address === null) {
    return { ok: false, reason: `not an IPv4 or IPv6 address: ${JSON.stringify(addressText.slice(0, 64))}` };
  }
  const maximum = address.length * 8;
  let cidr = maximum;
  if (slash !== -1) {
    const prefixText = text.slice(slash + 1);
    if (!/^(0|[1-9][0-9]{0,2})$/.test(prefixText) || Number(prefixText) > maximum) {
      return {
        ok: false,
        reason: `prefix length must be 0..${maximum}, got ${JSON.stringify(prefixText.slice(0, 8))}`,
      };
    }
    cidr = Number(prefixText);
  }
  return { ok: true, value: { address: canonicalPrefix(address, cidr), cidr } };
}

/** Formats 4 or 16 address bytes: dotted quad, or RFC 5952 IPv6 ("::ffff:1.2.3.4" for IPv4-mapped). */
export function formatIp(address: Uint8Array): string {
  if (address.length === 4) {
    return address.join('.');
  }
  if (address.length !== 16) {
    throw new RangeError(`an address is 4 or 16 bytes, got ${address.length}`);
  }
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) {
    groups.push(((address[i] as number) << 8) | (address[i + 1] as number));
  }
  if (groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff) {
    return `::ffff:${address.subarray(12).join('.')}`;
  }
  // The longest run of two or more zero groups (the first one on a tie) becomes "::".
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let end = i;
    while (end < 8 && groups[end] === 0) {
      end++;
    }
    if (end - i > bestLength) {
      bestStart = i;
      bestLength = end - i;
    }
    i = end;
  }
  const hex = (part: number[]): string => part.map((group) => group.toString(16)).join(':');
  if (bestStart === -1) {
    return hex(groups);
  }
  return `${hex(groups.slice(0, bestStart))}::${hex(groups.slice(bestStart + bestLength))}`;
}

/** "address/cidr" with the address canonicalised. */
export function formatAllowedIp(entry: AllowedIp): string {
  return `${formatIp(canonicalPrefix(entry.address, entry.cidr))}/${entry.cidr}`;
}
