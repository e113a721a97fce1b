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
 * reused: valid until the callback returns. Truncated datagrams are dropped.
 * ICMP-born errors (ECONNREFUSED, unreachable...) are skipped, as WireGuard
 * does: they say nothing about the datagrams still queued.
 *
 * Sending: one sendmmsg() per up to 1024 datagrams, all to one destination.
 *
 * JavaScript API (see src/io/bind.udp.ts):
 *   open(port, netnsPath | null) -> { handle, port, dualStack }
 *   start(handle, data, offsets, lengths, slotSize, families, addresses, ports, callback(count, errorCode?))
 *   send(handle, data, offsets, lengths, count, family, address, port) -> datagrams sent
 *   setMark(handle, mark), getMark(handle) -> mark
 *   close(handle)             (io_close_binding)
 */
#include "io_common.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/uio.h>

/* wireguard-go's socket buffer size: room for bursts between two loop turns. */
#define UDP_SOCKET_BUFFER (7 << 20)
/* The kernel's limit on messages per sendmmsg()/recvmmsg() call (UIO_MAXIOV). */
#define UDP_MAX_MESSAGES 1024
/* Bound on skipped ICMP-born errors per readable event, so a flood cannot pin us. */
#define UDP_MAX_SKIPPED_ERRORS 64
/* Consecutive error-only wakeups (POLLERR, nothing received) before we call the socket broken. */
#define UDP_MAX_ERROR_EVENTS 1000

typedef struct udp_socket {
  io_handle base; /* must stay first */
  int family;     /* AF_INET6 (dual-stack) or AF_INET */
  io_batch batch; /* where datagrams go; their senders go into the three arrays below */
  napi_ref families, addresses, ports;
  struct mmsghdr *recv_messages;
  struct iovec *recv_iov;
  struct sockaddr_in6 *recv_names; /* large enough for sockaddr_in too */
  struct mmsghdr *send_messages;   /* UDP_MAX_MESSAGES of each, allocated on first send */
  struct iovec *send_iov;
  uint32_t error_events; /* consecutive POLLERR wakeups that received nothing */
} udp_socket;

static void udp_release(io_handle *h) {
  udp_socket *u = (udp_socket *)h;
  io_batch_release(h->env, &u->batch);
  io_delete_ref(h->env, &u->families);
  io_delete_ref(h->env, &u->addresses);
  io_delete_ref(h->env, &u->ports);
  free(u->recv_messages);
  free(u->recv_iov);
  free(u->recv_names);
  free(u->send_messages);
  free(u->send_iov);
  u->recv_messages = NULL;
  u->recv_iov = NULL;
  u->recv_names = NULL;
  u->send_messages = NULL;
  u->send_iov = NULL;
}

/* Best effort, like wireguard-go: FORCE (CAP_NET_ADMIN) passes net.core.[rw]mem_max. */
static void udp_grow_buffer(int fd, int force_option, int option) {
  int size = UDP_SOCKET_BUFFER;
  if (setsockopt(fd, SOL_SOCKET, force_option, &size, sizeof size) < 0) {
    setsockopt(fd, SOL_SOCKET, option, &size, sizeof size);
  }
}

/* The port the kernel gave us (bind to port 0 picks one). */
static int udp_bound_port(int fd, uint32_t *port) {
  struct sockaddr_in6 address;
  socklen_t length = sizeof address;
  if (getsockname(fd, (struct sockaddr *)&address, &length) < 0) {
    return errno;
  }
  /* sin_port and sin6_port sit at the same offset */
  *port = ntohs(address.sin6_port);
  return 0;
}

/* Creates and binds the socket where this thread is (io_create_fn); *arg, the port, becomes the bound one. */
static int udp_create(io_handle *h, void *arg, const char **failed) {
  udp_socket *u = (udp_socket *)h;
  uint32_t *port = arg;
  int off = 0;
  int err;
  int fd = socket(AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  u->family = AF_INET6;
  if (fd < 0 && errno == EAFNOSUPPORT) {
    fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    u->family = AF_INET;
  }
  if (fd < 0) {
    *failed = "socket";
    return errno;
  }
  u->base.fd = fd;
  if (u->family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off) < 0) {
    *failed = "setsockopt IPV6_V6ONLY";
    return errno;
  }
  udp_grow_buffer(fd, SO_RCVBUFFORCE, SO_RCVBUF);
  udp_grow_buffer(fd, SO_SNDBUFFORCE, SO_SNDBUF);
  if (u->family == AF_INET6) {
    struct sockaddr_in6 address = {
        .sin6_family = AF_INET6, .sin6_port = htons((uint16_t)*port), .sin6_addr = in6addr_any};
    if (bind(fd, (struct sockaddr *)&address, sizeof address) < 0) {
      *failed = "bind";
      return errno;
    }
  } else {
    struct sockaddr_in address = {
        .sin_family = AF_INET, .sin_port = htons((uint16_t)*port), .sin_addr.s_addr = INADDR_ANY};
    if (bind(fd, (struct sockaddr *)&address, sizeof address) < 0) {
      *failed = "bind";
      return errno;
    }
  }
  if ((err = udp_bound_port(fd, port)) != 0) {
    *failed = "getsockname";
  }
  return err;
}

/* open(port, netnsPath | null) */
static napi_value udp_open(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  uint32_t port;
  char netns[4096];
  char subject[32];
  udp_socket *u;
  napi_value result;
  napi_value handle;
  napi_value value;

  if (!io_args(env, info, 2, argv) || !io_arg_uint32(env, argv[0], "port", &port) ||
      !io_arg_optional_string(env, argv[1], "netns", netns, sizeof netns)) {
    return NULL;
  }
  if (port > 65535) {
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "port must be from 0 to 65535");
    return NULL;
  }
  if ((u = io_alloc(env, sizeof *u, udp_release, "udp")) == NULL) {
    return NULL;
  }
  snprintf(subject, sizeof subject, "port %u", port);
  handle = io_open(env, &u->base, netns, subject, udp_create, &port);
  if (handle == NULL) {
    return NULL;
  }
  IO_NAPI(napi_create_object(env, &result));
  IO_NAPI(napi_set_named_property(env, result, "handle", handle));
  IO_NAPI(napi_create_uint32(env, port, &value));
  IO_NAPI(napi_set_named_property(env, result, "port", value));
  IO_NAPI(napi_get_boolean(env, u->family == AF_INET6, &value));
  IO_NAPI(napi_set_named_property(env, result, "dualStack", value));
  return result;
}

/* Errors a UDP socket reports for ICMP messages about earlier sends: nothing to do with what is queued. */
static bool udp_is_icmp_error(int err) {
  return err == ECONNREFUSED || err == EHOSTUNREACH || err == ENETUNREACH || err == EHOSTDOWN || err == ENETDOWN ||
         err == ECONNRESET || err == EPROTO || err == EMSGSIZE || err == ETIMEDOUT;
}

/* Discards queued extended errors (MSG_ERRQUEUE), which keep a socket reporting POLLERR. */
static void udp_drain_error_queue(int fd) {
  uint8_t discard[512];
  for (int i = 0; i < UDP_MAX_SKIPPED_ERRORS; i++) {
    struct iovec iov = {.iov_base = discard, .iov_len = sizeof discard};
    uint8_t control[512];
    struct msghdr message = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof control};
    if (recvmsg(fd, &message, MSG_ERRQUEUE | MSG_DONTWAIT) < 0) {
      return;
    }
  }
}

static void udp_on_readable(uv_poll_t *poll, int status, int events);

/* Receives one batch with a single recvmmsg() and hands it to JavaScript. */
static void udp_on_readable(uv_poll_t *poll, int status, int events) {
  udp_socket *u = poll->data;
  napi_env env = u->base.env;
  napi_handle_scope scope;
  size_t ignored;
  bool have_memory;
  uint8_t *data;
  uint32_t *offsets;
  uint32_t *lengths;
  uint8_t *families;
  uint8_t *addresses;
  uint16_t *ports;
  int received = 0;
  int skipped = 0;
  uint32_t count = 0;
  int err = 0;
  (void)events;

  if (u->base.fd < 0 || napi_open_handle_scope(env, &scope) != napi_ok) {
    return;
  }
  have_memory = io_batch_memory(env, &u->batch, &data, &offsets, &lengths);
  families = io_ref_data(env, u->families, &ignored);
  addresses = io_ref_data(env, u->addresses, &ignored);
  ports = io_ref_data(env, u->ports, &ignored);
  if (!have_memory || families == NULL || addresses == NULL || ports == NULL) {
    napi_close_handle_scope(env, scope);
    return;
  }

  for (uint32_t i = 0; i < u->batch.capacity; i++) {
    u->recv_iov[i].iov_base = data + (size_t)i * u->batch.slot_size;
    u->recv_iov[i].iov_len = u->batch.slot_size;
    memset(&u->recv_messages[i].msg_hdr, 0, sizeof u->recv_messages[i].msg_hdr);
    u->recv_messages[i].msg_hdr.msg_name = &u->recv_names[i];
    u->recv_messages[i].msg_hdr.msg_namelen = sizeof u->recv_names[i];
    u->recv_messages[i].msg_hdr.msg_iov = &u->recv_iov[i];
    u->recv_messages[i].msg_hdr.msg_iovlen = 1;
  }
  for (;;) {
    received = recvmmsg(u->base.fd, u->recv_messages, u->batch.capacity, MSG_DONTWAIT, NULL);
    if (received >= 0) {
      break;
    }
    received = 0;
    if (errno == EINTR || (udp_is_icmp_error(errno) && ++skipped < UDP_MAX_SKIPPED_ERRORS)) {
      continue; /* the pending error was consumed by this call; read again */
    }
    if (errno != EAGAIN && errno != EWOULDBLOCK && errno != ENOMEM && errno != ENOBUFS &&
        !udp_is_icmp_error(errno)) {
      err = errno; /* the socket itself is broken */
    }
    break;
  }

  for (int i = 0; i < received; i++) {
    const struct msghdr *header = &u->recv_messages[i].msg_hdr;
    const struct sockaddr_in6 *from6 = &u->recv_names[i];
    uint8_t *address = addresses + (size_t)count * 16;
    if (header->msg_flags & MSG_TRUNC) {
      continue; /* larger than a slot: a partial datagram is useless */
    }
    memset(address, 0, 16);
    if (from6->sin6_family == AF_INET6 && !IN6_IS_ADDR_V4MAPPED(&from6->sin6_addr)) {
      families[count] = 6;
      memcpy(address, &from6->sin6_addr, 16);
      ports[count] = ntohs(from6->sin6_port);
    } else if (from6->sin6_family == AF_INET6) {
      families[count] = 4;
      memcpy(address, (const uint8_t *)&from6->sin6_addr + 12, 4);
      ports[count] = ntohs(from6->sin6_port);
    } else {
      const struct sockaddr_in *from4 = (const struct sockaddr_in *)from6;
      families[count] = 4;
      memcpy(address, &from4->sin_addr, 4);
      ports[count] = ntohs(from4->sin_port);
    }
    offsets[count] = (uint32_t)i * u->batch.slot_size;
    lengths[count] = u->recv_messages[i].msg_len;
    count++;
  }

  if (status < 0 && err == 0) {
    /* POLLERR: libuv stopped the handle and says UV_EBADF. A socket error
     * (sk_err) was consumed by recvmmsg above; empty the error queue too and
     * poll again, unless the socket keeps failing without ever delivering. */
    u->error_events = received > 0 ? 0 : u->error_events + 1;
    udp_drain_error_queue(u->base.fd);
    if (u->error_events > UDP_MAX_ERROR_EVENTS) {
      err = -status;
    } else {
      int restart = uv_poll_start(&u->base.poll, UV_READABLE, udp_on_readable);
      err = restart < 0 ? -restart : 0;
    }
  } else if (received > 0) {
    u->error_events = 0;
  }

  io_deliver_batch(&u->base, count, err); /* a broken socket stops polling; JavaScript closes it */
  napi_close_handle_scope(env, scope);
}

/* start(handle, data, offsets, lengths, slotSize, families, addresses, ports, callback) */
static napi_value udp_start(napi_env env, napi_callback_info info) {
  napi_value argv[9];
  udp_socket *u;
  void *ignored;
  size_t families_length;
  size_t addresses_length;
  size_t ports_length;
  uint32_t slot_size;
  size_t capacity;

  if (!io_args(env, info, 9, argv) || (u = (udp_socket *)io_unwrap(env, argv[0])) == NULL || !io_not_started(env, &u->base) ||
      !io_arg_batch(env, argv + 1, &slot_size, &capacity) ||
      !io_arg_typed(env, argv[5], napi_uint8_array, "families", &ignored, &families_length) ||
      !io_arg_typed(env, argv[6], napi_uint8_array, "addresses", &ignored, &addresses_length) ||
      !io_arg_typed(env, argv[7], napi_uint16_array, "ports", &ignored, &ports_length)) {
    return NULL;
  }
  if (slot_size == 0) {
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "slotSize must be positive");
    return NULL;
  }
  capacity = capacity < families_length ? capacity : families_length;
  capacity = capacity < addresses_length / 16 ? capacity : addresses_length / 16;
  capacity = capacity < ports_length ? capacity : ports_length;
  capacity = capacity < UDP_MAX_MESSAGES ? capacity : UDP_MAX_MESSAGES;
  if (capacity == 0) {
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "the batch has no room for a datagram");
    return NULL;
  }
  u->batch.capacity = (uint32_t)capacity;
  u->batch.slot_size = slot_size;
  u->recv_messages = calloc(capacity, sizeof *u->recv_messages);
  u->recv_iov = calloc(capacity, sizeof *u->recv_iov);
  u->recv_names = calloc(capacity, sizeof *u->recv_names);
  if (u->recv_messages == NULL || u->recv_iov == NULL || u->recv_names == NULL) {
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

/* Fills *to with the destination; IPv4 goes to a dual-stack socket as ::ffff:a.b.c.d. */
static bool udp_destination(napi_env env, udp_socket *u, uint32_t family, const uint8_t *address, size_t length,
                            uint32_t port, struct sockaddr_in6 *to, socklen_t *to_length) {
  if (port == 0 || port > 65535 || !((family == 4 && length == 4) || (family == 6 && length == 16))) {
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "destination must be family 4 with 4 bytes or 6 with 16, port 1-65535");
    return false;
  }
  memset(to, 0, sizeof *to);
  if (u->family == AF_INET6) {
    to->sin6_family = AF_INET6;
    to->sin6_port = htons((uint16_t)port);
    if (family == 4) {
      to->sin6_addr.s6_addr[10] = 0xff;
      to->sin6_addr.s6_addr[11] = 0xff;
      memcpy(&to->sin6_addr.s6_addr[12], address, 4);
    } else {
      memcpy(&to->sin6_addr, address, 16);
    }
    *to_length = sizeof *to;
    return true;
  }
  if (family == 6) {
    io_throw_errno(env, "sendmmsg", "IPv6 destination without kernel IPv6", EAFNOSUPPORT);
    return false;
  }
  {
    struct sockaddr_in *to4 = (struct sockaddr_in *)to;
    to4->sin_family = AF_INET;
    to4->sin_port = htons((uint16_t)port);
    memcpy(&to4->sin_addr, address, 4);
    *to_length = sizeof *to4;
  }
  return true;
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
  napi_value result;

  if (!io_args(env, info, 8, argv) || (u = (udp_socket *)io_unwrap(env, argv[0])) == NULL ||
      !io_arg_packets(env, argv + 1, &packets) || !io_arg_uint32(env, argv[5], "family", &family) ||
      !io_arg_typed(env, argv[6], napi_uint8_array, "address", &address, &address_length) ||
      !io_arg_uint32(env, argv[7], "port", &port) ||
      !udp_destination(env, u, family, address, address_length, port, &to, &to_length)) {
    return NULL;
  }
  if (u->send_messages == NULL) {
    u->send_messages = calloc(UDP_MAX_MESSAGES, sizeof *u->send_messages);
    u->send_iov = calloc(UDP_MAX_MESSAGES, sizeof *u->send_iov);
    if (u->send_messages == NULL || u->send_iov == NULL) {
      io_throw_errno(env, "calloc", "udp send", ENOMEM);
      return NULL;
    }
  }
  while (sent < packets.count) {
    uint32_t chunk = packets.count - sent < UDP_MAX_MESSAGES ? packets.count - sent : UDP_MAX_MESSAGES;
    int n;
    for (uint32_t i = 0; i < chunk; i++) {
      struct msghdr *header = &u->send_messages[i].msg_hdr;
      u->send_iov[i].iov_base = packets.data + packets.offsets[sent + i];
      u->send_iov[i].iov_len = packets.lengths[sent + i];
      memset(header, 0, sizeof *header);
      header->msg_name = &to;
      header->msg_namelen = to_length;
      header->msg_iov = &u->send_iov[i];
      header->msg_iovlen = 1;
    }
    n = sendmmsg(u->base.fd, u->send_messages, chunk, MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS) {
        break;
      }
      io_throw_errno(env, "sendmmsg", "udp", errno);
      return NULL;
    }
    sent += (uint32_t)n;
  }
  IO_NAPI(napi_create_uint32(env, sent, &result));
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
      !io_export(env, exports, "send", udp_send) || !io_export(env, exports, "setMark", udp_set_mark) ||
      !io_export(env, exports, "getMark", udp_get_mark) || !io_export(env, exports, "close", io_close_binding)) {
    return NULL;
  }
  return exports;
}
