/*
 * Writing packet lists to a TUN descriptor, without N-API: one write per
 * packet, or, on a device with vnet headers, TCP runs coalesced into
 * super-packets first (tun_gro.h). The kernel that refuses a super-packet
 * (EINVAL) gets that run's segments one by one, and no more super-packets.
 */
#ifndef BURROW_TUN_WRITER_H
#define BURROW_TUN_WRITER_H

#include <stdbool.h>
#include <stdint.h>

typedef struct tun_writer {
  int fd;
  bool vnet;             /* every write starts with a virtio_net_hdr */
  bool coalesce;         /* coalesce TCP runs (vnet only); cleared when the kernel refuses one */
  int coalesce_refused;  /* the errno of that refusal, 0 if none */
  uint64_t super_packets; /* written */
  uint64_t coalesced;     /* segments that went inside them */
} tun_writer;

typedef struct tun_write_result {
  uint32_t written; /* packets the kernel took (a super-packet counts its segments) */
  int error;        /* an errno that should be thrown, 0 if none (EAGAIN/ENOBUFS stop early without one) */
} tun_write_result;

tun_write_result tun_writer_write(tun_writer *w, uint8_t *data, const uint32_t *offsets, const uint32_t *lengths,
                                  uint32_t count);

#endif /* BURROW_TUN_WRITER_H */
