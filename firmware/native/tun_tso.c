/*
 * See tun_tso.h. Every check comes before the first byte is written, so a
 * dropped read leaves nothing in the batch.
 */
#include "tun_tso.h"
#include "tun_checksum.h"

#define VIRTIO_NET_HDR_F_NEEDS_CSUM 1
#define VIRTIO_NET_HDR_GSO_NONE 0
#define VIRTIO_NET_HDR_GSO_TCPV4 1
#define VIRTIO_NET_HDR_GSO_TCPV6 4
#define IPV4_HEADER_MIN 20
#define IPV6_HEADER 40
#define TCP_HEADER_MIN 20
#define TCP_CHECKSUM_OFFSET 16
#define TCP_FLAG_FIN 0x01
#define TCP_FLAG_PSH 0x08
#define TCP_FLAG_CWR 0x80

static uint16_t host16(const uint8_t *p) {
  uint16_t value;
  memcpy(&value, p, 2);
  return value;
}

/* Where the next slot's packet goes, or NULL (and *more) when the batch is full. */
static uint8_t *next_slot(tun_tso_batch *out, bool *more) {
  if (out->count >= out->capacity) {
    *more = true;
    return NULL;
  }
  return out->data + (size_t)out->count * out->slot_size + out->headroom;
}

static void commit(tun_tso_batch *out, uint32_t length) {
  out->offsets[out->count] = out->count * out->slot_size + out->headroom;
  out->lengths[out->count] = length;
  out->count++;
}

/* gso_type NONE: the packet as it is, its transport checksum completed if the kernel left it partial. */
static tun_tso_drop pass_one(const uint8_t *read, const uint8_t *packet, uint32_t length, tun_tso_batch *out,
                             uint32_t *segment, bool *more) {
  if (*segment > 0) {
    return TUN_TSO_SPLIT; /* already in the batch */
  }
  bool needs_checksum = (read[0] & VIRTIO_NET_HDR_F_NEEDS_CSUM) != 0;
  uint32_t csum_start = host16(read + 6);
  uint32_t field = csum_start + host16(read + 8);
  if (needs_checksum && field + 2 > length) {
    return TUN_TSO_MALFORMED;
  }
  if (length > out->max_packet) {
    return TUN_TSO_TOO_LARGE;
  }
  uint8_t *at = next_slot(out, more);
  if (at == NULL) {
    return TUN_TSO_SPLIT;
  }
  memcpy(at, packet, length);
  if (needs_checksum) {
    put_checksum(at + field, sum_words(at + csum_start, length - csum_start, 0));
  }
  commit(out, length);
  *segment = 1;
  return TUN_TSO_SPLIT;
}

/* The TCP super-packet `p[0, length)` as segments of gso_size payload bytes, from segment *segment on. */
static tun_tso_drop split_tcp(const uint8_t *read, const uint8_t *p, uint32_t length, bool ipv4, tun_tso_batch *out,
                              uint32_t *segment, bool *more) {
  uint32_t gso_size = host16(read + 4);
  uint32_t ip_header_length;
  if (ipv4) {
    if (length < 10) {
      return TUN_TSO_SHORT;
    }
    ip_header_length = (uint32_t)(p[0] & 0x0f) * 4;
    if (p[0] >> 4 != 4 || ip_header_length < IPV4_HEADER_MIN || p[9] != IPPROTO_TCP_NUMBER) {
      return TUN_TSO_MALFORMED;
    }
  } else {
    /* Extension headers would sit between the two: the kernel's TSO path for a TUN does not produce them. */
    if (length < 7) {
      return TUN_TSO_SHORT;
    }
    ip_header_length = IPV6_HEADER;
    if (p[0] >> 4 != 6 || p[6] != IPPROTO_TCP_NUMBER) {
      return TUN_TSO_MALFORMED;
    }
  }
  if (host16(read + 6) != ip_header_length || host16(read + 8) != TCP_CHECKSUM_OFFSET || gso_size == 0) {
    return TUN_TSO_MALFORMED;
  }
  if (ip_header_length + TCP_HEADER_MIN > length) {
    return TUN_TSO_SHORT;
  }
  const uint8_t *tcp = p + ip_header_length;
  uint32_t tcp_header_length = (uint32_t)(tcp[12] >> 4) * 4;
  uint32_t headers = ip_header_length + tcp_header_length;
  if (tcp_header_length < TCP_HEADER_MIN) {
    return TUN_TSO_MALFORMED;
  }
  if (headers > length) {
    return TUN_TSO_SHORT;
  }
  /* The IP header's length is the read's: anything after it is not payload to segment. */
  if ((ipv4 && be16(p + 2) != length) || (!ipv4 && (uint32_t)be16(p + 4) + IPV6_HEADER != length)) {
    return TUN_TSO_MALFORMED;
  }
  uint32_t payload = length - headers;
  uint32_t largest = headers + (gso_size < payload ? gso_size : payload);
  if (largest > out->max_packet || largest > UINT16_MAX) { /* an IPv4 total length must hold it */
    return TUN_TSO_TOO_LARGE;
  }
  uint32_t segments = payload == 0 ? 1 : (payload + gso_size - 1) / gso_size;
  uint16_t first_id = ipv4 ? be16(p + 4) : 0;
  uint32_t first_sequence = be32(tcp + 4);
  uint8_t flags = tcp[13];
  for (uint32_t i = *segment; i < segments; i++) {
    uint8_t *at = next_slot(out, more);
    if (at == NULL) {
      *segment = i;
      return TUN_TSO_SPLIT;
    }
    uint32_t payload_start = i * gso_size;
    uint32_t segment_payload = payload - payload_start < gso_size ? payload - payload_start : gso_size;
    uint32_t segment_length = headers + segment_payload;
    memcpy(at, p, headers);
    memcpy(at + headers, p + headers + payload_start, segment_payload);
    if (ipv4) {
      put_be16(at + 2, (uint16_t)segment_length);
      put_be16(at + 4, (uint16_t)(first_id + i));
      at[10] = at[11] = 0;
      put_checksum(at + 10, sum_words(at, ip_header_length, 0));
    } else {
      put_be16(at + 4, (uint16_t)(segment_length - IPV6_HEADER));
    }
    uint8_t *segment_tcp = at + ip_header_length;
    put_be32(segment_tcp + 4, first_sequence + payload_start);
    uint8_t segment_flags = flags;
    if (i < segments - 1) {
      segment_flags &= (uint8_t)~(TCP_FLAG_FIN | TCP_FLAG_PSH);
    }
    if (i > 0) {
      segment_flags &= (uint8_t)~TCP_FLAG_CWR;
    }
    segment_tcp[13] = segment_flags;
    segment_tcp[TCP_CHECKSUM_OFFSET] = segment_tcp[TCP_CHECKSUM_OFFSET + 1] = 0;
    uint32_t tcp_length = segment_length - ip_header_length;
    put_checksum(segment_tcp + TCP_CHECKSUM_OFFSET,
                 sum_words(segment_tcp, tcp_length, pseudo_header_sum(at, ipv4 ? 4 : 6, tcp_length)));
    commit(out, segment_length);
  }
  *segment = segments;
  return TUN_TSO_SPLIT;
}

tun_tso_drop tun_tso_split(const uint8_t *read, uint32_t length, tun_tso_batch *out, uint32_t *segment, bool *more) {
  *more = false;
  if (length <= TUN_TSO_VNET_HDR_SIZE) {
    return TUN_TSO_SHORT; /* no header, or a header and no packet */
  }
  const uint8_t *packet = read + TUN_TSO_VNET_HDR_SIZE;
  uint32_t packet_length = length - TUN_TSO_VNET_HDR_SIZE;
  switch (read[1]) {
    case VIRTIO_NET_HDR_GSO_NONE:
      return pass_one(read, packet, packet_length, out, segment, more);
    case VIRTIO_NET_HDR_GSO_TCPV4:
      return split_tcp(read, packet, packet_length, true, out, segment, more);
    case VIRTIO_NET_HDR_GSO_TCPV6:
      return split_tcp(read, packet, packet_length, false, out, segment, more);
    default:
      return TUN_TSO_UNSUPPORTED;
  }
}
