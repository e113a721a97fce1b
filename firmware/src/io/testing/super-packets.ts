/**
 * TCP super-packets as a TUN with offloads hands them up (virtio header first), and an independent
 * check of a segment's TCP checksum, for the tests of tso-split.ts.
 */
import { randomBytes } from 'node:crypto';
import {
  VIRTIO_NET_HDR_F_NEEDS_CSUM,
  VIRTIO_NET_HDR_GSO_TCPV4,
  VIRTIO_NET_HDR_GSO_TCPV6,
  VIRTIO_NET_HDR_LENGTH,
} from '../tso-split.js';
import { internetChecksum } from './ip-packets.js';

export const SOURCE_V4 = [10, 0, 0, 1];
export const DESTINATION_V4 = [10, 0, 0, 2];
const SOURCE_V6 = [0xfd, 0, ...new Array<number>(13).fill(0), 1];
const DESTINATION_V6 = [0xfd, 0, ...new Array<number>(13).fill(0), 2];

export interface SuperPacket {
  readonly read: Uint8Array; // virtio header + packet
  readonly payload: Uint8Array;
}

export function virtioHeader(fields: {
  flags?: number;
  gsoType: number;
  hdrLen?: number;
  gsoSize?: number;
  csumStart?: number;
  csumOffset?: number;
}): Uint8Array {
  const header = new Uint8Array(VIRTIO_NET_HDR_LENGTH);
  const view = new DataView(header.buffer);
  header[0] = fields.flags ?? 0;
  header[1] = fields.gsoType;
  view.setUint16(2, fields.hdrLen ?? 0, true);
  view.setUint16(4, fields.gsoSize ?? 0, true);
  view.setUint16(6, fields.csumStart ?? 0, true);
  view.setUint16(8, fields.csumOffset ?? 0, true);
  return header;
}

/** A TCP super-packet as the kernel hands it with TSO: one header pair, a long payload, a partial checksum. */
export function tcpSuperPacket(options: {
  version: 4 | 6;
  payloadLength: number;
  gsoSize: number;
  flags: number;
  sequence?: number;
  tcpOptions?: number; // bytes of TCP options (a multiple of 4)
  payload?: Uint8Array; // random bytes of payloadLength if not given
  id?: number; // the IPv4 ID of the first segment; 0xfffe if not given
}): SuperPacket {
  const ipLength = options.version === 4 ? 20 : 40;
  const tcpLength = 20 + (options.tcpOptions ?? 0);
  const payload = options.payload ?? randomBytes(options.payloadLength);
  const packet = new Uint8Array(ipLength + tcpLength + payload.length);
  const view = new DataView(packet.buffer);
  if (options.version === 4) {
    packet[0] = 0x45;
    view.setUint16(2, packet.length);
    view.setUint16(4, options.id ?? 0xfffe); // by default the id wraps during the split
    view.setUint16(6, 0x4000);
    packet[8] = 64;
    packet[9] = 6;
    packet.set(SOURCE_V4, 12);
    packet.set(DESTINATION_V4, 16);
  } else {
    packet[0] = 0x60;
    view.setUint16(4, packet.length - 40);
    packet[6] = 6;
    packet[7] = 64;
    packet.set(SOURCE_V6, 8);
    packet.set(DESTINATION_V6, 24);
  }
  view.setUint16(ipLength, 40000);
  view.setUint16(ipLength + 2, 5201);
  view.setUint32(ipLength + 4, options.sequence ?? 0xfffff000); // the sequence number wraps too
  view.setUint32(ipLength + 8, 12345);
  packet[ipLength + 12] = (tcpLength / 4) << 4;
  packet[ipLength + 13] = options.flags;
  view.setUint16(ipLength + 14, 65535);
  view.setUint16(ipLength + 16, 0xbeef); // a partial checksum the split must not trust
  packet.fill(1, ipLength + 20, ipLength + tcpLength); // NOPs
  packet.set(payload, ipLength + tcpLength);
  const header = virtioHeader({
    flags: VIRTIO_NET_HDR_F_NEEDS_CSUM,
    gsoType: options.version === 4 ? VIRTIO_NET_HDR_GSO_TCPV4 : VIRTIO_NET_HDR_GSO_TCPV6,
    hdrLen: ipLength + tcpLength,
    gsoSize: options.gsoSize,
    csumStart: ipLength,
    csumOffset: 16,
  });
  return { read: Buffer.concat([header, packet]), payload };
}

/** The TCP checksum of a whole IP packet verified independently: the sum with the pseudo-header is 0. */
export function tcpChecksumValid(packet: Uint8Array): boolean {
  const v4 = packet[0]! >> 4 === 4;
  const ipLength = v4 ? (packet[0]! & 0x0f) * 4 : 40;
  const segment = packet.subarray(ipLength);
  const pseudo = new Uint8Array((v4 ? 12 : 40) + segment.length + (segment.length % 2));
  const view = new DataView(pseudo.buffer);
  if (v4) {
    pseudo.set(packet.subarray(12, 20), 0);
    pseudo[9] = 6;
    view.setUint16(10, segment.length);
    pseudo.set(segment, 12);
  } else {
    pseudo.set(packet.subarray(8, 40), 0);
    view.setUint32(32, segment.length);
    pseudo[39] = 6;
    pseudo.set(segment, 40);
  }
  return internetChecksum(pseudo) === 0;
}
