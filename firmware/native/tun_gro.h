/*
 * Receive-side coalescing for the TUN device (the write half of its TCP
 * offloads), without N-API or a descriptor, so tests and the fuzzer can run it
 * on any packet list.
 *
 * The engine writes what it decrypted, mostly runs of full-sized segments of
 * a few TCP flows. Written one by one, each segment costs the kernel a trip
 * through its IP and TCP receive path; coalesced, a run of up to 64 costs one:
 *
 *   [virtio_net_hdr: GSO_TCPV4/6, NEEDS_CSUM] [first segment: IP + TCP header, payload] [payload 2] ... [payload n]
 *
 * written with one writev() of the segments where they lie. A segment joins
 * its flow's open run only if the run's next segment is exactly this one: the
 * same addresses, ports, IP fields and TCP header (options, ack, window; PSH
 * only on the last), the next sequence number, the next IPv4 ID, a payload no
 * longer than the first's (a shorter one, or PSH, ends the run) and the whole
 * within 64 KB. Candidates must have valid checksums (a peer's bad segment
 * is never made to look checked), no IP options or IPv6 extension headers,
 * ACK set and none of SYN, FIN, RST, URG, ECE, CWR. Anything else is written
 * alone, after its flow's run, so each flow keeps its order.
 */
#ifndef BURROW_TUN_GRO_H
#define BURROW_TUN_GRO_H

#include <stdbool.h>
#include <stdint.h>

#define TUN_GRO_VNET_HDR_SIZE 10
/* Segments per super-packet; 64 full 1380-byte segments would exceed 64 KB anyway. */
#define TUN_GRO_MAX_SEGMENTS 64
/* Flows with an open run at once; a new flow beyond this ends the oldest run. */
#define TUN_GRO_FLOWS 8

/* One run: packet indices in order, and what the super-packet's headers need. */
typedef struct tun_gro_run {
  uint32_t indices[TUN_GRO_MAX_SEGMENTS];
  uint32_t count;
  uint32_t total;    /* bytes of the super-packet: the first segment whole, then the others' payloads */
  uint16_t gso_size; /* the first segment's payload length */
  uint8_t ip_header_length;
  uint8_t tcp_header_length;
  uint8_t version;   /* 4 or 6 */
  bool ended;        /* a short segment or PSH: nothing may follow */
} tun_gro_run;

/*
 * Called for each thing to write, in an order that keeps every flow's order:
 * a run of one (write that packet as it is) or more (tun_gro_finish, then
 * write the header, the first segment and the others' payloads). Returns
 * false to stop.
 */
typedef bool (*tun_gro_emit_fn)(void *context, uint8_t *data, const uint32_t *offsets, const uint32_t *lengths,
                                const tun_gro_run *run);

/* Groups `count` packets and emits every one of them exactly once, unless emit returns false. */
void tun_gro_coalesce(uint8_t *data, const uint32_t *offsets, const uint32_t *lengths, uint32_t count,
                      tun_gro_emit_fn emit, void *context);

/*
 * For a run of two or more: rewrites the first segment's headers in place for
 * the super-packet (IP length and IPv4 header checksum, PSH from the last
 * segment, the TCP checksum field to the pseudo-header sum that NEEDS_CSUM
 * asks for) and fills the virtio header. `saved` (at least 120 bytes) gets the
 * original headers and tun_gro_undo puts them back.
 */
void tun_gro_finish(uint8_t *data, const uint32_t *offsets, const tun_gro_run *run,
                    uint8_t vnet[TUN_GRO_VNET_HDR_SIZE], uint8_t *saved);
void tun_gro_undo(uint8_t *data, const uint32_t *offsets, const tun_gro_run *run, const uint8_t *saved);

/* Bytes tun_gro_finish may save: the largest IPv6 + TCP header. */
#define TUN_GRO_SAVED_BYTES 120

#endif /* BURROW_TUN_GRO_H */
