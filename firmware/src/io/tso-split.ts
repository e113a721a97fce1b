/**
 * Splitting what a TUN with offloads hands up (IFF_VNET_HDR + TSO) into the IP packets the engine
 * seals, one per wire-sized segment. Sans-IO: bytes in, bytes into a PacketBatch out. The work is in
 * C (native/tun_tso.c, whose header says what each kind of read becomes): it sums every byte for
 * the segments' checksums, which cost a sixth of the engine's CPU in TypeScript.
 *
 * Each read is a 10-byte struct virtio_net_hdr followed by one IP packet:
 *
 *   | flags | gso_type | hdr_len | gso_size | csum_start | csum_offset | IP packet ... |
 *     u8      u8         u16le     u16le      u16le        u16le
 *
 *   - gso_type NONE: one packet, its partial checksum (NEEDS_CSUM) completed.
 *   - gso_type TCPV4 / TCPV6: a TCP super-packet of up to 64 KB cut into gso_size segments, each
 *     with its own IP and TCP headers and checksums.
 *   - anything else (UDP GSO, ECN, lengths that do not add up) is dropped with a reason.
 */
import { loadTunAddon } from './native.js';
import { type PacketBatch } from './packets.js';

export const VIRTIO_NET_HDR_LENGTH = 10;
export const VIRTIO_NET_HDR_F_NEEDS_CSUM = 1;
export const VIRTIO_NET_HDR_GSO_NONE = 0;
export const VIRTIO_NET_HDR_GSO_TCPV4 = 1;
export const VIRTIO_NET_HDR_GSO_UDP = 3;
export const VIRTIO_NET_HDR_GSO_TCPV6 = 4;
export const VIRTIO_NET_HDR_GSO_UDP_L4 = 5;
export const VIRTIO_NET_HDR_GSO_ECN = 0x80;

/** Why a read was dropped instead of split. */
export type OffloadDrop =
  | 'offload-short' // shorter than a virtio header, or its packet than the headers it claims
  | 'offload-unsupported' // a gso_type we did not ask for (UDP, UDP_L4, ECN, unknown)
  | 'offload-malformed' // headers that do not match the packet (checksum place, IP version, protocol, gso_size)
  | 'offload-too-large'; // a packet or segment larger than a batch slot

/** OffloadDrop by the native split's reason number (tun_tso.h: tun_tso_drop, from 1). */
const OFFLOAD_DROPS: readonly OffloadDrop[] = [
  'offload-short',
  'offload-unsupported',
  'offload-malformed',
  'offload-too-large',
];

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
  const addon = loadTunAddon();
  let segment = 0;
  for (;;) {
    const result = addon.split(
      source,
      start,
      length,
      out.data,
      out.offsets,
      out.lengths,
      out.count,
      out.capacity,
      out.slotSize,
      out.headroom,
      out.maxPacket,
      segment,
    );
    if (result < 0) {
      return OFFLOAD_DROPS[-result - 1];
    }
    const next = Math.floor(result / 2);
    out.count += next - segment;
    segment = next;
    if (result % 2 === 0) {
      return undefined;
    }
    flush();
  }
}
