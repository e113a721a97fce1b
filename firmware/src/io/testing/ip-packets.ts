/**
 * Minimal IPv4 packets for tests that talk to a real kernel through a TUN: build UDP datagrams,
 * ICMP echo requests and TCP segments with valid checksums, and read back the fields tests assert on.
 */
import { formatIp as formatAddress } from '../../net/ip.js';
import { parseAddress } from '../endpoint.js';

const IPV4_HEADER = 20;
const UDP_HEADER = 8;
export const PROTOCOL_ICMP = 1;
export const PROTOCOL_UDP = 17;
export const PROTOCOL_TCP = 6;
export const TCP_SYN = 0x02;
export const TCP_ACK = 0x10;

/** The Internet checksum (RFC 1071) of bytes[start, end). */
export function internetChecksum(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let sum = 0;
  for (let i = start; i < end; i += 2) {
    sum += ((bytes[i] ?? 0) << 8) | (i + 1 < end ? (bytes[i + 1] ?? 0) : 0);
  }
  while (sum > 0xffff) {
    sum = (sum & 0xffff) + (sum >>> 16);
  }
  return ~sum & 0xffff;
}

function ipv4(protocol: number, source: string, destination: string, payload: Uint8Array, id = 0x1234): Uint8Array {
  const packet = new Uint8Array(IPV4_HEADER + payload.length);
  const view = new DataView(packet.buffer);
  packet[0] = 0x45; // version 4, 5-word header
  view.setUint16(2, packet.length);
  view.setUint16(4, id); // identification
  view.setUint16(6, 0x4000); // don't fragment
  packet[8] = 64; // TTL
  packet[9] = protocol;
  packet.set(parseAddress(source), 12);
  packet.set(parseAddress(destination), 16);
  view.setUint16(10, internetChecksum(packet, 0, IPV4_HEADER));
  packet.set(payload, IPV4_HEADER);
  return packet;
}

/** An IPv4 UDP datagram (UDP checksum 0: "none", which IPv4 allows). */
export function ipv4Udp(options: {
  source: string;
  destination: string;
  sourcePort: number;
  destinationPort: number;
  payload: Uint8Array;
}): Uint8Array {
  const udp = new Uint8Array(UDP_HEADER + options.payload.length);
  const view = new DataView(udp.buffer);
  view.setUint16(0, options.sourcePort);
  view.setUint16(2, options.destinationPort);
  view.setUint16(4, udp.length);
  udp.set(options.payload, UDP_HEADER);
  return ipv4(PROTOCOL_UDP, options.source, options.destination, udp);
}

/** An ICMP echo request ("ping"). */
export function ipv4EchoRequest(options: {
  source: string;
  destination: string;
  identifier: number;
  sequence: number;
  payload: Uint8Array;
}): Uint8Array {
  const icmp = new Uint8Array(8 + options.payload.length);
  const view = new DataView(icmp.buffer);
  icmp[0] = 8; // echo request
  view.setUint16(4, options.identifier);
  view.setUint16(6, options.sequence);
  icmp.set(options.payload, 8);
  view.setUint16(2, internetChecksum(icmp));
  return ipv4(PROTOCOL_ICMP, options.source, options.destination, icmp);
}

export interface Ipv4Summary {
  protocol: number;
  source: string;
  destination: string;
  /** The transport payload after the IP header. */
  payload: Uint8Array;
  headerChecksumValid: boolean;
}

/** The fields of an IPv4 packet, or undefined if it is not one. */
export function readIpv4(packet: Uint8Array): Ipv4Summary | undefined {
  if (packet.length < IPV4_HEADER || (packet[0] ?? 0) >> 4 !== 4) {
    return undefined;
  }
  const headerLength = ((packet[0] ?? 0) & 0x0f) * 4;
  const total = ((packet[2] ?? 0) << 8) | (packet[3] ?? 0);
  return {
    protocol: packet[9] ?? 0,
    source: formatAddress(packet.subarray(12, 16)),
    destination: formatAddress(packet.subarray(16, 20)),
    payload: packet.subarray(headerLength, total),
    headerChecksumValid: internetChecksum(packet, 0, headerLength) === 0,
  };
}

/** Ports and data of a UDP payload (as readIpv4 returns it). */
export function readUdp(segment: Uint8Array): { sourcePort: number; destinationPort: number; data: Uint8Array } {
  const view = new DataView(segment.buffer, segment.byteOffset, segment.byteLength);
  return {
    sourcePort: view.getUint16(0),
    destinationPort: view.getUint16(2),
    data: segment.subarray(UDP_HEADER, view.getUint16(4)),
  };
}

/** The sum of the IPv4 pseudo-header (RFC 793) and a TCP segment is 0 when its checksum is right. */
function tcpChecksum(source: Uint8Array, destination: Uint8Array, segment: Uint8Array): number {
  const pseudo = new Uint8Array(12 + segment.length);
  pseudo.set(source, 0);
  pseudo.set(destination, 4);
  pseudo[9] = PROTOCOL_TCP;
  new DataView(pseudo.buffer).setUint16(10, segment.length);
  pseudo.set(segment, 12);
  return internetChecksum(pseudo);
}

/** An IPv4 TCP segment, by default without data; `mss` adds the MSS option (as in a SYN). */
export function ipv4Tcp(options: {
  source: string;
  destination: string;
  sourcePort: number;
  destinationPort: number;
  sequence: number;
  acknowledgement: number;
  flags: number;
  window: number;
  mss?: number;
  data?: Uint8Array;
  id?: number; // the IPv4 identification, 0x1234 if not given
}): Uint8Array {
  const headerLength = options.mss === undefined ? 20 : 24;
  const segment = new Uint8Array(headerLength + (options.data?.length ?? 0));
  const view = new DataView(segment.buffer);
  view.setUint16(0, options.sourcePort);
  view.setUint16(2, options.destinationPort);
  view.setUint32(4, options.sequence);
  view.setUint32(8, options.acknowledgement);
  segment[12] = (headerLength / 4) << 4;
  segment[13] = options.flags;
  view.setUint16(14, options.window);
  if (options.mss !== undefined) {
    segment.set([2, 4], 20);
    view.setUint16(22, options.mss);
  }
  segment.set(options.data ?? [], headerLength);
  view.setUint16(16, tcpChecksum(parseAddress(options.source), parseAddress(options.destination), segment));
  return ipv4(PROTOCOL_TCP, options.source, options.destination, segment, options.id);
}

/** The fields of a TCP segment (as readIpv4 returns its payload) tests assert on. */
export function readTcp(segment: Uint8Array): {
  sourcePort: number;
  sequence: number;
  flags: number;
  data: Uint8Array;
  checksumValid(ipv4: Ipv4Summary): boolean;
} {
  const view = new DataView(segment.buffer, segment.byteOffset, segment.byteLength);
  return {
    sourcePort: view.getUint16(0),
    sequence: view.getUint32(4),
    flags: segment[13] ?? 0,
    data: segment.subarray(((segment[12] ?? 0) >> 4) * 4),
    checksumValid: (ipv4) => tcpChecksum(parseAddress(ipv4.source), parseAddress(ipv4.destination), segment) === 0,
  };
}
