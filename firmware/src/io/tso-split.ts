/**
 * Splitting what a TUN with offloads hands up (IFF_VNET_HDR + TSO) into the IP packets the engine
 * seals, one per wire-sized segment. Sans-IO: bytes in, bytes into a PacketBatch out.
 *
 * Each read is a 10-byte struct virtio_net_hdr followed by one IP packet:
 *
 *   | flags | gso_type | hdr_len | gso_size | csum_start | csum_offset | IP packet ... |
 *     u8      u8         u16le     u16le      u16le        u16le
 *
 *   - gso_type NONE: one packet; if flags has NEEDS_CSUM its transport checksum is partial (the
 *     pseudo-header sum) and is completed here over csum_start..end.
 *   - gso_type TCPV4 / TCPV6: a TCP super-packet of up to 64 KB whose payload becomes segments of
 *     gso_size bytes, each with its own copy of the IP and TCP headers: IPv4 total length, id
 *     (+1 per segment) and header checksum, IPv6 payload length, TCP sequence number, flags (FIN
 *     and PSH only on the last segment, CWR only on the first) and checksum.
 *   - anything else (UDP GSO, ECN, lengths that do not add up) is dropped with a reason.
 *
 * The header's u16 fields are in the host's order for a legacy virtio header, little-endian on every
 * machine Burrow runs on (x86-64, arm64).
 */
import { type PacketBatch } from './packets.js';

export const VIRTIO_NET_HDR_LENGTH = 10;
export const VIRTIO_NET_HDR_F_NEEDS_CSUM = 1;
export const VIRTIO_NET_HDR_GSO_NONE = 0;
export const VIRTIO_NET_HDR_GSO_TCPV4 = 1;
export const VIRTIO_NET_HDR_GSO_UDP = 3;
export const VIRTIO_NET_HDR_GSO_TCPV6 = 4;
export const VIRTIO_NET_HDR_GSO_UDP_L4 = 5;
export const VIRTIO_NET_HDR_GSO_ECN = 0x80;

const PROTOCOL_TCP = 6;
const IPV6_HEADER_LENGTH = 40;
const TCP_CHECKSUM_OFFSET = 16;
const TCP_FLAG_FIN = 0x01;
const TCP_FLAG_PSH = 0x08;
const TCP_FLAG_CWR = 0x80;

/** Why a read was dropped instead of split. */
export type OffloadDrop =
  | 'offload-short' // shorter than a virtio header, or its packet than the headers it claims
  | 'offload-unsupported' // a gso_type we did not ask for (UDP, UDP_L4, ECN, unknown)
  | 'offload-malformed' // headers that do not match the packet (checksum place, IP version, protocol, gso_size)
  | 'offload-too-large'; // a packet or segment larger than a batch slot

/**
 * The 16-bit one's complement sum (RFC 1071) of data[start, end) added to `initial`, not yet folded
 * or complemented. An odd last byte counts as its high half. Safe for any length up to 2^36 bytes.
 */
export function onesComplementSum(data: Uint8Array, start: number, end: number, initial = 0): number {
  let sum = initial;
  let i = start;
  for (; i + 1 < end; i += 2) {
    sum += (data[i]! << 8) | data[i + 1]!;
  }
  if (i < end) {
    sum += data[i]! << 8;
  }
  return sum;
}

/** Folds a sum to 16 bits and complements it: the checksum to store (0 sent as 0xffff, equal in one's complement). */
export function finishChecksum(sum: number): number {
  let folded = sum;
  while (folded > 0xffff) {
    folded = (folded & 0xffff) + Math.floor(folded / 0x10000);
  }
  const checksum = ~folded & 0xffff;
  return checksum === 0 ? 0xffff : checksum;
}

function readU16le(data: Uint8Array, at: number): number {
  return data[at]! | (data[at + 1]! << 8);
}

function writeU16(data: Uint8Array, at: number, value: number): void {
  data[at] = value >>> 8;
  data[at + 1] = value & 0xff;
}

/**
 * Splits one read from an offloading TUN, `source[start, start + length)` (virtio header first), into
 * `out` as complete IP packets. When `out` fills up, `flush()` must hand it on and empty it; splitting
 * then continues into the emptied batch. Returns why the read was dropped (nothing of it is left in
 * `out`), or undefined.
 */
export function splitOffloadedRead(
  source: Uint8Array,
  start: number,
  length: number,
  out: PacketBatch,
  flush: () => void,
): OffloadDrop | undefined {
  if (length < VIRTIO_NET_HDR_LENGTH) {
    return 'offload-short';
  }
  const flags = source[start]!;
  const gsoType = source[start + 1]!;
  const gsoSize = readU16le(source, start + 4);
  const csumStart = readU16le(source, start + 6);
  const csumOffset = readU16le(source, start + 8);
  const packet = start + VIRTIO_NET_HDR_LENGTH;
  const packetLength = length - VIRTIO_NET_HDR_LENGTH;
  if (packetLength === 0) {
    return 'offload-short';
  }
  if (gsoType === VIRTIO_NET_HDR_GSO_NONE) {
    const needsChecksum = (flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) !== 0;
    if (needsChecksum && csumStart + csumOffset + 2 > packetLength) {
      return 'offload-malformed';
    }
    if (packetLength > out.maxPacket) {
      return 'offload-too-large';
    }
    if (out.count >= out.capacity) {
      flush();
    }
    const at = out.nextOffset();
    out.data.set(source.subarray(packet, packet + packetLength), at);
    if (needsChecksum) {
      const field = at + csumStart + csumOffset;
      writeU16(out.data, field, finishChecksum(onesComplementSum(out.data, at + csumStart, at + packetLength)));
    }
    out.commit(packetLength);
    return undefined;
  }
  if (gsoType !== VIRTIO_NET_HDR_GSO_TCPV4 && gsoType !== VIRTIO_NET_HDR_GSO_TCPV6) {
    return 'offload-unsupported';
  }
  return splitTcp(
    source,
    packet,
    packetLength,
    gsoType === VIRTIO_NET_HDR_GSO_TCPV4,
    gsoSize,
    csumStart,
    csumOffset,
    out,
    flush,
  );
}

/** The TCP super-packet at source[packet, packet + packetLength) as segments of `gsoSize` payload bytes. */
function splitTcp(
  source: Uint8Array,
  packet: number,
  packetLength: number,
  ipv4: boolean,
  gsoSize: number,
  csumStart: number,
  csumOffset: number,
  out: PacketBatch,
  flush: () => void,
): OffloadDrop | undefined {
  const version = source[packet]! >> 4;
  let ipHeaderLength: number;
  if (ipv4) {
    ipHeaderLength = (source[packet]! & 0x0f) * 4;
    if (version !== 4 || ipHeaderLength < 20 || source[packet + 9] !== PROTOCOL_TCP) {
      return 'offload-malformed';
    }
  } else {
    // Extension headers would sit between the two: the kernel's TSO path for a TUN does not produce them.
    ipHeaderLength = IPV6_HEADER_LENGTH;
    if (version !== 6 || source[packet + 6] !== PROTOCOL_TCP) {
      return 'offload-malformed';
    }
  }
  if (csumStart !== ipHeaderLength || csumOffset !== TCP_CHECKSUM_OFFSET || gsoSize === 0) {
    return 'offload-malformed';
  }
  if (ipHeaderLength + 20 > packetLength) {
    return 'offload-short';
  }
  const tcp = packet + ipHeaderLength;
  const tcpHeaderLength = (source[tcp + 12]! >> 4) * 4;
  const headersLength = ipHeaderLength + tcpHeaderLength;
  if (tcpHeaderLength < 20) {
    return 'offload-malformed';
  }
  if (headersLength > packetLength) {
    return 'offload-short';
  }
  if (headersLength + Math.min(gsoSize, packetLength - headersLength) > out.maxPacket) {
    return 'offload-too-large';
  }
  const payloadLength = packetLength - headersLength;
  const segments = Math.max(1, Math.ceil(payloadLength / gsoSize));
  const firstId = ipv4 ? (source[packet + 4]! << 8) | source[packet + 5]! : 0;
  const firstSequence =
    ((source[tcp + 4]! << 24) | (source[tcp + 5]! << 16) | (source[tcp + 6]! << 8) | source[tcp + 7]!) >>> 0;
  const flags = source[tcp + 13]!;
  // The pseudo-header's addresses and protocol are the same for every segment: sum them once.
  const addressSum = ipv4
    ? onesComplementSum(source, packet + 12, packet + 20, PROTOCOL_TCP)
    : onesComplementSum(source, packet + 8, packet + 40, PROTOCOL_TCP);

  for (let i = 0; i < segments; i++) {
    if (out.count >= out.capacity) {
      flush();
    }
    const payloadStart = i * gsoSize;
    const segmentPayload = Math.min(gsoSize, payloadLength - payloadStart);
    const segmentLength = headersLength + segmentPayload;
    const at = out.nextOffset();
    const data = out.data;
    data.set(source.subarray(packet, packet + headersLength), at);
    data.set(
      source.subarray(packet + headersLength + payloadStart, packet + headersLength + payloadStart + segmentPayload),
      at + headersLength,
    );
    if (ipv4) {
      writeU16(data, at + 2, segmentLength);
      writeU16(data, at + 4, (firstId + i) & 0xffff);
      writeU16(data, at + 10, 0);
      writeU16(data, at + 10, finishChecksum(onesComplementSum(data, at, at + ipHeaderLength)));
    } else {
      writeU16(data, at + 4, segmentLength - IPV6_HEADER_LENGTH);
    }
    const segmentTcp = at + ipHeaderLength;
    const sequence = (firstSequence + payloadStart) >>> 0;
    data[segmentTcp + 4] = sequence >>> 24;
    data[segmentTcp + 5] = (sequence >>> 16) & 0xff;
    data[segmentTcp + 6] = (sequence >>> 8) & 0xff;
    data[segmentTcp + 7] = sequence & 0xff;
    let segmentFlags = flags;
    if (i < segments - 1) {
      segmentFlags &= ~(TCP_FLAG_FIN | TCP_FLAG_PSH);
    }
    if (i > 0) {
      segmentFlags &= ~TCP_FLAG_CWR;
    }
    data[segmentTcp + 13] = segmentFlags;
    writeU16(data, segmentTcp + TCP_CHECKSUM_OFFSET, 0);
    const tcpLength = segmentLength - ipHeaderLength;
    const sum = onesComplementSum(data, segmentTcp, at + segmentLength, addressSum + tcpLength);
    writeU16(data, segmentTcp + TCP_CHECKSUM_OFFSET, finishChecksum(sum));
    out.commit(segmentLength);
  }
  return undefined;
}
