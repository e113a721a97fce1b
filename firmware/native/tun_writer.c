/*
 * See tun_writer.h. A packet the kernel refuses as malformed (EINVAL: not
 * IPv4/IPv6) is dropped and the rest still go; EAGAIN/ENOBUFS stop early (the
 * caller counts the remainder as dropped); any other error stops with it.
 */
#include "tun_writer.h"
#include "tun_gro.h"

#include <errno.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

typedef enum { WROTE, DROPPED, STOP } write_outcome;

typedef struct write_state {
  tun_writer *w;
  tun_write_result result;
} write_state;

static write_outcome outcome_of(ssize_t n, write_state *s) {
  if (n >= 0) {
    return WROTE;
  }
  if (errno == EINVAL) {
    return DROPPED;
  }
  if (errno != EAGAIN && errno != EWOULDBLOCK && errno != ENOBUFS) {
    s->result.error = errno;
  }
  return STOP;
}

static ssize_t writev_retrying(int fd, const struct iovec *parts, int count) {
  ssize_t n;
  do {
    n = writev(fd, parts, count);
  } while (n < 0 && errno == EINTR);
  return n;
}

/* One packet as it is: behind a GSO_NONE header with vnet headers (the engine's checksums are complete). */
static write_outcome write_one(write_state *s, uint8_t *packet, uint32_t length) {
  /* hdr_len (host order) is how much the kernel puts in the skb's linear part: with 0 it would put none there. */
  uint8_t no_offload[TUN_GRO_VNET_HDR_SIZE] = {0};
  uint16_t linear = length > UINT16_MAX ? UINT16_MAX : (uint16_t)length;
  memcpy(no_offload + 2, &linear, sizeof linear);
  struct iovec parts[2] = {{.iov_base = no_offload, .iov_len = sizeof no_offload},
                           {.iov_base = packet, .iov_len = length}};
  write_outcome outcome =
      outcome_of(s->w->vnet ? writev_retrying(s->w->fd, parts, 2) : writev_retrying(s->w->fd, parts + 1, 1), s);
  s->result.written += outcome == WROTE ? 1 : 0;
  return outcome;
}

static bool write_each(write_state *s, uint8_t *data, const uint32_t *offsets, const uint32_t *lengths,
                       const tun_gro_run *run) {
  for (uint32_t k = 0; k < run->count; k++) {
    uint32_t i = run->indices[k];
    if (write_one(s, data + offsets[i], lengths[i]) == STOP) {
      return false;
    }
  }
  return true;
}

/* tun_gro_emit_fn: a run of one as it is; a longer one as a super-packet gathered from where its segments lie. */
static bool write_run(void *context, uint8_t *data, const uint32_t *offsets, const uint32_t *lengths,
                      const tun_gro_run *run) {
  write_state *s = context;
  if (run->count == 1 || !s->w->coalesce) { /* alone, or the kernel refused a super-packet earlier in this call */
    return write_each(s, data, offsets, lengths, run);
  }
  uint8_t vnet[TUN_GRO_VNET_HDR_SIZE];
  uint8_t saved[TUN_GRO_SAVED_BYTES];
  struct iovec parts[1 + TUN_GRO_MAX_SEGMENTS];
  uint32_t headers = (uint32_t)run->ip_header_length + run->tcp_header_length;
  tun_gro_finish(data, offsets, run, vnet, saved);
  parts[0] = (struct iovec){.iov_base = vnet, .iov_len = sizeof vnet};
  for (uint32_t k = 0; k < run->count; k++) {
    uint32_t i = run->indices[k];
    uint32_t skip = k == 0 ? 0 : headers;
    parts[1 + k] = (struct iovec){.iov_base = data + offsets[i] + skip, .iov_len = lengths[i] - skip};
  }
  write_outcome outcome = outcome_of(writev_retrying(s->w->fd, parts, (int)(1 + run->count)), s);
  if (outcome == WROTE) {
    s->result.written += run->count;
    s->w->super_packets++;
    s->w->coalesced += run->count;
    return true;
  }
  tun_gro_undo(data, offsets, run, saved);
  if (outcome == DROPPED) {
    /* A kernel that takes no super-packets: these segments one by one, and no more coalescing. */
    s->w->coalesce = false;
    s->w->coalesce_refused = EINVAL;
    return write_each(s, data, offsets, lengths, run);
  }
  return false;
}

tun_write_result tun_writer_write(tun_writer *w, uint8_t *data, const uint32_t *offsets, const uint32_t *lengths,
                                  uint32_t count) {
  write_state s = {.w = w, .result = {0, 0}};
  if (w->vnet && w->coalesce) {
    tun_gro_coalesce(data, offsets, lengths, count, write_run, &s);
    return s.result;
  }
  for (uint32_t i = 0; i < count; i++) {
    if (write_one(&s, data + offsets[i], lengths[i]) == STOP) {
      break;
    }
  }
  return s.result;
}
