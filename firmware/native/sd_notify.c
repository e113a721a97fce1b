/*
 * burrow_sock: systemd's service notifications (sd_notify(3)): READY=1, WATCHDOG=1, STOPPING=1 as one datagram on
 * the Unix socket systemd names in $NOTIFY_SOCKET. node:dgram speaks UDP only, so the datagram is sent from here.
 * The environment is the caller's business (src/os/systemd-notify.ts reads it once): this only sends.
 */
#include <stddef.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "io_args.h"
#include "io_napi.h"
#include "sd_notify.h"

/* READY=1 and friends are a few bytes; STATUS= lines stay short. */
#define SD_NOTIFY_MAX_MESSAGE 4096

/*
 * sdNotify(socketPath, message): sends `message` once to `socketPath`, an absolute path or, starting with '@', an
 * abstract socket name. Non-blocking: when systemd's queue is full the send fails with EAGAIN rather than stalling
 * burrowd's event loop (a missed ping is followed by the next one). Throws Node-style errno errors.
 */
static napi_value sd_notify(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  struct sockaddr_un address = {.sun_family = AF_UNIX};
  char path[sizeof(address.sun_path) + 1];
  char message[SD_NOTIFY_MAX_MESSAGE];
  size_t path_length;
  socklen_t address_length;
  ssize_t sent;
  int fd;
  int err;

  if (!io_args(env, info, 2, argv) || !io_arg_string(env, argv[0], "socketPath", path, sizeof path) ||
      !io_arg_string(env, argv[1], "message", message, sizeof message)) {
    return NULL;
  }
  path_length = strlen(path);
  if (path[0] != '/' && path[0] != '@') {
    napi_throw_type_error(env, "ERR_INVALID_ARG_VALUE", "socketPath must be an absolute path or start with @");
    return NULL;
  }
  if (path[0] == '@') {
    /* An abstract name: a leading NUL instead of the '@', and the length says where it ends (no terminator). */
    if (path_length < 2) {
      napi_throw_type_error(env, "ERR_INVALID_ARG_VALUE", "an abstract socketPath needs a name after the @");
      return NULL;
    }
    memcpy(address.sun_path + 1, path + 1, path_length - 1);
    address_length = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + path_length);
  } else {
    if (path_length + 1 > sizeof(address.sun_path)) {
      napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "socketPath is longer than a Unix socket address allows");
      return NULL;
    }
    memcpy(address.sun_path, path, path_length + 1);
    address_length = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + path_length + 1);
  }

  fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) {
    io_throw_errno(env, "socket", "AF_UNIX", errno);
    return NULL;
  }
  do {
    sent = sendto(fd, message, strlen(message), MSG_NOSIGNAL, (const struct sockaddr *)&address, address_length);
  } while (sent < 0 && errno == EINTR);
  err = errno;
  close(fd);
  if (sent < 0) {
    io_throw_errno(env, "sendto", path, err);
    return NULL;
  }
  return NULL;
}

bool sd_notify_export(napi_env env, napi_value exports) {
  return io_export(env, exports, "sdNotify", sd_notify);
}
