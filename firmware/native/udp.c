/*
 * burrow_udp: the UDP socket of a WireGuard endpoint, with batched I/O and
 * a settable firewall mark, which node:dgram offers neither of.
 *
 * One socket serves both families: AF_INET6 with IPV6_V6ONLY=0, so IPv4
 * peers arrive as ::ffff:a.b.c.d and are reported as plain IPv4 here. One
 * descriptor means one poll handle, one recvmmsg() batch mixing both
 * families, one SO_MARK and one port that cannot be half-taken. When the
 * kernel has no IPv6 (ipv6.disable=1 gives EAFNOSUPPORT) we fall back to an
 * AF_INET socket and IPv6 destinations fail with EAFNOSUPPORT.
 *
 * Receiving: a uv_poll_t watches the socket; each readable event runs ONE
 * recvmmsg() straight into the caller's batch memory (slot i at
 * i * slotSize) and makes ONE call into JavaScript with the count. Sources go
 * into parallel arrays: families[k] (4 or 6), addresses[16k..16k+16) (IPv4 in
 * the first 4 bytes), ports[k]. Batch memory belongs to JavaScript and is
 * reused: valid until the callback returns. Truncated datagrams are dropped
 * and counted. ICMP-born errors (ECONNREFUSED, unreachable...) are skipped,
 * as WireGuard does: they say nothing about the datagrams still queued.
 *
 * With GRO (UDP_GRO) the kernel hands over a train of equal datagrams from
 * one sender as one message in one slot; it is split into its datagrams
 * there, so the index arrays (offsets, lengths and the three source arrays)
 * may be longer than the slots are many, up to 64 datagrams per slot.
 *
 * Sending: one sendmmsg() per up to 1024 datagrams, all to one destination.
 * With GSO (UDP_SEGMENT) each run of equal-sized datagrams (the last may be
 * shorter; up to 64, 64 KB) goes as one message the kernel segments.
 *
 * JavaScript API (see src/io/bind.udp.ts):
 *   open(port, netnsPath | null, gso, gro) -> { handle, port, dualStack }
 *   start(handle, data, offsets, lengths, slotSize, families, addresses, ports, callback(count, errorCode?))
 *   send(handle, data, offsets, lengths, count, family, address, port) -> datagrams sent
 *   stats(handle) -> { gso, gro, truncated, receiveBuffer, sendBuffer }
 *   setMark(handle, mark), getMark(handle) -> mark
 *   close(handle)             (io_close_binding)
 *
 * This file is the N-API glue; the socket and its recvmmsg()/sendmmsg()
 * batches are udp_mmsg.c.
 */
#include "io_common.h"
#include "udp_mmsg.h"

typedef struct udp_socket {
  io_handle base; /* must stay first */
  io_batch batch; /* where datagrams go; their senders go into the three arrays below */
  napi_ref families, addresses, ports;
  udp_mmsg mm;
} udp_socket;

static void udp_release(io_handle *h) {
  udp_socket *u = (udp_socket *)h;
  io_batch_release(h->env, &u->batch);
  io_delete_ref(h->env, &u->families);
  io_delete_ref(h->env, &u->addresses);
  io_delete_ref(h->env, &u->ports);
  udp_mmsg_free(&u->mm);
}

/* Creates and binds the socket where this thread is (io_create_fn); *arg, the port, becomes the bound one. */
static int udp_create(io_handle *h, void *arg, const char **failed) {
  udp_socket *u = (udp_socket *)h;
  return udp_socket_open(&u->mm, arg, &h->fd, failed);
}

/* open(port, netnsPath | null, gso, gro): gso and gro say which offloads to use where the kernel has them. */
static napi_value udp_open(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  uint32_t port;
  char netns[4096];
  char subject[32];
  udp_socket *u;
  napi_value result;
  napi_value handle;
  napi_value value;
  bool gso;
  bool gro;

  if (!io_args(env, info, 4, argv) || !io_arg_uint32(env, argv[0], "port", &port) ||
      !io_arg_optional_string(env, argv[1], "netns", netns, sizeof netns) || !io_arg_bool(env, argv[2], "gso", &gso) ||
      !io_arg_bool(env, argv[3], "gro", &gro)) {
    return NULL;
  }
  if (port > 65535) {
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "port must be from 0 to 65535");
    return NULL;
  }
  if ((u = io_alloc(env, sizeof *u, udp_release, "udp")) == NULL) {
    return NULL;
  }
  u->mm.gso = gso;
  u->mm.gro = gro;
  snprintf(subject, sizeof subject, "port %u", port);
  handle = io_open(env, &u->base, netns, subject, udp_create, &port);
  if (handle == NULL) {
    return NULL;
  }
  IO_NAPI(napi_create_object(env, &result));
  IO_NAPI(napi_set_named_property(env, result, "handle", handle));
  IO_NAPI(napi_create_uint32(env, port, &value));
  IO_NAPI(napi_set_named_property(env, result, "port", value));
  IO_NAPI(napi_get_boolean(env, u->mm.family == AF_INET6, &value));
  IO_NAPI(napi_set_named_property(env, result, "dualStack", value));
  return result;
}

static void udp_on_readable(uv_poll_t *poll, int status, int events);

/* Receives one batch with a single recvmmsg() and hands it to JavaScript. */
static void udp_on_readable(uv_poll_t *poll, int status, int events) {
  udp_socket *u = poll->data;
  napi_env env = u->base.env;
  napi_handle_scope scope;
  size_t ignored;
  udp_batch_out out;
  bool have_memory;
  int received = 0;
  uint32_t count = 0;
  int err;
  (void)events;

  if (u->base.fd < 0 || napi_open_handle_scope(env, &scope) != napi_ok) {
    return;
  }
  have_memory = io_batch_memory(env, &u->batch, &out.data, &out.offsets, &out.lengths);
  out.families = io_ref_data(env, u->families, &ignored);
  out.addresses = io_ref_data(env, u->addresses, &ignored);
  out.ports = io_ref_data(env, u->ports, &ignored);
  if (!have_memory || out.families == NULL || out.addresses == NULL || out.ports == NULL) {
    napi_close_handle_scope(env, scope);
    return;
  }

  err = udp_mmsg_receive(&u->mm, u->base.fd, &out, &count, &received);
  if (status < 0 && err == 0) {
    /* POLLERR: libuv stopped the handle and says UV_EBADF. A socket error
     * (sk_err) was consumed by recvmmsg above; empty the error queue too and
     * poll again, unless the socket keeps failing without ever delivering. */
    if (udp_mmsg_poll_error_persists(&u->mm, u->base.fd, received)) {
      err = -status;
    } else {
      int restart = uv_poll_start(&u->base.poll, UV_READABLE, udp_on_readable);
      err = restart < 0 ? -restart : 0;
    }
  }

  io_deliver_batch(&u->base, count, err); /* a broken socket stops polling; JavaScript closes it */
  napi_close_handle_scope(env, scope);
}

/* start(handle, data, offsets, lengths, slotSize, families, addresses, ports, callback) */
static napi_value udp_start(napi_env env, napi_callback_info info) {
  napi_value argv[9];
  udp_socket *u;
  void *ignored;
  size_t data_length;
  size_t offsets_length;
  size_t lengths_length;
  size_t families_length;
  size_t addresses_length;
  size_t ports_length;
  uint32_t slot_size;
  size_t capacity;
  size_t room; /* datagrams the index arrays take: with GRO, more than there are slots */

  if (!io_args(env, info, 9, argv) || (u = (udp_socket *)io_unwrap(env, argv[0])) == NULL || !io_not_started(env, &u->base) ||
      !io_arg_batch(env, argv + 1, &slot_size, &capacity) ||
      !io_arg_typed(env, argv[1], napi_uint8_array, "data", &ignored, &data_length) ||
      !io_arg_typed(env, argv[2], napi_uint32_array, "offsets", &ignored, &offsets_length) ||
      !io_arg_typed(env, argv[3], napi_uint32_array, "lengths", &ignored, &lengths_length) ||
      !io_arg_typed(env, argv[5], napi_uint8_array, "families", &ignored, &families_length) ||
      !io_arg_typed(env, argv[6], napi_uint8_array, "addresses", &ignored, &addresses_length) ||
      !io_arg_typed(env, argv[7], napi_uint16_array, "ports", &ignored, &ports_length)) {
    return NULL;
  }
  if (slot_size == 0) {
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "slotSize must be positive");
    return NULL;
  }
  room = offsets_length < lengths_length ? offsets_length : lengths_length;
  room = room < families_length ? room : families_length;
  room = room < addresses_length / 16 ? room : addresses_length / 16;
  room = room < ports_length ? room : ports_length;
  room = room < UINT32_MAX ? room : UINT32_MAX;
  capacity = data_length / slot_size; /* one message per slot */
  capacity = capacity < room ? capacity : room;
  capacity = capacity < UDP_MAX_MESSAGES ? capacity : UDP_MAX_MESSAGES;
  if (capacity == 0) {
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "the batch has no room for a datagram");
    return NULL;
  }
  u->batch.capacity = (uint32_t)capacity;
  u->batch.slot_size = slot_size;
  if (udp_mmsg_prepare_receive(&u->mm, (uint32_t)capacity, (uint32_t)room, slot_size) != 0) {
    io_throw_errno(env, "calloc", "udp batch", ENOMEM);
    return NULL;
  }
  if (!io_batch_hold(env, argv + 1, &u->batch)) {
    return NULL;
  }
  IO_NAPI(napi_create_reference(env, argv[5], 1, &u->families));
  IO_NAPI(napi_create_reference(env, argv[6], 1, &u->addresses));
  IO_NAPI(napi_create_reference(env, argv[7], 1, &u->ports));
  io_start(env, &u->base, argv[8], "burrow.udp", udp_on_readable);
  return NULL;
}

/*
 * send(handle, data, offsets, lengths, count, family, address, port) -> datagrams sent.
 * EAGAIN/ENOBUFS (socket buffer full) stop early and the rest count as
 * dropped, as on any congested UDP path; other errors are thrown.
 */
static napi_value udp_send(napi_env env, napi_callback_info info) {
  napi_value argv[8];
  udp_socket *u;
  io_packets packets;
  uint32_t family;
  uint32_t port;
  void *address;
  size_t address_length;
  struct sockaddr_in6 to;
  socklen_t to_length;
  uint32_t sent = 0;
  int err;
  napi_value result;

  if (!io_args(env, info, 8, argv) || (u = (udp_socket *)io_unwrap(env, argv[0])) == NULL ||
      !io_arg_packets(env, argv + 1, &packets) || !io_arg_uint32(env, argv[5], "family", &family) ||
      !io_arg_typed(env, argv[6], napi_uint8_array, "address", &address, &address_length) ||
      !io_arg_uint32(env, argv[7], "port", &port)) {
    return NULL;
  }
  err = udp_destination(&u->mm, family, address, address_length, port, &to, &to_length);
  if (err == EINVAL) {
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "destination must be family 4 with 4 bytes or 6 with 16, port 1-65535");
    return NULL;
  }
  if (err != 0) {
    io_throw_errno(env, "sendmmsg", "IPv6 destination without kernel IPv6", err);
    return NULL;
  }
  if (udp_mmsg_prepare_send(&u->mm) != 0) {
    io_throw_errno(env, "calloc", "udp send", ENOMEM);
    return NULL;
  }
  err = udp_mmsg_send(&u->mm, u->base.fd, packets.data, packets.offsets, packets.lengths, packets.count, &to, to_length,
                      &sent);
  if (err != 0) {
    io_throw_errno(env, "sendmmsg", "udp", err);
    return NULL;
  }
  IO_NAPI(napi_create_uint32(env, sent, &result));
  return result;
}

/* One int socket option, or -1 if the kernel does not say. */
static int udp_int_option(int fd, int option) {
  int value = -1;
  socklen_t length = sizeof value;
  return getsockopt(fd, SOL_SOCKET, option, &value, &length) == 0 ? value : -1;
}

/*
 * stats(handle) -> { gso, gro, truncated, receiveBuffer, sendBuffer }: the
 * offloads in use now (GSO goes off after an EIO), the messages dropped for
 * not fitting, and the socket buffers as the kernel holds them.
 */
static napi_value udp_stats(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  udp_socket *u;
  napi_value result;
  if (!io_args(env, info, 1, argv) || (u = (udp_socket *)io_unwrap(env, argv[0])) == NULL) {
    return NULL;
  }
  if (napi_create_object(env, &result) != napi_ok || !io_set_bool(env, result, "gso", u->mm.gso) ||
      !io_set_bool(env, result, "gro", u->mm.gro) || !io_set_number(env, result, "truncated", (double)u->mm.truncated) ||
      !io_set_number(env, result, "receiveBuffer", udp_int_option(u->base.fd, SO_RCVBUF)) ||
      !io_set_number(env, result, "sendBuffer", udp_int_option(u->base.fd, SO_SNDBUF))) {
    io_throw_napi_failure(env, "stats");
    return NULL;
  }
  return result;
}

/* setMark(handle, mark): SO_MARK for routing rules and nftables; 0 clears. Needs CAP_NET_ADMIN. */
static napi_value udp_set_mark(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  udp_socket *u;
  uint32_t mark;
  if (!io_args(env, info, 2, argv) || (u = (udp_socket *)io_unwrap(env, argv[0])) == NULL ||
      !io_arg_uint32(env, argv[1], "mark", &mark)) {
    return NULL;
  }
  if (setsockopt(u->base.fd, SOL_SOCKET, SO_MARK, &mark, sizeof mark) < 0) {
    io_throw_errno(env, "setsockopt", "SO_MARK", errno);
  }
  return NULL;
}

/* getMark(handle) -> the socket's SO_MARK as the kernel holds it */
static napi_value udp_get_mark(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  udp_socket *u;
  uint32_t mark = 0;
  socklen_t length = sizeof mark;
  napi_value result;
  if (!io_args(env, info, 1, argv) || (u = (udp_socket *)io_unwrap(env, argv[0])) == NULL) {
    return NULL;
  }
  if (getsockopt(u->base.fd, SOL_SOCKET, SO_MARK, &mark, &length) < 0) {
    io_throw_errno(env, "getsockopt", "SO_MARK", errno);
    return NULL;
  }
  IO_NAPI(napi_create_uint32(env, mark, &result));
  return result;
}

NAPI_MODULE_INIT() {
  if (!io_export(env, exports, "open", udp_open) || !io_export(env, exports, "start", udp_start) ||
      !io_export(env, exports, "send", udp_send) || !io_export(env, exports, "stats", udp_stats) ||
      !io_export(env, exports, "setMark", udp_set_mark) ||
      !io_export(env, exports, "getMark", udp_get_mark) || !io_export(env, exports, "close", io_close_binding)) {
    return NULL;
  }
  return exports;
}
