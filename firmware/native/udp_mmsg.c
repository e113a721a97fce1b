/* The socket half of burrow_udp: see udp_mmsg.h. Runs on the JavaScript thread, like the rest. */
#include "udp_mmsg.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/udp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

/* wireguard-go's socket buffer size: room for bursts between two loop turns. */
#define UDP_SOCKET_BUFFER (7 << 20)
/* Bound on skipped ICMP-born errors per readable event, so a flood cannot pin us. */
#define UDP_MAX_SKIPPED_ERRORS 64
/* Consecutive error-only wakeups (POLLERR, nothing received) before we call the socket broken. */
#define UDP_MAX_ERROR_EVENTS 1000

/* Best effort, like wireguard-go: FORCE (CAP_NET_ADMIN) passes net.core.[rw]mem_max. */
static void udp_grow_buffer(int fd, int force_option, int option) {
  int size = UDP_SOCKET_BUFFER;
  if (setsockopt(fd, SOL_SOCKET, force_option, &size, sizeof size) < 0) {
    setsockopt(fd, SOL_SOCKET, option, &size, sizeof size);
  }
}

#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103 /* linux/udp.h, for older C libraries */
#endif
#ifndef UDP_GRO
#define UDP_GRO 104
#endif

/*
 * GSO: a kernel that knows UDP_SEGMENT can read it back (wireguard-go probes
 * the same way). Whether the route can segment shows only on the first send
 * (EIO), which turns it off there.
 */
static bool udp_probe_gso(int fd) {
  int size = 0;
  socklen_t length = sizeof size;
  return getsockopt(fd, IPPROTO_UDP, UDP_SEGMENT, &size, &length) == 0;
}

/* GRO: the kernel may coalesce a train of datagrams from one sender into one message (split in udp_mmsg_receive). */
static bool udp_enable_gro(int fd) {
  int on = 1;
  return setsockopt(fd, IPPROTO_UDP, UDP_GRO, &on, sizeof on) == 0;
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

int udp_socket_open(udp_mmsg *m, uint32_t *port, int *fd_out, const char **failed) {
  int off = 0;
  int err;
  int fd = socket(AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  m->family = AF_INET6;
  if (fd < 0 && errno == EAFNOSUPPORT) {
    fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    m->family = AF_INET;
  }
  if (fd < 0) {
    *failed = "socket";
    return errno;
  }
  *fd_out = fd;
  if (m->family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off) < 0) {
    *failed = "setsockopt IPV6_V6ONLY";
    return errno;
  }
  udp_grow_buffer(fd, SO_RCVBUFFORCE, SO_RCVBUF);
  udp_grow_buffer(fd, SO_SNDBUFFORCE, SO_SNDBUF);
  if (m->family == AF_INET6) {
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
  m->gso = m->gso && udp_probe_gso(fd);
  m->gro = m->gro && udp_enable_gro(fd);
  return err;
}

int udp_mmsg_prepare_receive(udp_mmsg *m, uint32_t capacity, uint32_t room, uint32_t slot_size) {
  m->capacity = capacity;
  m->room = room;
  m->slot_size = slot_size;
  m->recv_messages = calloc(capacity, sizeof *m->recv_messages);
  m->recv_iov = calloc(capacity, sizeof *m->recv_iov);
  m->recv_names = calloc(capacity, sizeof *m->recv_names);
  m->recv_control = calloc(capacity, UDP_CONTROL_SIZE);
  return m->recv_messages == NULL || m->recv_iov == NULL || m->recv_names == NULL || m->recv_control == NULL ? ENOMEM
                                                                                                              : 0;
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

/* Copies the sender of datagram i into entry k of the three source arrays; IPv4-mapped senders become IPv4. */
static void udp_record_source(const struct sockaddr_in6 *from6, const udp_batch_out *out, uint32_t k) {
  uint8_t *address = out->addresses + (size_t)k * 16;
  memset(address, 0, 16);
  if (from6->sin6_family == AF_INET6 && !IN6_IS_ADDR_V4MAPPED(&from6->sin6_addr)) {
    out->families[k] = 6;
    memcpy(address, &from6->sin6_addr, 16);
    out->ports[k] = ntohs(from6->sin6_port);
  } else if (from6->sin6_family == AF_INET6) {
    out->families[k] = 4;
    memcpy(address, (const uint8_t *)&from6->sin6_addr + 12, 4);
    out->ports[k] = ntohs(from6->sin6_port);
  } else {
    const struct sockaddr_in *from4 = (const struct sockaddr_in *)from6;
    out->families[k] = 4;
    memcpy(address, &from4->sin_addr, 4);
    out->ports[k] = ntohs(from4->sin_port);
  }
}

/* The segment size of a GRO train (its UDP_GRO cmsg), or 0 for a single datagram. */
static uint32_t udp_gro_segment(const struct msghdr *header) {
  for (struct cmsghdr *c = CMSG_FIRSTHDR(header); c != NULL; c = CMSG_NXTHDR((struct msghdr *)header, c)) {
    if (c->cmsg_level == IPPROTO_UDP && c->cmsg_type == UDP_GRO && c->cmsg_len >= CMSG_LEN(sizeof(int))) {
      int segment;
      memcpy(&segment, CMSG_DATA(c), sizeof segment);
      return segment > 0 ? (uint32_t)segment : 0;
    }
  }
  return 0;
}

uint32_t udp_split_train(uint32_t offset, uint32_t length, uint32_t segment, uint32_t *offsets, uint32_t *lengths,
                         uint32_t room) {
  uint32_t datagrams;
  if (segment == 0 || segment >= length) {
    segment = length; /* one datagram, perhaps empty */
  }
  datagrams = length == 0 ? 1 : (length + segment - 1) / segment;
  if (datagrams > room) {
    return 0;
  }
  for (uint32_t k = 0; k < datagrams; k++) {
    offsets[k] = offset + k * segment;
    lengths[k] = k + 1 < datagrams ? segment : length - k * segment;
  }
  return datagrams;
}

int udp_mmsg_receive(udp_mmsg *m, int fd, const udp_batch_out *out, uint32_t *count_out, int *received_out) {
  int received = 0;
  int skipped = 0;
  uint32_t count = 0;
  int err = 0;

  for (uint32_t i = 0; i < m->capacity; i++) {
    m->recv_iov[i].iov_base = out->data + (size_t)i * m->slot_size;
    m->recv_iov[i].iov_len = m->slot_size;
    memset(&m->recv_messages[i].msg_hdr, 0, sizeof m->recv_messages[i].msg_hdr);
    m->recv_messages[i].msg_hdr.msg_name = &m->recv_names[i];
    m->recv_messages[i].msg_hdr.msg_namelen = sizeof m->recv_names[i];
    m->recv_messages[i].msg_hdr.msg_iov = &m->recv_iov[i];
    m->recv_messages[i].msg_hdr.msg_iovlen = 1;
    if (m->gro) {
      m->recv_messages[i].msg_hdr.msg_control = m->recv_control + (size_t)i * UDP_CONTROL_SIZE;
      m->recv_messages[i].msg_hdr.msg_controllen = UDP_CONTROL_SIZE;
    }
  }
  for (;;) {
    received = recvmmsg(fd, m->recv_messages, m->capacity, MSG_DONTWAIT, NULL);
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
    const struct msghdr *header = &m->recv_messages[i].msg_hdr;
    uint32_t datagrams;
    if (header->msg_flags & MSG_TRUNC) {
      m->truncated++; /* larger than a slot: a partial datagram (or train) is useless */
      continue;
    }
    datagrams = udp_split_train((uint32_t)i * m->slot_size, m->recv_messages[i].msg_len, udp_gro_segment(header),
                                out->offsets + count, out->lengths + count, m->room - count);
    if (datagrams == 0) {
      m->truncated++; /* a train with more datagrams than the index arrays have room left for */
      continue;
    }
    for (uint32_t k = 0; k < datagrams; k++) {
      udp_record_source(&m->recv_names[i], out, count + k);
    }
    count += datagrams;
  }
  if (received > 0) {
    m->error_events = 0;
  }
  *count_out = count;
  *received_out = received;
  return err;
}

bool udp_mmsg_poll_error_persists(udp_mmsg *m, int fd, int received) {
  if (received == 0) {
    m->error_events++;
  }
  udp_drain_error_queue(fd);
  return m->error_events > UDP_MAX_ERROR_EVENTS;
}

int udp_destination(const udp_mmsg *m, uint32_t family, const uint8_t *address, size_t length, uint32_t port,
                    struct sockaddr_in6 *to, socklen_t *to_length) {
  if (port == 0 || port > 65535 || !((family == 4 && length == 4) || (family == 6 && length == 16))) {
    return EINVAL;
  }
  memset(to, 0, sizeof *to);
  if (m->family == AF_INET6) {
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
    return 0;
  }
  if (family == 6) {
    return EAFNOSUPPORT;
  }
  {
    struct sockaddr_in *to4 = (struct sockaddr_in *)to;
    to4->sin_family = AF_INET;
    to4->sin_port = htons((uint16_t)port);
    memcpy(&to4->sin_addr, address, 4);
    *to_length = sizeof *to4;
  }
  return 0;
}

int udp_mmsg_prepare_send(udp_mmsg *m) {
  if (m->send_messages == NULL) {
    m->send_messages = calloc(UDP_MAX_MESSAGES, sizeof *m->send_messages);
    m->send_iov = calloc(UDP_MAX_MESSAGES, sizeof *m->send_iov);
    m->send_control = calloc(UDP_MAX_MESSAGES, UDP_CONTROL_SIZE);
    m->send_trains = calloc(UDP_MAX_MESSAGES, sizeof *m->send_trains);
  }
  return m->send_messages == NULL || m->send_iov == NULL || m->send_control == NULL || m->send_trains == NULL ? ENOMEM
                                                                                                              : 0;
}

uint32_t udp_train_length(const uint32_t *lengths, uint32_t first, uint32_t count, uint32_t limit) {
  uint32_t segment = lengths[first];
  uint32_t total = segment;
  uint32_t n = 1;
  if (segment == 0) {
    return 1; /* an empty datagram has no segment size */
  }
  while (first + n < count && n < limit && n < UDP_MAX_SEGMENTS && lengths[first + n] <= segment &&
         lengths[first + n] > 0 && total + lengths[first + n] <= UDP_MAX_GSO_PAYLOAD) {
    total += lengths[first + n];
    n++;
    if (lengths[first + n - 1] < segment) {
      break; /* a shorter datagram ends the train */
    }
  }
  return n;
}

/*
 * Fills the send messages for the datagrams from `first` on: one message per
 * train (or per datagram when `plain`), one iovec per datagram, at most
 * UDP_MAX_MESSAGES iovecs in all. Returns how many messages it filled.
 */
static uint32_t udp_fill_send(udp_mmsg *m, uint8_t *data, const uint32_t *offsets, const uint32_t *lengths,
                              uint32_t first, uint32_t count, bool plain, const struct sockaddr_in6 *to,
                              socklen_t to_length) {
  uint32_t messages = 0;
  uint32_t iovs = 0;
  while (first < count && iovs < UDP_MAX_MESSAGES) {
    struct msghdr *header = &m->send_messages[messages].msg_hdr;
    uint32_t train = plain ? 1 : udp_train_length(lengths, first, count, UDP_MAX_MESSAGES - iovs);
    for (uint32_t k = 0; k < train; k++) {
      m->send_iov[iovs + k].iov_base = data + offsets[first + k];
      m->send_iov[iovs + k].iov_len = lengths[first + k];
    }
    memset(header, 0, sizeof *header);
    header->msg_name = (void *)to;
    header->msg_namelen = to_length;
    header->msg_iov = &m->send_iov[iovs];
    header->msg_iovlen = train;
    if (train > 1) {
      /* The kernel cuts the message's payload every `segment` bytes: exactly our datagrams. */
      uint16_t segment = (uint16_t)lengths[first];
      struct cmsghdr *c;
      header->msg_control = m->send_control + (size_t)messages * UDP_CONTROL_SIZE;
      header->msg_controllen = CMSG_SPACE(sizeof segment);
      c = CMSG_FIRSTHDR(header);
      c->cmsg_level = IPPROTO_UDP;
      c->cmsg_type = UDP_SEGMENT;
      c->cmsg_len = CMSG_LEN(sizeof segment);
      memcpy(CMSG_DATA(c), &segment, sizeof segment);
    }
    m->send_trains[messages] = train;
    messages++;
    iovs += train;
    first += train;
  }
  return messages;
}

int udp_mmsg_send(udp_mmsg *m, int fd, uint8_t *data, const uint32_t *offsets, const uint32_t *lengths,
                  uint32_t count, const struct sockaddr_in6 *to, socklen_t to_length, uint32_t *sent_out) {
  uint32_t sent = 0;
  bool plain = !m->gso;
  int err = 0;
  while (sent < count) {
    uint32_t messages = udp_fill_send(m, data, offsets, lengths, sent, count, plain, to, to_length);
    int n = sendmmsg(fd, m->send_messages, messages, MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      if ((errno == EIO || errno == EINVAL || errno == EMSGSIZE) && m->send_trains[0] > 1) {
        /* The first message was a train the kernel would not segment: no GSO on
         * this path at all (EIO), or segments over the route's MTU (EINVAL, or
         * EMSGSIZE on newer kernels). Again, plainly: those may fragment. */
        m->gso = m->gso && errno != EIO;
        plain = true;
        continue;
      }
      if (errno != EAGAIN && errno != EWOULDBLOCK && errno != ENOBUFS) {
        err = errno;
      }
      break;
    }
    for (int k = 0; k < n; k++) {
      sent += m->send_trains[k];
    }
  }
  *sent_out = sent;
  return err;
}

void udp_mmsg_free(udp_mmsg *m) {
  free(m->recv_messages);
  free(m->recv_iov);
  free(m->recv_names);
  free(m->recv_control);
  free(m->send_messages);
  free(m->send_iov);
  free(m->send_control);
  free(m->send_trains);
  m->recv_messages = NULL;
  m->recv_iov = NULL;
  m->recv_names = NULL;
  m->recv_control = NULL;
  m->send_messages = NULL;
  m->send_iov = NULL;
  m->send_control = NULL;
  m->send_trains = NULL;
}
