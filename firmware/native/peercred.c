/*
 * burrow_sock: who is on the other end of a Unix socket. burrowd's control socket admits only root and the
 * API's service user; the kernel vouches for that through SO_PEERCRED, which node:net does not expose.
 * The addon's other function, sdNotify, is in sd_notify.c.
 */
#include <sys/socket.h>
#include <sys/types.h>

#include "io_args.h"
#include "io_napi.h"
#include "sd_notify.h"

/* peerCredentials(fd) -> { pid, uid, gid } of the process that connected (at connect time). */
static napi_value peer_credentials(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  napi_value result;
  napi_value value;
  uint32_t fd;
  struct ucred cred;
  socklen_t length = sizeof(cred);

  if (!io_args(env, info, 1, argv) || !io_arg_uint32(env, argv[0], "fd", &fd)) {
    return NULL;
  }
  if (getsockopt((int)fd, SOL_SOCKET, SO_PEERCRED, &cred, &length) != 0) {
    io_throw_errno(env, "getsockopt", "SO_PEERCRED", errno);
    return NULL;
  }
  IO_NAPI(napi_create_object(env, &result));
  IO_NAPI(napi_create_int32(env, cred.pid, &value));
  IO_NAPI(napi_set_named_property(env, result, "pid", value));
  IO_NAPI(napi_create_uint32(env, cred.uid, &value));
  IO_NAPI(napi_set_named_property(env, result, "uid", value));
  IO_NAPI(napi_create_uint32(env, cred.gid, &value));
  IO_NAPI(napi_set_named_property(env, result, "gid", value));
  return result;
}

NAPI_MODULE_INIT() {
  if (!io_export(env, exports, "peerCredentials", peer_credentials) || !sd_notify_export(env, exports)) {
    return NULL;
  }
  return exports;
}
