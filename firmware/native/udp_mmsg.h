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

/* The kernel's limit on messages per sendmmsg()/recvmmsg() call, and on iovecs per call we build (UIO_MAXIOV). */
#define UDP_MAX_MESSAGES 1024
/* The kernel's limit on datagrams in one UDP_SEGMENT send or UDP_GRO train (UDP_MAX_SEGMENTS, UDP_GRO_CNT_MAX). */
#define UDP_MAX_SEGMENTS 64
/* The most payload one GSO send carries: an IPv4 datagram's 65535 bytes less 20 (IP) and 8 (UDP). */
#define UDP_MAX_GSO_PAYLOAD (65535 - 20 - 8)
/* Room for one UDP_SEGMENT (uint16_t) or UDP_GRO (int) cmsg; a multiple of the cmsghdr alignment. */
#define UDP_CONTROL_SIZE CMSG_SPACE(sizeof(int))

typedef struct udp_mmsg {
  int family;          /* AF_INET6 (dual-stack) or AF_INET */
  bool gso;            /* send trains of equal datagrams as one UDP_SEGMENT message; off after an EIO */
  bool gro;            /* UDP_GRO is on: a received message may be a train to split */
  uint32_t capacity;   /* messages per recvmmsg(), one slot each */
  uint32_t room;       /* datagrams the caller's index arrays take per receive (>= capacity) */
  uint32_t slot_size;  /* bytes per slot in the batch memory */
  uint64_t truncated;  /* received messages dropped: larger than a slot, or no index room for their train */
  struct mmsghdr *recv_messages;
  struct iovec *recv_iov;
  struct sockaddr_in6 *recv_names; /* large enough for sockaddr_in too */
  uint8_t *recv_control;           /* one UDP_CONTROL_SIZE buffer per message, for the UDP_GRO cmsg */
  struct mmsghdr *send_messages;   /* UDP_MAX_MESSAGES of each, allocated on first send */
  struct iovec *send_iov;
  uint8_t *send_control;  /* one UDP_CONTROL_SIZE buffer per message, for the UDP_SEGMENT cmsg */
  uint32_t *send_trains;  /* datagrams in each message of the current sendmmsg() */
  uint32_t error_events;  /* consecutive POLLERR wakeups that received nothing */
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
 * m->gso and m->gro say what the caller wants; each stays on only if the
 * kernel takes it (UDP_SEGMENT readable, UDP_GRO settable). Returns 0 or an
 * errno with *failed naming the call; *fd is set as soon as the socket
 * exists, so the caller closes it on failure too.
 */
int udp_socket_open(udp_mmsg *m, uint32_t *port, int *fd, const char **failed);

/*
 * Allocates the receive state for batches of `capacity` slots of `slot_size`
 * bytes, whose datagrams fill index arrays of `room` entries: 0 or ENOMEM.
 */
int udp_mmsg_prepare_receive(udp_mmsg *m, uint32_t capacity, uint32_t room, uint32_t slot_size);

/*
 * One recvmmsg() into out->data (slot i at i * slot_size). A GRO train (a
 * message with a UDP_GRO cmsg) is split into its datagrams, all in its slot.
 * *count gets the datagrams usable (truncated messages are dropped and
 * counted), *received the messages the kernel returned. ICMP-born errors are
 * skipped. Returns 0, or the errno that says the socket itself is broken.
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
 * The datagrams received message by message: split a train of `length` bytes
 * at `offset` into datagrams of `segment` bytes (the last may be shorter; 0
 * means one datagram), writing at most `room` entries of offsets/lengths.
 * Returns how many it wrote, or 0 when they do not all fit.
 */
uint32_t udp_split_train(uint32_t offset, uint32_t length, uint32_t segment, uint32_t *offsets, uint32_t *lengths,
                         uint32_t room);

/*
 * How many datagrams from `first` on make one GSO train: same length as the
 * first (the last may be shorter), at most UDP_MAX_SEGMENTS, `limit` and
 * UDP_MAX_GSO_PAYLOAD bytes together. Always at least 1.
 */
uint32_t udp_train_length(const uint32_t *lengths, uint32_t first, uint32_t count, uint32_t limit);

/*
 * Sends `count` datagrams to one destination, one sendmmsg() per up to
 * UDP_MAX_MESSAGES datagrams; with m->gso, each train of equal datagrams
 * goes as one message with a UDP_SEGMENT cmsg. EIO (no GSO on this path)
 * turns GSO off for good and the train goes again plainly; EINVAL or
 * EMSGSIZE on a train (segments over the route's MTU) sends the rest of this
 * call plainly. A full socket buffer (EAGAIN, ENOBUFS) stops early and the rest
 * count as dropped. *sent gets how many went; returns 0 or errno.
 */
int udp_mmsg_send(udp_mmsg *m, int fd, uint8_t *data, const uint32_t *offsets, const uint32_t *lengths,
                  uint32_t count, const struct sockaddr_in6 *to, socklen_t to_length, uint32_t *sent);

/* Frees the batch state; safe to call twice. */
void udp_mmsg_free(udp_mmsg *m);

#endif /* BURROW_UDP_MMSG_H */
