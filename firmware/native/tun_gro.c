/*
 * TCP receive coalescing for TUN writes: see tun_gro.h for what joins a run.
 * Flow, in packet order:
 *   1. Parse: is the packet a coalescing candidate (tcp_segment)?
 *   2. Find its flow's open run; append if it is exactly the run's next segment.
 *   3. Otherwise end that run (emit it) and open a new one, or emit the packet alone.
 *   4. At the end, emit the runs still open, oldest first.
 */
#include "tun_gro.h"
#include "tun_checksum.h"

#define IPV4_HEADER 20
#define IPV6_HEADER 40
#define TCP_HEADER_MIN 20
#define TCP_FLAG_FIN 0x01
#define TCP_FLAG_SYN 0x02
#define TCP_FLAG_RST 0x04
#define TCP_FLAG_PSH 0x08
#define TCP_FLAG_ACK 0x10
#define TCP_FLAGS_REFUSED (TCP_FLAG_FIN | TCP_FLAG_SYN | TCP_FLAG_RST | 0x20 | 0x40 | 0x80) /* and URG, ECE, CWR */
#define SUPER_PACKET_MAX 65535
#define VIRTIO_NET_HDR_F_NEEDS_CSUM 1
#define VIRTIO_NET_HDR_GSO_TCPV4 1
#define VIRTIO_NET_HDR_GSO_TCPV6 4

/* What step 1 learns of a candidate. */
typedef struct tcp_segment {
  uint8_t version;
  uint8_t ip_header_length;
  uint8_t tcp_header_length;
  uint8_t flags;
  uint16_t payload;
  uint32_t seq;
} tcp_segment;

/* Step 1: true if the packet may join a run, with what runs need of it. */
static bool parse_segment(const uint8_t *p, uint32_t length, tcp_segment *s) {
  if (length < IPV4_HEADER) {
    return false;
  }
  s->version = p[0] >> 4;
  if (s->version == 4) {
    if (p[0] != 0x45 || be16(p + 2) != length || p[9] != IPPROTO_TCP_NUMBER || (be16(p + 6) & 0x3fff) != 0 ||
        fold(sum_words(p, IPV4_HEADER, 0)) != 0xffff) {
      return false;
    }
    s->ip_header_length = IPV4_HEADER;
  } else if (s->version == 6) {
    if (length < IPV6_HEADER || (uint32_t)be16(p + 4) + IPV6_HEADER != length || p[6] != IPPROTO_TCP_NUMBER) {
      return false;
    }
    s->ip_header_length = IPV6_HEADER;
  } else {
    return false;
  }
  if (length < (uint32_t)s->ip_header_length + TCP_HEADER_MIN || length > SUPER_PACKET_MAX) {
    return false;
  }
  const uint8_t *tcp = p + s->ip_header_length;
  s->tcp_header_length = (uint8_t)((tcp[12] >> 4) * 4);
  s->flags = tcp[13];
  if (s->tcp_header_length < TCP_HEADER_MIN || (uint32_t)s->ip_header_length + s->tcp_header_length >= length ||
      (s->flags & TCP_FLAG_ACK) == 0 || (s->flags & TCP_FLAGS_REFUSED) != 0) {
    return false;
  }
  uint32_t l4_length = length - s->ip_header_length;
  if (fold(sum_words(tcp, l4_length, pseudo_header_sum(p, s->version, l4_length))) != 0xffff) {
    return false;
  }
  s->payload = (uint16_t)(l4_length - s->tcp_header_length);
  s->seq = be32(tcp + 4);
  return true;
}

/* Whether packet `a` has `version` and the addresses of `b` (which has that version). */
static bool same_addresses(const uint8_t *a, uint32_t a_length, const uint8_t *b, uint8_t version) {
  size_t at = version == 4 ? 12 : 8;
  size_t addresses = version == 4 ? 8 : 32;
  return a_length >= at + addresses && (a[0] >> 4) == version && memcmp(a + at, b + at, addresses) == 0;
}

/* Step 2: whether `s` (at p) is exactly the next segment of `run`. */
static bool continues(const tun_gro_run *run, const uint8_t *first, const uint8_t *last, uint16_t last_payload,
                      const uint8_t *p, const tcp_segment *s) {
  if (run->ended || run->count >= TUN_GRO_MAX_SEGMENTS || run->total + s->payload > SUPER_PACKET_MAX ||
      s->payload > run->gso_size || s->tcp_header_length != run->tcp_header_length) {
    return false;
  }
  if (s->version == 4) {
    /* TOS, TTL and DF as the first's; the IPv4 ID one past the last's. */
    if (p[1] != first[1] || p[8] != first[8] || (p[6] & 0x40) != (first[6] & 0x40) ||
        be16(p + 4) != (uint16_t)(be16(last + 4) + 1)) {
      return false;
    }
  } else if (memcmp(p, first, 4) != 0 || p[7] != first[7]) { /* traffic class, flow label, hop limit */
    return false;
  }
  const uint8_t *tcp = p + s->ip_header_length;
  const uint8_t *first_tcp = first + s->ip_header_length;
  const uint8_t *last_tcp = last + s->ip_header_length;
  return be32(tcp + 4) == be32(last_tcp + 4) + last_payload && memcmp(tcp + 8, first_tcp + 8, 4) == 0 &&
         tcp[12] == first_tcp[12] && (tcp[13] & ~TCP_FLAG_PSH) == first_tcp[13] &&
         memcmp(tcp + 14, first_tcp + 14, 2) == 0 &&
         memcmp(tcp + TCP_HEADER_MIN, first_tcp + TCP_HEADER_MIN, s->tcp_header_length - TCP_HEADER_MIN) == 0;
}

typedef struct gro_state {
  tun_gro_run runs[TUN_GRO_FLOWS]; /* open runs, oldest first */
  uint32_t open;
  uint8_t *data;
  const uint32_t *offsets;
  const uint32_t *lengths;
  tun_gro_emit_fn emit;
  void *context;
  bool stopped;
} gro_state;

static void emit_run(gro_state *g, const tun_gro_run *run) {
  if (!g->stopped && !g->emit(g->context, g->data, g->offsets, g->lengths, run)) {
    g->stopped = true;
  }
}

/* Step 3: emits open run `r` and closes the gap it leaves. */
static void end_run(gro_state *g, uint32_t r) {
  emit_run(g, &g->runs[r]);
  memmove(&g->runs[r], &g->runs[r + 1], (g->open - r - 1) * sizeof g->runs[0]);
  g->open--;
}

static void open_run(gro_state *g, uint32_t index, const tcp_segment *s) {
  if (g->open == TUN_GRO_FLOWS) {
    end_run(g, 0);
  }
  tun_gro_run *run = &g->runs[g->open++];
  run->indices[0] = index;
  run->count = 1;
  run->total = g->lengths[index];
  run->gso_size = s->payload;
  run->ip_header_length = s->ip_header_length;
  run->tcp_header_length = s->tcp_header_length;
  run->version = s->version;
  run->ended = (s->flags & TCP_FLAG_PSH) != 0;
}

/* The open run of candidate s's flow (addresses and ports), or g->open if none. */
static uint32_t find_run(const gro_state *g, const uint8_t *p, uint32_t length, const tcp_segment *s) {
  for (uint32_t r = 0; r < g->open; r++) {
    const tun_gro_run *run = &g->runs[r];
    const uint8_t *first = g->data + g->offsets[run->indices[0]];
    if (run->version == s->version && same_addresses(p, length, first, s->version) &&
        memcmp(p + s->ip_header_length, first + s->ip_header_length, 4) == 0) {
      return r;
    }
  }
  return g->open;
}

/* Before a packet that cannot join a run: ends every run it might belong to (same addresses), keeping its order. */
static void end_runs_between(gro_state *g, const uint8_t *p, uint32_t length) {
  for (uint32_t r = 0; r < g->open;) {
    const tun_gro_run *run = &g->runs[r];
    if (same_addresses(p, length, g->data + g->offsets[run->indices[0]], run->version)) {
      end_run(g, r);
    } else {
      r++;
    }
  }
}

void tun_gro_coalesce(uint8_t *data, const uint32_t *offsets, const uint32_t *lengths, uint32_t count,
                      tun_gro_emit_fn emit, void *context) {
  gro_state g = {.open = 0, .data = data, .offsets = offsets, .lengths = lengths, .emit = emit, .context = context};
  for (uint32_t i = 0; i < count && !g.stopped; i++) {
    const uint8_t *p = data + offsets[i];
    tcp_segment s;
    if (!parse_segment(p, lengths[i], &s)) {
      end_runs_between(&g, p, lengths[i]);
      tun_gro_run alone = {.indices = {i}, .count = 1, .total = lengths[i]};
      emit_run(&g, &alone);
      continue;
    }
    uint32_t r = find_run(&g, p, lengths[i], &s);
    if (r < g.open) {
      tun_gro_run *run = &g.runs[r];
      uint32_t last = run->indices[run->count - 1];
      uint16_t last_payload = (uint16_t)(lengths[last] - run->ip_header_length - run->tcp_header_length);
      if (continues(run, data + offsets[run->indices[0]], data + offsets[last], last_payload, p, &s)) {
        run->indices[run->count++] = i;
        run->total += s.payload;
        run->ended = s.payload < run->gso_size || (s.flags & TCP_FLAG_PSH) != 0;
        continue;
      }
      end_run(&g, r);
    }
    open_run(&g, i, &s);
  }
  for (uint32_t r = 0; r < g.open; r++) {
    emit_run(&g, &g.runs[r]);
  }
}

void tun_gro_finish(uint8_t *data, const uint32_t *offsets, const tun_gro_run *run,
                    uint8_t vnet[TUN_GRO_VNET_HDR_SIZE], uint8_t *saved) {
  uint8_t *first = data + offsets[run->indices[0]];
  const uint8_t *last = data + offsets[run->indices[run->count - 1]];
  uint16_t header_length = (uint16_t)(run->ip_header_length + run->tcp_header_length);
  uint8_t *tcp = first + run->ip_header_length;
  memcpy(saved, first, header_length);
  if (run->version == 4) {
    put_be16(first + 2, (uint16_t)run->total);
    first[10] = first[11] = 0;
    put_checksum(first + 10, sum_words(first, IPV4_HEADER, 0));
  } else {
    put_be16(first + 4, (uint16_t)(run->total - IPV6_HEADER));
  }
  tcp[13] |= last[run->ip_header_length + 13] & TCP_FLAG_PSH;
  /* NEEDS_CSUM: the field holds the pseudo-header's sum, uncomplemented; the kernel adds the rest. */
  uint16_t partial = fold(pseudo_header_sum(first, run->version, run->total - run->ip_header_length));
  memcpy(tcp + 16, &partial, 2);
  uint16_t fields[4] = {header_length, run->gso_size, run->ip_header_length, 16}; /* host order, as virtio has it */
  vnet[0] = VIRTIO_NET_HDR_F_NEEDS_CSUM;
  vnet[1] = run->version == 4 ? VIRTIO_NET_HDR_GSO_TCPV4 : VIRTIO_NET_HDR_GSO_TCPV6;
  memcpy(vnet + 2, fields, sizeof fields);
}

void tun_gro_undo(uint8_t *data, const uint32_t *offsets, const tun_gro_run *run, const uint8_t *saved) {
  memcpy(data + offsets[run->indices[0]], saved, (size_t)run->ip_header_length + run->tcp_header_length);
}
