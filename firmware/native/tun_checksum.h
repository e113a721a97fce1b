/*
 * Internet checksums (RFC 1071) and big-endian fields for the TUN's offload
 * code (tun_gro.c, tun_tso.c). Sums are of 32-bit words in host order, folded
 * at the end (RFC 1071 §2(B): the folded sum is the same bytes in any order),
 * so a folded sum or checksum is stored with memcpy, never byte-swapped.
 */
#ifndef BURROW_TUN_CHECKSUM_H
#define BURROW_TUN_CHECKSUM_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define IPPROTO_TCP_NUMBER 6

static inline uint16_t be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static inline uint32_t be32(const uint8_t *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static inline void put_be16(uint8_t *p, uint16_t value) {
  p[0] = (uint8_t)(value >> 8);
  p[1] = (uint8_t)value;
}
static inline void put_be32(uint8_t *p, uint32_t value) {
  put_be16(p, (uint16_t)(value >> 16));
  put_be16(p + 2, (uint16_t)value);
}

/* Adds p[0, n) to `sum`; an odd last byte counts as the first byte of a zero-padded word. */
static inline uint64_t sum_words(const uint8_t *p, size_t n, uint64_t sum) {
  uint32_t word;
  for (; n >= 4; p += 4, n -= 4) {
    memcpy(&word, p, 4);
    sum += word;
  }
  if (n > 0) {
    word = 0;
    memcpy(&word, p, n);
    sum += word;
  }
  return sum;
}

static inline uint16_t fold(uint64_t sum) {
  while (sum >> 16) {
    sum = (sum & 0xffff) + (sum >> 16);
  }
  return (uint16_t)sum;
}

/* Stores the checksum of `sum` at p: complemented, and 0 sent as 0xffff (equal in ones' complement). */
static inline void put_checksum(uint8_t *p, uint64_t sum) {
  uint16_t checksum = (uint16_t)~fold(sum);
  if (checksum == 0) {
    checksum = 0xffff;
  }
  memcpy(p, &checksum, 2);
}

/* The TCP pseudo-header's sum for a segment of `l4_length` bytes of the IPv4 or IPv6 `packet`. */
static inline uint64_t pseudo_header_sum(const uint8_t *packet, uint8_t version, uint32_t l4_length) {
  uint8_t tail[8] = {0};
  if (version == 4) {
    tail[1] = IPPROTO_TCP_NUMBER;
    put_be16(tail + 2, (uint16_t)l4_length);
    return sum_words(tail, 4, sum_words(packet + 12, 8, 0));
  }
  put_be32(tail, l4_length);
  tail[7] = IPPROTO_TCP_NUMBER;
  return sum_words(tail, 8, sum_words(packet + 8, 32, 0));
}

#endif /* BURROW_TUN_CHECKSUM_H */
