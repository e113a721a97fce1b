/*
 * Splitting what a TUN with offloads hands up (IFF_VNET_HDR + TSO) into the
 * IP packets the engine seals, one per wire-sized segment. No N-API and no
 * descriptor: bytes in, bytes into batch slots out (src/io/tso-split.ts calls
 * it through burrow_tun's split()).
 *
 * Each read is a 10-byte struct virtio_net_hdr followed by one IP packet:
 *
 *   | flags | gso_type | hdr_len | gso_size | csum_start | csum_offset | IP packet ... |
 *     u8      u8         u16        u16        u16          u16          (host order: legacy virtio)
 *
 *   - gso_type NONE: one packet; if flags has NEEDS_CSUM its transport
 *     checksum is partial (the pseudo-header sum) and is completed here over
 *     csum_start..end.
 *   - gso_type TCPV4 / TCPV6: a TCP super-packet of up to 64 KB whose payload
 *     becomes segments of gso_size bytes, each with its own copy of the IP and
 *     TCP headers: IPv4 total length, id (+1 per segment) and header checksum,
 *     IPv6 payload length, TCP sequence number, flags (FIN and PSH only on the
 *     last segment, CWR only on the first) and checksum.
 *   - anything else (UDP GSO, ECN, lengths that do not add up) is dropped with
 *     a reason, before anything is written.
 */
#ifndef BURROW_TUN_TSO_H
#define BURROW_TUN_TSO_H

#include <stdbool.h>
#include <stdint.h>

#define TUN_TSO_VNET_HDR_SIZE 10

/* Why a read was dropped; 0 means it was split. The order is src/io/tso-split.ts' OFFLOAD_DROPS. */
typedef enum tun_tso_drop {
  TUN_TSO_SPLIT = 0,
  TUN_TSO_SHORT,       /* shorter than a virtio header, or its packet than the headers it claims */
  TUN_TSO_UNSUPPORTED, /* a gso_type we did not ask for (UDP, UDP_L4, ECN, unknown) */
  TUN_TSO_MALFORMED,   /* headers that do not match the packet (checksum place, IP version, protocol, gso_size) */
  TUN_TSO_TOO_LARGE,   /* a packet or segment larger than a batch slot */
} tun_tso_drop;

/* A batch of fixed slots (src/io/packets.ts' PacketBatch): slot k's packet starts at k * slot_size + headroom. */
typedef struct tun_tso_batch {
  uint8_t *data;
  uint32_t *offsets;
  uint32_t *lengths;
  uint32_t count; /* slots filled; the split fills from here and advances it */
  uint32_t capacity;
  uint32_t slot_size;
  uint32_t headroom;
  uint32_t max_packet;
} tun_tso_batch;

/*
 * Splits the read `read[0, length)` into `out`, starting with segment
 * `*segment` (0 for a new read) and stopping when `out` is full: *segment is
 * then where to go on once it has been emptied, and *more is true.
 */
tun_tso_drop tun_tso_split(const uint8_t *read, uint32_t length, tun_tso_batch *out, uint32_t *segment, bool *more);

#endif /* BURROW_TUN_TSO_H */
