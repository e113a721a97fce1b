/*
 * The socket half of burrow_udp, with no N-API in it: creating and binding
 * the dual-stack socket, and the batched recvmmsg()/sendmmsg() state that
 * moves datagrams between the socket and the caller's batch memory.
 * udp.c is the N-API glue over it.
 */
#ifndef BURROW_UDP_MMSG_H
#define BURROW_UDP_MMSG_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* recvmmsg(), sendmmsg() */
#endif

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

/* The kernel's limit on messages per sendmmsg()/recvmmsg() call (UIO_MAXIOV). */
#define UDP_MAX_MESSAGES 1024

typedef struct udp_mmsg {
  int family;          /* AF_INET6 (dual-stack) or AF_INET */
  uint32_t capacity;   /* datagrams per receive batch */
  uint32_t slot_size;  /* bytes per datagram slot in the batch memory */
  struct mmsghdr *recv_messages;
  struct iovec *recv_iov;
  struct sockaddr_in6 *recv_names; /* large enough for sockaddr_in too */
  struct mmsghdr *send_messages;   /* UDP_MAX_MESSAGES of each, allocated on first send */
  struct iovec *send_iov;
  uint32_t error_events; /* consecutive POLLERR wakeups that received nothing */
} udp_mmsg;

/* Where one receive puts its datagrams (offsets, lengths) and their senders (families, addresses, ports). */
typedef struct udp_batch_out {
  uint8_t *data;
  uint32_t *offsets;
  uint32_t *lengths;
  uint8_t *families;  /* 4 or 6 */
  uint8_t *addresses; /* 16 bytes each; IPv4 in the first 4 */
  uint16_t *ports;
} udp_batch_out;

/*
 * Creates a non-blocking socket (AF_INET6 dual-stack, AF_INET when the
 * kernel has no IPv6) and binds it to *port, which becomes the bound port.
 * Returns 0 or an errno with *failed naming the call; *fd is set as soon as
 * the socket exists, so the caller closes it on failure too.
 */
int udp_socket_open(udp_mmsg *m, uint32_t *port, int *fd, const char **failed);

/* Allocates the receive state for batches of `capacity` slots of `slot_size` bytes: 0 or ENOMEM. */
int udp_mmsg_prepare_receive(udp_mmsg *m, uint32_t capacity, uint32_t slot_size);

/*
 * One recvmmsg() into out->data (slot i at i * slot_size). *count gets the
 * datagrams usable (truncated ones are dropped), *received what the kernel
 * returned. ICMP-born errors are skipped. Returns 0, or the errno that says
 * the socket itself is broken.
 */
int udp_mmsg_receive(udp_mmsg *m, int fd, const udp_batch_out *out, uint32_t *count, int *received);

/*
 * After a POLLERR wakeup that received `received` datagrams: empties the
 * error queue and says whether the socket keeps failing without ever
 * delivering, so polling should stop.
 */
bool udp_mmsg_poll_error_persists(udp_mmsg *m, int fd, int received);

/*
 * The destination of a send; IPv4 goes to a dual-stack socket as
 * ::ffff:a.b.c.d. Returns 0, EINVAL for a malformed address or port, or
 * EAFNOSUPPORT for IPv6 on a socket without IPv6.
 */
int udp_destination(const udp_mmsg *m, uint32_t family, const uint8_t *address, size_t length, uint32_t port,
                    struct sockaddr_in6 *to, socklen_t *to_length);

/* Allocates the send state on the first send: 0 or ENOMEM. */
int udp_mmsg_prepare_send(udp_mmsg *m);

/*
 * Sends `count` datagrams to one destination, one sendmmsg() per up to
 * UDP_MAX_MESSAGES. A full socket buffer (EAGAIN, ENOBUFS) stops early and
 * the rest count as dropped. *sent gets how many went; returns 0 or errno.
 */
int udp_mmsg_send(udp_mmsg *m, int fd, uint8_t *data, const uint32_t *offsets, const uint32_t *lengths,
                  uint32_t count, const struct sockaddr_in6 *to, socklen_t to_length, uint32_t *sent);

/* Frees the batch state; safe to call twice. */
void udp_mmsg_free(udp_mmsg *m);

#endif /* BURROW_UDP_MMSG_H */
