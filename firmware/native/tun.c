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
 * Writing: one native call writes a whole packet list (data + offsets +
 * lengths), one write() per packet: a TUN without virtio-net headers has no
 * multi-packet write.
 *
 * JavaScript API (see src/io/tun.linux.ts):
 *   open(name, netnsPath | null) -> { handle, name, ifindex }
 *   start(handle, data, offsets, lengths, slotSize, headroom, maxPacket, callback(count, errorCode?))
 *   write(handle, data, offsets, lengths, count) -> packets written
 *   mtu(handle) -> number
 *   close(handle)
 */
#include "io_common.h"

#include <linux/if_tun.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

typedef struct tun_device {
  io_handle base;     /* must stay first */
  int control;        /* AF_INET socket in the device's namespace, for interface ioctls */
  napi_ref data;      /* Uint8Array: the batch's packet slots */
  napi_ref offsets;   /* Uint32Array: where packet i starts in data */
  napi_ref lengths;   /* Uint32Array: length of packet i */
  uint32_t capacity;  /* packets per batch */
  uint32_t slot_size; /* bytes per slot */
  uint32_t headroom;  /* bytes left free in front of each packet */
  uint32_t max_packet;
} tun_device;

static void tun_release(io_handle *h) {
  tun_device *t = (tun_device *)h;
  if (t->control >= 0) {
    close(t->control);
    t->control = -1;
  }
  io_delete_ref(h->env, &t->data);
  io_delete_ref(h->env, &t->offsets);
  io_delete_ref(h->env, &t->lengths);
}

/* The interface's current name (it can be renamed after open). */
static int tun_current_name(tun_device *t, struct ifreq *ifr) {
  memset(ifr, 0, sizeof *ifr);
  return ioctl(t->base.fd, TUNGETIFF, ifr) < 0 ? errno : 0;
}

/* open(name, netnsPath | null) */
static napi_value tun_open(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  char name[IFNAMSIZ];
  char netns[4096];
  int saved_netns = -1;
  int err = 0;
  const char *failed = "";
  struct ifreq ifr;
  tun_device *t;
  napi_value result;
  napi_value handle;
  napi_value value;

  if (!io_args(env, info, 2, argv) || !io_arg_string(env, argv[0], "name", name, sizeof name) ||
      !io_arg_optional_string(env, argv[1], "netns", netns, sizeof netns)) {
    return NULL;
  }
  t = calloc(1, sizeof *t);
  if (t == NULL) {
    io_throw_errno(env, "calloc", "tun", ENOMEM);
    return NULL;
  }
  t->base.fd = -1;
  t->base.release = tun_release;
  t->control = -1;

  if (netns[0] != '\0' && (err = io_netns_enter(netns, &saved_netns)) != 0) {
    free(t);
    io_throw_errno(env, "setns", netns, err);
    return NULL;
  }
  /* Inside the target namespace: the device is born where this thread is. */
  t->base.fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (t->base.fd < 0) {
    err = errno, failed = "open /dev/net/tun";
  } else {
    memset(&ifr, 0, sizeof ifr);
    ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
    memcpy(ifr.ifr_name, name, strlen(name) + 1);
    if (ioctl(t->base.fd, TUNSETIFF, &ifr) < 0) {
      err = errno, failed = "TUNSETIFF";
    } else if ((t->control = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0) {
      err = errno, failed = "socket";
    } else {
      memcpy(name, ifr.ifr_name, IFNAMSIZ); /* the kernel fills in a "%d" pattern */
      name[IFNAMSIZ - 1] = '\0';
      if (ioctl(t->control, SIOCGIFINDEX, &ifr) < 0) {
        err = errno, failed = "SIOCGIFINDEX";
      }
    }
  }
  if (saved_netns >= 0) {
    io_netns_leave(saved_netns);
  }
  if (err != 0) {
    if (t->control >= 0) {
      close(t->control);
    }
    if (t->base.fd >= 0) {
      close(t->base.fd);
    }
    free(t);
    io_throw_errno(env, failed, name, err);
    return NULL;
  }

  handle = io_wrap(env, &t->base);
  if (handle == NULL) {
    return NULL;
  }
  IO_NAPI(napi_create_object(env, &result));
  IO_NAPI(napi_set_named_property(env, result, "handle", handle));
  IO_NAPI(napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &value));
  IO_NAPI(napi_set_named_property(env, result, "name", value));
  IO_NAPI(napi_create_uint32(env, (uint32_t)ifr.ifr_ifindex, &value));
  IO_NAPI(napi_set_named_property(env, result, "ifindex", value));
  return result;
}

/* Reads one batch and hands it to JavaScript. */
static void tun_on_readable(uv_poll_t *poll, int status, int events) {
  tun_device *t = poll->data;
  napi_env env = t->base.env;
  napi_handle_scope scope;
  size_t data_length = 0;
  size_t offsets_length = 0;
  size_t lengths_length = 0;
  uint8_t *data;
  uint32_t *offsets;
  uint32_t *lengths;
  uint32_t count = 0;
  int err = 0;
  napi_value argv[2];
  char name[64];
  (void)events;

  if (t->base.fd < 0 || napi_open_handle_scope(env, &scope) != napi_ok) {
    return;
  }
  data = io_ref_data(env, t->data, &data_length);
  offsets = io_ref_data(env, t->offsets, &offsets_length);
  lengths = io_ref_data(env, t->lengths, &lengths_length);
  while (count < t->capacity && data != NULL && offsets != NULL && lengths != NULL) {
    uint32_t offset = count * t->slot_size + t->headroom;
    ssize_t n = read(t->base.fd, data + offset, t->max_packet);
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
  }
  /* On POLLERR libuv stops the handle and passes UV_EBADF; the read above
   * tells the real reason (EBADFD: the interface was deleted). */
  if (status < 0 && err == 0) {
    err = -status;
  }
  if (count > 0 || err != 0) {
    napi_create_uint32(env, count, &argv[0]);
    if (err != 0) {
      napi_create_string_utf8(env, io_errno_name(err, name, sizeof name), NAPI_AUTO_LENGTH, &argv[1]);
    } else {
      napi_get_undefined(env, &argv[1]);
    }
    io_call_js(&t->base, 2, argv);
  }
  /* A read error does not go away by itself: stop rather than spin. The
   * callback may have closed the device already (fd < 0). */
  if (err != 0 && t->base.fd >= 0) {
    uv_poll_stop(&t->base.poll);
  }
  napi_close_handle_scope(env, scope);
}

/* start(handle, data, offsets, lengths, slotSize, headroom, maxPacket, callback) */
static napi_value tun_start(napi_env env, napi_callback_info info) {
  napi_value argv[8];
  tun_device *t;
  void *ignored;
  size_t data_length;
  size_t offsets_length;
  size_t lengths_length;
  uint32_t slot_size;
  uint32_t headroom;
  uint32_t max_packet;

  if (!io_args(env, info, 8, argv) || (t = (tun_device *)io_unwrap(env, argv[0])) == NULL ||
      !io_arg_typed(env, argv[1], napi_uint8_array, "data", &ignored, &data_length) ||
      !io_arg_typed(env, argv[2], napi_uint32_array, "offsets", &ignored, &offsets_length) ||
      !io_arg_typed(env, argv[3], napi_uint32_array, "lengths", &ignored, &lengths_length) ||
      !io_arg_uint32(env, argv[4], "slotSize", &slot_size) || !io_arg_uint32(env, argv[5], "headroom", &headroom) ||
      !io_arg_uint32(env, argv[6], "maxPacket", &max_packet)) {
    return NULL;
  }
  if (max_packet == 0 || (uint64_t)headroom + max_packet > slot_size) {
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "a slot must hold headroom + maxPacket bytes");
    return NULL;
  }
  t->slot_size = slot_size;
  t->headroom = headroom;
  t->max_packet = max_packet;
  t->capacity = (uint32_t)(data_length / slot_size);
  if (t->capacity > offsets_length) {
    t->capacity = (uint32_t)offsets_length;
  }
  if (t->capacity > lengths_length) {
    t->capacity = (uint32_t)lengths_length;
  }
  if (t->capacity == 0) {
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "the batch has no room for a packet");
    return NULL;
  }
  IO_NAPI(napi_create_reference(env, argv[1], 1, &t->data));
  IO_NAPI(napi_create_reference(env, argv[2], 1, &t->offsets));
  IO_NAPI(napi_create_reference(env, argv[3], 1, &t->lengths));
  if (!io_start(env, &t->base, argv[7], "burrow.tun", tun_on_readable)) {
    return NULL;
  }
  return NULL;
}

/*
 * write(handle, data, offsets, lengths, count) -> packets written.
 * A packet the kernel refuses as malformed (EINVAL: not IPv4/IPv6) is dropped
 * and the rest still go; EAGAIN/ENOBUFS stop early (the caller counts the
 * remainder as dropped); any other error is thrown.
 */
static napi_value tun_write(napi_env env, napi_callback_info info) {
  napi_value argv[5];
  tun_device *t;
  io_packets packets;
  uint32_t written = 0;
  napi_value result;

  if (!io_args(env, info, 5, argv) || (t = (tun_device *)io_unwrap(env, argv[0])) == NULL ||
      !io_arg_packets(env, argv + 1, &packets)) {
    return NULL;
  }
  for (uint32_t i = 0; i < packets.count; i++) {
    ssize_t n;
    do {
      n = write(t->base.fd, packets.data + packets.offsets[i], packets.lengths[i]);
    } while (n < 0 && errno == EINTR);
    if (n >= 0) {
      written++;
    } else if (errno == EINVAL) {
      continue;
    } else if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS) {
      break;
    } else {
      io_throw_errno(env, "write", "tun", errno);
      return NULL;
    }
  }
  IO_NAPI(napi_create_uint32(env, written, &result));
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

/* close(handle): stops polling and closes the descriptor, which removes the interface. Idempotent. */
static napi_value tun_close(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  void *data = NULL;
  if (!io_args(env, info, 1, argv)) {
    return NULL;
  }
  IO_NAPI(napi_get_value_external(env, argv[0], &data));
  io_close(data);
  return NULL;
}

NAPI_MODULE_INIT() {
  if (!io_export(env, exports, "open", tun_open) || !io_export(env, exports, "start", tun_start) ||
      !io_export(env, exports, "write", tun_write) || !io_export(env, exports, "mtu", tun_mtu) ||
      !io_export(env, exports, "close", tun_close)) {
    return NULL;
  }
  return exports;
}
