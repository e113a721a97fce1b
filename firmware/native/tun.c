/*
 * burrow_tun: a Linux TUN device (IFF_TUN | IFF_NO_PI, non-blocking) whose
 * packets move to and from JavaScript in batches.
 *
 * Reading: a uv_poll_t watches the descriptor. On each readable event we
 * read() packets straight into the caller's batch memory (slot i starts at
 * i * slotSize + headroom) until EAGAIN or the batch is full, then make ONE
 * call into JavaScript with the count. The batch memory belongs to
 * JavaScript and is reused: its contents are valid until the callback returns.
 * One batch per event keeps other I/O fair; epoll is level-triggered, so a
 * device with more waiting calls us again on the next loop turn.
 *
 * Offloads (open(..., offload = true)): the device is asked for IFF_VNET_HDR
 * and TSO (TUNSETOFFLOAD TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6), so the kernel
 * hands up TCP super-packets of up to 64 KB behind a 10-byte struct
 * virtio_net_hdr, one read each, and leaves checksums partial. If the kernel
 * refuses any of it the device is opened as without offloads (vnetHdr false).
 * With vnet headers, reads are PACKED: read i goes to the next 16-byte
 * boundary after read i - 1, while the whole of maxPacket still fits in
 * `data` (slotSize is then only the alignment unit); JavaScript splits them
 * (src/io/tso-split.ts, with tun_tso.c) into the engine's batch. Every write gets a header.
 *
 * Writing: one native call writes a whole packet list (data + offsets +
 * lengths), one write() per packet, or with vnet headers one writev() per
 * packet behind a GSO_NONE header, except that runs of TCP segments of one
 * flow go as one super-packet each (tun_writer.c, tun_gro.c).
 *
 * JavaScript API (see src/io/tun.linux.ts):
 *   open(name, netnsPath | null, offload) -> { handle, name, ifindex, vnetHdr }
 *   start(handle, data, offsets, lengths, slotSize, headroom, maxPacket, callback(count, errorCode?))
 *   write(handle, data, offsets, lengths, count) -> packets written
 *   writeStats(handle) -> { superPackets, coalesced, coalesceRefused? }
 *   coalesce(data, offsets, lengths, count) -> { frames, lengths }   (no device: for tests and the fuzzer)
 *   split(source, start, length, data, offsets, lengths, count, capacity, slotSize, headroom, maxPacket, segment)
 *   mtu(handle) -> number
 *   close(handle)             (io_close_binding; closing the descriptor removes the interface)
 */
#include "io_common.h"
#include "tun_gro.h"
#include "tun_tso.h"
#include "tun_writer.h"

#include <linux/if_tun.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>

/* struct virtio_net_hdr (linux/virtio_net.h), the legacy 10 bytes TUNSETVNETHDRSZ is given. */
#define TUN_VNET_HDR_SIZE 10

typedef struct tun_device {
  io_handle base;    /* must stay first */
  int control;       /* AF_INET socket in the device's namespace, for interface ioctls */
  io_batch batch;    /* where reads go */
  uint32_t headroom; /* bytes left free in front of each packet */
  uint32_t max_packet;
  bool vnet;         /* IFF_VNET_HDR with TSO: every read and write starts with a virtio_net_hdr */
  size_t data_size;  /* bytes in the batch memory, for packed reads */
  tun_writer writer; /* writes, with TCP runs coalesced when the device has vnet headers */
} tun_device;

/* What open() asks for and learns: the name (the kernel's once it has one), the ifindex, the offloads. */
typedef struct tun_identity {
  char name[IFNAMSIZ];
  int ifindex;
  bool offload; /* asked for */
  int refused;  /* the errno with which the kernel refused offloads, 0 if it did not */
} tun_identity;

static void tun_release(io_handle *h) {
  tun_device *t = (tun_device *)h;
  if (t->control >= 0) {
    close(t->control);
    t->control = -1;
  }
  io_batch_release(h->env, &t->batch);
}

/* The interface's current name (it can be renamed after open). */
static int tun_current_name(tun_device *t, struct ifreq *ifr) {
  memset(ifr, 0, sizeof *ifr);
  return ioctl(t->base.fd, TUNGETIFF, ifr) < 0 ? errno : 0;
}

/*
 * Opens /dev/net/tun as the device named in `ifr` with vnet headers and TSO;
 * false (descriptor closed, errno kept in *err) if the kernel refuses any step.
 */
static bool tun_attach_offloaded(tun_device *t, struct ifreq *ifr, int *err) {
  int header_size = TUN_VNET_HDR_SIZE;
  ifr->ifr_flags = IFF_TUN | IFF_NO_PI | IFF_VNET_HDR;
  if (ioctl(t->base.fd, TUNSETIFF, ifr) == 0 && ioctl(t->base.fd, TUNSETVNETHDRSZ, &header_size) == 0 &&
      ioctl(t->base.fd, TUNSETOFFLOAD, (unsigned long)(TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6)) == 0) {
    return true;
  }
  *err = errno;
  close(t->base.fd); /* a TUN takes TUNSETIFF once: start over on a fresh descriptor */
  t->base.fd = -1;
  return false;
}

/* Creates the device where this thread is (io_create_fn); the kernel fills in a "%d" in the name. */
static int tun_create(io_handle *h, void *arg, const char **failed) {
  tun_device *t = (tun_device *)h;
  tun_identity *id = arg;
  struct ifreq ifr;
  t->base.fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (t->base.fd < 0) {
    *failed = "open /dev/net/tun";
    return errno;
  }
  memset(&ifr, 0, sizeof ifr);
  memcpy(ifr.ifr_name, id->name, strlen(id->name) + 1);
  t->vnet = id->offload && tun_attach_offloaded(t, &ifr, &id->refused);
  t->writer.coalesce = t->vnet;
  if (!t->vnet) {
    if (t->base.fd < 0 && (t->base.fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC)) < 0) {
      *failed = "open /dev/net/tun";
      return errno;
    }
    memset(&ifr, 0, sizeof ifr);
    ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
    memcpy(ifr.ifr_name, id->name, strlen(id->name) + 1);
    if (ioctl(t->base.fd, TUNSETIFF, &ifr) < 0) {
      *failed = "TUNSETIFF";
      return errno;
    }
  }
  if ((t->control = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0) {
    *failed = "socket";
    return errno;
  }
  memcpy(id->name, ifr.ifr_name, IFNAMSIZ);
  id->name[IFNAMSIZ - 1] = '\0';
  if (ioctl(t->control, SIOCGIFINDEX, &ifr) < 0) {
    *failed = "SIOCGIFINDEX";
    return errno;
  }
  id->ifindex = ifr.ifr_ifindex;
  return 0;
}

/* open(name, netnsPath | null, offload) */
static napi_value tun_open(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  tun_identity id = {.ifindex = 0};
  char netns[4096];
  tun_device *t;
  napi_value result;
  napi_value handle;
  napi_value value;

  if (!io_args(env, info, 3, argv) || !io_arg_string(env, argv[0], "name", id.name, sizeof id.name) ||
      !io_arg_optional_string(env, argv[1], "netns", netns, sizeof netns) ||
      !io_arg_bool(env, argv[2], "offload", &id.offload) ||
      (t = io_alloc(env, sizeof *t, tun_release, "tun")) == NULL) {
    return NULL;
  }
  t->control = -1;
  handle = io_open(env, &t->base, netns, id.name, tun_create, &id);
  if (handle == NULL) {
    return NULL;
  }
  IO_NAPI(napi_create_object(env, &result));
  IO_NAPI(napi_set_named_property(env, result, "handle", handle));
  IO_NAPI(napi_create_string_utf8(env, id.name, NAPI_AUTO_LENGTH, &value));
  IO_NAPI(napi_set_named_property(env, result, "name", value));
  IO_NAPI(napi_create_uint32(env, (uint32_t)id.ifindex, &value));
  IO_NAPI(napi_set_named_property(env, result, "ifindex", value));
  IO_NAPI(napi_get_boolean(env, t->vnet, &value));
  IO_NAPI(napi_set_named_property(env, result, "vnetHdr", value));
  if (id.refused != 0) {
    char errno_name[64];
    IO_NAPI(napi_create_string_utf8(env, io_errno_name(id.refused, errno_name, sizeof errno_name), NAPI_AUTO_LENGTH,
                                    &value));
    IO_NAPI(napi_set_named_property(env, result, "offloadRefused", value));
  }
  return result;
}

/* Reads one batch and hands it to JavaScript. */
static void tun_on_readable(uv_poll_t *poll, int status, int events) {
  tun_device *t = poll->data;
  napi_env env = t->base.env;
  napi_handle_scope scope;
  uint8_t *data;
  uint32_t *offsets;
  uint32_t *lengths;
  uint32_t count = 0;
  uint32_t offset = t->headroom; /* packed reads: where the next one goes */
  int err = 0;
  bool have_memory;
  (void)events;

  if (t->base.fd < 0 || napi_open_handle_scope(env, &scope) != napi_ok) {
    return;
  }
  have_memory = io_batch_memory(env, &t->batch, &data, &offsets, &lengths);
  while (count < t->batch.capacity && have_memory) {
    ssize_t n;
    if (!t->vnet) {
      offset = count * t->batch.slot_size + t->headroom;
    } else if ((uint64_t)offset + t->max_packet > t->data_size) {
      break;
    }
    n = read(t->base.fd, data + offset, t->max_packet);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      if (errno != EAGAIN && errno != EWOULDBLOCK) {
        err = errno; /* e.g. EBADFD once the interface is deleted */
      }
      break;
    }
    offsets[count] = offset;
    lengths[count] = (uint32_t)n;
    count++;
    offset = (uint32_t)(((uint64_t)offset + (uint64_t)n + t->batch.slot_size - 1) / t->batch.slot_size * t->batch.slot_size) +
             t->headroom;
  }
  /* On POLLERR libuv stops the handle and passes UV_EBADF; the read above
   * tells the real reason (EBADFD: the interface was deleted). */
  if (status < 0 && err == 0) {
    err = -status;
  }
  io_deliver_batch(&t->base, count, err);
  napi_close_handle_scope(env, scope);
}

/* start(handle, data, offsets, lengths, slotSize, headroom, maxPacket, callback) */
static napi_value tun_start(napi_env env, napi_callback_info info) {
  napi_value argv[8];
  tun_device *t;
  uint32_t slot_size;
  size_t capacity;
  uint32_t headroom;
  uint32_t max_packet;

  if (!io_args(env, info, 8, argv) || (t = (tun_device *)io_unwrap(env, argv[0])) == NULL || !io_not_started(env, &t->base) ||
      !io_arg_batch(env, argv + 1, &slot_size, &capacity) || !io_arg_uint32(env, argv[5], "headroom", &headroom) ||
      !io_arg_uint32(env, argv[6], "maxPacket", &max_packet)) {
    return NULL;
  }
  if (max_packet == 0 || slot_size == 0 || (!t->vnet && (uint64_t)headroom + max_packet > slot_size)) {
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "a slot must hold headroom + maxPacket bytes");
    return NULL;
  }
  if (t->vnet) {
    /* Packed: as many reads as fit, each at a slot_size boundary; only the index arrays bound the count. */
    void *ignored;
    size_t offsets_length;
    size_t lengths_length;
    io_arg_typed(env, argv[1], napi_uint8_array, "data", &ignored, &t->data_size);
    io_arg_typed(env, argv[2], napi_uint32_array, "offsets", &ignored, &offsets_length);
    io_arg_typed(env, argv[3], napi_uint32_array, "lengths", &ignored, &lengths_length);
    capacity = offsets_length < lengths_length ? offsets_length : lengths_length;
    if (t->data_size < (uint64_t)headroom + max_packet) {
      capacity = 0;
    }
  }
  t->batch.slot_size = slot_size;
  t->batch.capacity = (uint32_t)capacity;
  t->headroom = headroom;
  t->max_packet = max_packet;
  if (capacity == 0) {
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "the batch has no room for a packet");
    return NULL;
  }
  if (io_batch_hold(env, argv + 1, &t->batch)) {
    io_start(env, &t->base, argv[7], "burrow.tun", tun_on_readable);
  }
  return NULL;
}

/* write(handle, data, offsets, lengths, count) -> packets written (tun_writer.h: what is dropped, what stops). */
static napi_value tun_write(napi_env env, napi_callback_info info) {
  napi_value argv[5];
  tun_device *t;
  io_packets packets;
  napi_value result;

  if (!io_args(env, info, 5, argv) || (t = (tun_device *)io_unwrap(env, argv[0])) == NULL ||
      !io_arg_packets(env, argv + 1, &packets)) {
    return NULL;
  }
  t->writer.fd = t->base.fd;
  t->writer.vnet = t->vnet;
  tun_write_result written = tun_writer_write(&t->writer, packets.data, packets.offsets, packets.lengths, packets.count);
  if (written.error != 0) {
    io_throw_errno(env, "write", "tun", written.error);
    return NULL;
  }
  IO_NAPI(napi_create_uint32(env, written.written, &result));
  return result;
}

/* writeStats(handle) -> { superPackets, coalesced, coalesceRefused? }: what receive coalescing did. */
static napi_value tun_write_stats(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  tun_device *t;
  napi_value result;
  napi_value value;
  char name[32];

  if (!io_args(env, info, 1, argv) || (t = (tun_device *)io_unwrap(env, argv[0])) == NULL) {
    return NULL;
  }
  if (napi_create_object(env, &result) != napi_ok ||
      !io_set_number(env, result, "superPackets", (double)t->writer.super_packets) ||
      !io_set_number(env, result, "coalesced", (double)t->writer.coalesced)) {
    io_throw_napi_failure(env, "writeStats");
    return NULL;
  }
  if (t->writer.coalesce_refused != 0) {
    IO_NAPI(napi_create_string_utf8(env, io_errno_name(t->writer.coalesce_refused, name, sizeof name),
                                    NAPI_AUTO_LENGTH, &value));
    IO_NAPI(napi_set_named_property(env, result, "coalesceRefused", value));
  }
  return result;
}

/*
 * split(source, start, length, data, offsets, lengths, count, capacity, slotSize, headroom, maxPacket, segment)
 *   -> (next segment << 1 | more), or -(drop reason) (tun_tso.h). Splits one offloaded read into the batch's
 * slots from `count` on, starting at `segment`; with `more` the batch filled first: empty it and call again.
 */
static napi_value tun_split(napi_env env, napi_callback_info info) {
  napi_value argv[12];
  void *source;
  size_t source_length;
  void *data;
  size_t data_length;
  void *offsets;
  size_t offsets_length;
  void *lengths;
  size_t lengths_length;
  uint32_t start, length, segment;
  tun_tso_batch out;
  if (!io_args(env, info, 12, argv) ||
      !io_arg_typed(env, argv[0], napi_uint8_array, "source", &source, &source_length) ||
      !io_arg_uint32(env, argv[1], "start", &start) || !io_arg_uint32(env, argv[2], "length", &length) ||
      !io_arg_typed(env, argv[3], napi_uint8_array, "data", &data, &data_length) ||
      !io_arg_typed(env, argv[4], napi_uint32_array, "offsets", &offsets, &offsets_length) ||
      !io_arg_typed(env, argv[5], napi_uint32_array, "lengths", &lengths, &lengths_length) ||
      !io_arg_uint32(env, argv[6], "count", &out.count) || !io_arg_uint32(env, argv[7], "capacity", &out.capacity) ||
      !io_arg_uint32(env, argv[8], "slotSize", &out.slot_size) ||
      !io_arg_uint32(env, argv[9], "headroom", &out.headroom) ||
      !io_arg_uint32(env, argv[10], "maxPacket", &out.max_packet) ||
      !io_arg_uint32(env, argv[11], "segment", &segment)) {
    return NULL;
  }
  if ((uint64_t)start + length > source_length || out.capacity == 0 || out.count > out.capacity ||
      out.capacity > offsets_length ||
      out.capacity > lengths_length ||
      (out.capacity > 0 && (uint64_t)(out.capacity - 1) * out.slot_size + out.headroom + out.max_packet > data_length) ||
      (uint64_t)out.capacity * out.slot_size > UINT32_MAX || out.headroom + (uint64_t)out.max_packet > out.slot_size) {
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "the read or the batch's slots lie outside their arrays");
    return NULL;
  }
  if (io_overlaps(data, data_length, offsets, offsets_length * 4) ||
      io_overlaps(data, data_length, lengths, lengths_length * 4) ||
      io_overlaps(source, source_length, offsets, offsets_length * 4) ||
      io_overlaps(source, source_length, lengths, lengths_length * 4) ||
      io_overlaps(source, source_length, data, data_length)) {
    napi_throw_range_error(env, "ERR_INVALID_ARG_VALUE", "the read, the batch and its index arrays must not overlap");
    return NULL;
  }
  out.data = data;
  out.offsets = offsets;
  out.lengths = lengths;
  bool more = false;
  tun_tso_drop dropped = tun_tso_split((const uint8_t *)source + start, length, &out, &segment, &more);
  napi_value result;
  IO_NAPI(napi_create_double(env, dropped != TUN_TSO_SPLIT ? -(double)dropped : (double)segment * 2 + (more ? 1 : 0),
                             &result));
  return result;
}

/* The frames coalesce() collects: each a virtio header and the bytes a write would carry, packed. */
typedef struct collected_frames {
  uint8_t *bytes;
  size_t used, size;
  uint32_t *lengths;
  uint32_t count;
  bool failed;
} collected_frames;

static bool collect_append(collected_frames *c, const void *bytes, size_t length) {
  if (c->used + length > c->size) {
    size_t size = (c->used + length) * 2;
    uint8_t *grown = realloc(c->bytes, size);
    if (grown == NULL) {
      c->failed = true;
      return false;
    }
    c->bytes = grown;
    c->size = size;
  }
  memcpy(c->bytes + c->used, bytes, length);
  c->used += length;
  return true;
}

static bool collect_run(void *context, uint8_t *data, const uint32_t *offsets, const uint32_t *lengths,
                        const tun_gro_run *run) {
  collected_frames *c = context;
  size_t start = c->used;
  uint8_t vnet[TUN_GRO_VNET_HDR_SIZE] = {0};
  uint8_t saved[TUN_GRO_SAVED_BYTES];
  uint32_t headers = (uint32_t)run->ip_header_length + run->tcp_header_length;
  if (run->count > 1) {
    tun_gro_finish(data, offsets, run, vnet, saved);
  }
  bool ok = collect_append(c, vnet, sizeof vnet);
  for (uint32_t k = 0; k < run->count && ok; k++) {
    uint32_t skip = k == 0 ? 0 : headers;
    ok = collect_append(c, data + offsets[run->indices[k]] + skip, lengths[run->indices[k]] - skip);
  }
  c->lengths[c->count++] = (uint32_t)(c->used - start);
  return ok;
}

/*
 * coalesce(data, offsets, lengths, count) -> { frames, lengths }: what write() would hand a device with vnet
 * headers, as bytes (each frame a virtio header and a packet or super-packet), without a device: for the tests
 * and the fuzzer. Like write(), it rewrites the first segment of each run in place.
 */
static napi_value tun_coalesce(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  io_packets packets;
  napi_value result;
  napi_value frames;
  napi_value lengths;
  void *bytes;

  if (!io_args(env, info, 4, argv) || !io_arg_packets(env, argv, &packets)) {
    return NULL;
  }
  collected_frames c = {.lengths = calloc(packets.count + 1, sizeof(uint32_t))};
  if (c.lengths == NULL) {
    napi_throw_error(env, "ENOMEM", "out of memory");
    return NULL;
  }
  tun_gro_coalesce(packets.data, packets.offsets, packets.lengths, packets.count, collect_run, &c);
  napi_status status = c.failed ? napi_generic_failure : napi_ok;
  if (status == napi_ok) {
    status = napi_create_buffer_copy(env, c.used, c.used > 0 ? (const void *)c.bytes : (const void *)"", &bytes, &frames);
  }
  napi_value lengths_buffer;
  if (status == napi_ok) {
    status = napi_create_arraybuffer(env, c.count * sizeof(uint32_t), &bytes, &lengths_buffer);
  }
  if (status == napi_ok) {
    memcpy(bytes, c.lengths, c.count * sizeof(uint32_t));
    status = napi_create_typedarray(env, napi_uint32_array, c.count, lengths_buffer, 0, &lengths);
  }
  free(c.bytes);
  free(c.lengths);
  if (status != napi_ok) {
    io_throw_napi_failure(env, "coalesce");
    return NULL;
  }
  IO_NAPI(napi_create_object(env, &result));
  IO_NAPI(napi_set_named_property(env, result, "frames", frames));
  IO_NAPI(napi_set_named_property(env, result, "lengths", lengths));
  return result;
}

/* mtu(handle) -> the interface's current MTU */
static napi_value tun_mtu(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  tun_device *t;
  struct ifreq ifr;
  int err;
  napi_value result;

  if (!io_args(env, info, 1, argv) || (t = (tun_device *)io_unwrap(env, argv[0])) == NULL) {
    return NULL;
  }
  if ((err = tun_current_name(t, &ifr)) != 0) {
    io_throw_errno(env, "TUNGETIFF", "", err);
    return NULL;
  }
  if (ioctl(t->control, SIOCGIFMTU, &ifr) < 0) {
    io_throw_errno(env, "SIOCGIFMTU", ifr.ifr_name, errno);
    return NULL;
  }
  IO_NAPI(napi_create_uint32(env, (uint32_t)ifr.ifr_mtu, &result));
  return result;
}

NAPI_MODULE_INIT() {
  if (!io_export(env, exports, "open", tun_open) || !io_export(env, exports, "start", tun_start) ||
      !io_export(env, exports, "write", tun_write) || !io_export(env, exports, "mtu", tun_mtu) ||
      !io_export(env, exports, "writeStats", tun_write_stats) || !io_export(env, exports, "coalesce", tun_coalesce) ||
      !io_export(env, exports, "split", tun_split) ||
      !io_export(env, exports, "close", io_close_binding)) {
    return NULL;
  }
  return exports;
}
