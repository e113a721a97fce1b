// Minimal valid IPv4 and IPv6 packets for engine tests: UDP datagrams and ICMP / ICMPv6 echo requests with correct
// checksums, and a reader for the fields tests assert on. The family follows the addresses given.
import { formatIp, parseIp } from '../../net/ip.js';

const IPV4_HEADER = 20;
const IPV6_HEADER = 40;
const UDP_HEADER = 8;
const ICMP_HEADER = 8;
export const PROTOCOL_ICMP = 1;
export const PROTOCOL_UDP = 17;
export const PROTOCOL_ICMPV6 = 58;

function address(text: string): Uint8Array {
  const bytes = parseIp(text);
  if (bytes === null) {
    throw new SyntaxError(`not an IP address: ${text}`);
  }
  return bytes;
}

/** One's-complement sum of 16-bit words (RFC 1071), not yet folded or inverted. */
function sum16(bytes: Uint8Array, sum = 0): number {
  for (let i = 0; i < bytes.length; i += 2) {
    sum += ((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0);
  }
  return sum;
}

function finish(sum: number): number {
  while (sum > 0xffff) {
    sum = (sum & 0xffff) + (sum >>> 16);
  }
  return ~sum & 0xffff;
}

/** The transport checksum over the pseudo-header (addresses, protocol, length) and the segment. */
function transportChecksum(source: Uint8Array, destination: Uint8Array, protocol: number, segment: Uint8Array): number {
  let sum = sum16(source) + sum16(destination) + protocol + segment.length;
  sum = sum16(segment, sum);
  const checksum = finish(sum);
  return protocol === PROTOCOL_UDP && checksum === 0 ? 0xffff : checksum;
}

function ipPacket(protocol: number, sourceText: string, destinationText: string, segment: Uint8Array): Uint8Array {
  const source = address(sourceText);
  const destination = address(destinationText);
  if (source.length !== destination.length) {
    throw new RangeError(`mixed families: ${sourceText} → ${destinationText}`);
  }
  if (source.length === 4) {
    const packet = new Uint8Array(IPV4_HEADER + segment.length);
    const view = new DataView(packet.buffer);
    packet[0] = 0x45; // version 4, 5-word header
    view.setUint16(2, packet.length);
    view.setUint16(6, 0x4000); // don't fragment
    packet[8] = 64; // TTL
    packet[9] = protocol;
    packet.set(source, 12);
    packet.set(destination, 16);
    view.setUint16(10, finish(sum16(packet.subarray(0, IPV4_HEADER))));
    packet.set(segment, IPV4_HEADER);
    return packet;
  }
  const packet = new Uint8Array(IPV6_HEADER + segment.length);
  const view = new DataView(packet.buffer);
  packet[0] = 0x60; // version 6
  view.setUint16(4, segment.length);
  packet[6] = protocol; // next header
  packet[7] = 64; // hop limit
  packet.set(source, 8);
  packet.set(destination, 24);
  packet.set(segment, IPV6_HEADER);
  return packet;
}

const bytesOf = (payload: Uint8Array | string): Uint8Array =>
  typeof payload === 'string' ? new TextEncoder().encode(payload) : payload;

/** A UDP datagram from `source` to `destination` (both IPv4 or both IPv6). */
export function udpPacket(options: {
  source: string;
  destination: string;
  sourcePort?: number;
  destinationPort?: number;
  payload: Uint8Array | string;
}): Uint8Array {
  const payload = bytesOf(options.payload);
  const udp = new Uint8Array(UDP_HEADER + payload.length);
  const view = new DataView(udp.buffer);
  view.setUint16(0, options.sourcePort ?? 40000);
  view.setUint16(2, options.destinationPort ?? 9);
  view.setUint16(4, udp.length);
  udp.set(payload, UDP_HEADER);
  view.setUint16(6, transportChecksum(address(options.source), address(options.destination), PROTOCOL_UDP, udp));
  return ipPacket(PROTOCOL_UDP, options.source, options.destination, udp);
}

/** An ICMP echo request (IPv4) or ICMPv6 echo request (IPv6): a ping. */
export function echoRequest(options: { source: string; destination: string; sequence: number }): Uint8Array {
  const source = address(options.source);
  const destination = address(options.destination);
  const icmp = new Uint8Array(ICMP_HEADER + 16);
  const view = new DataView(icmp.buffer);
  icmp[0] = source.length === 4 ? 8 : 128; // echo request
  view.setUint16(4, 0x4242); // identifier
  view.setUint16(6, options.sequence);
  icmp.fill(0xa5, ICMP_HEADER);
  view.setUint16(
    2,
    source.length === 4 ? finish(sum16(icmp)) : transportChecksum(source, destination, PROTOCOL_ICMPV6, icmp),
  );
  return ipPacket(source.length === 4 ? PROTOCOL_ICMP : PROTOCOL_ICMPV6, options.source, options.destination, icmp);
}

export interface PacketSummary {
  readonly version: 4 | 6;
  readonly protocol: number;
  readonly source: string;
  readonly destination: string;
  /** The transport segment after the IP header, cut to the length the header states. */
  readonly segment: Uint8Array;
}

/** Reads an IPv4 or IPv6 packet built as above; throws on anything else. */
export function readPacket(packet: Uint8Array): PacketSummary {
  const view = new DataView(packet.buffer, packet.byteOffset, packet.byteLength);
  const version = (packet[0] ?? 0) >> 4;
  if (version === 4 && packet.length >= IPV4_HEADER) {
    const headerLength = ((packet[0] ?? 0) & 0x0f) * 4;
    return {
      version,
      protocol: packet[9] ?? 0,
      source: formatIp(packet.subarray(12, 16)),
      destination: formatIp(packet.subarray(16, 20)),
      segment: packet.subarray(headerLength, view.getUint16(2)),
    };
  }
  if (version === 6 && packet.length >= IPV6_HEADER) {
    return {
      version,
      protocol: packet[6] ?? 0,
      source: formatIp(packet.subarray(8, 24)),
      destination: formatIp(packet.subarray(24, 40)),
      segment: packet.subarray(IPV6_HEADER, IPV6_HEADER + view.getUint16(4)),
    };
  }
  throw new RangeError(`not an IP packet (${packet.length} bytes, version ${version})`);
}

/** The payload of a UDP packet as text. */
export function udpText(packet: Uint8Array): string {
  const summary = readPacket(packet);
  if (summary.protocol !== PROTOCOL_UDP) {
    throw new RangeError(`not UDP (protocol ${summary.protocol})`);
  }
  return new TextDecoder().decode(summary.segment.subarray(UDP_HEADER));
}
