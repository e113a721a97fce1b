/*
 * A file descriptor handed to JavaScript and polled by libuv: opening it
 * (inside a network namespace if asked), its life cycle from open to free,
 * and the one call into JavaScript per readable event.
 */
#ifndef BURROW_IO_HANDLE_H
#define BURROW_IO_HANDLE_H

#include "io_args.h"
#include "io_netns.h"

#include <stdlib.h>
#include <unistd.h>
#include <uv.h>

/*
 * Base of every native object handed to JavaScript (embedded as the first
 * member). Its memory is freed only when both owners are done with it:
 *   - the JS wrapper (an External) was garbage-collected, and
 *   - libuv's close callback for the poll handle ran (if it was ever started).
 * io_close() is idempotent and may run from JS close(), the env cleanup hook
 * (worker exit) or the finalizer, in any order.
 */
typedef struct io_handle io_handle;
struct io_handle {
  napi_env env;
  int fd;                        /* -1 once closed */
  uv_poll_t poll;                /* poll.data == this */
  bool poll_started;             /* uv_poll_init succeeded, so uv_close is owed */
  bool poll_closed;              /* uv_close's callback ran */
  bool wrapper_alive;            /* the External has not been finalized */
  napi_ref callback;             /* JS function receiving batches, while polling */
  napi_async_context async;      /* so batches run as proper async callbacks */
  void (*release)(io_handle *);  /* frees the subtype's references and descriptors */
};

static inline void io_maybe_free(io_handle *h) {
  if (!h->wrapper_alive && (!h->poll_started || h->poll_closed)) {
    free(h);
  }
}

static inline void io_on_poll_closed(uv_handle_t *handle) {
  io_handle *h = handle->data;
  h->poll_closed = true;
  io_maybe_free(h);
}

static inline void io_cleanup_hook(void *arg);

static inline void io_close(io_handle *h) {
  if (h->fd < 0) {
    return;
  }
  if (h->poll_started) {
    uv_poll_stop(&h->poll); /* stop polling before the descriptor goes away */
    uv_close((uv_handle_t *)&h->poll, io_on_poll_closed);
  }
  close(h->fd);
  h->fd = -1;
  if (h->callback != NULL) {
    napi_delete_reference(h->env, h->callback);
    h->callback = NULL;
  }
  if (h->async != NULL) {
    napi_async_destroy(h->env, h->async);
    h->async = NULL;
  }
  h->release(h);
  napi_remove_env_cleanup_hook(h->env, io_cleanup_hook, h);
}

/* The environment is going away (worker exit): release the descriptor and poll handle. */
static inline void io_cleanup_hook(void *arg) { io_close(arg); }

static inline void io_finalize(napi_env env, void *data, void *hint) {
  io_handle *h = data;
  (void)env;
  (void)hint;
  io_close(h);
  h->wrapper_alive = false;
  io_maybe_free(h);
}

/* Wraps a freshly opened handle (fd set, subtype filled) in an External owned by JS. */
static inline napi_value io_wrap(napi_env env, io_handle *h) {
  napi_value external;
  h->env = env;
  h->poll.data = h;
  h->wrapper_alive = true;
  if (napi_create_external(env, h, io_finalize, NULL, &external) != napi_ok) {
    h->wrapper_alive = false;
    io_close(h);
    free(h);
    io_throw_napi_failure(env, "napi_create_external");
    return NULL;
  }
  napi_add_env_cleanup_hook(env, io_cleanup_hook, h);
  return external;
}

/* A zeroed handle of `size` bytes (a subtype with io_handle first), no descriptor yet; throws ENOMEM naming `what`. */
static inline void *io_alloc(napi_env env, size_t size, void (*release)(io_handle *), const char *what) {
  io_handle *h = calloc(1, size);
  if (h == NULL) {
    io_throw_errno(env, "calloc", what, ENOMEM);
    return NULL;
  }
  h->env = env;
  h->fd = -1;
  h->release = release;
  return h;
}

/*
 * Fills a new handle: sets h->fd (and the subtype's fields), returns 0 or an
 * errno and names the failed call in *failed. Runs in the target namespace.
 */
typedef int io_create_fn(io_handle *h, void *arg, const char **failed);

/*
 * Opens a handle from io_alloc() with create(h, arg), run while the calling
 * thread is in the network namespace at `netns` ("" = where it is): a device
 * or socket is born in its creator's namespace. The thread is back before
 * this returns. Returns the External for JavaScript; on failure throws
 * (naming the namespace if entering it failed, else `subject`, read after
 * create ran), closes what create opened, frees h and returns NULL.
 */
static inline napi_value io_open(napi_env env, io_handle *h, const char *netns, const char *subject,
                                 io_create_fn *create, void *arg) {
  int saved_netns = -1;
  const char *failed = "";
  int err = netns[0] != '\0' ? io_netns_enter(netns, &saved_netns) : 0;
  if (err != 0) {
    free(h);
    io_throw_errno(env, "setns", netns, err);
    return NULL;
  }
  err = create(h, arg, &failed);
  if (saved_netns >= 0) {
    io_netns_leave(saved_netns);
  }
  if (err != 0) {
    h->release(h);
    if (h->fd >= 0) {
      close(h->fd);
    }
    free(h);
    io_throw_errno(env, failed, subject, err);
    return NULL;
  }
  return io_wrap(env, h);
}

/* The handle behind an External; throws EBADF if it was closed. */
static inline io_handle *io_unwrap(napi_env env, napi_value value) {
  void *data = NULL;
  napi_valuetype type;
  if (napi_typeof(env, value, &type) != napi_ok || type != napi_external ||
      napi_get_value_external(env, value, &data) != napi_ok || data == NULL) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "not a handle of this addon");
    return NULL;
  }
  if (((io_handle *)data)->fd < 0) {
    io_throw_errno(env, "use", "closed handle", EBADF);
    return NULL;
  }
  return data;
}

/* start() runs once per handle: checked before start() changes anything the live poller reads. */
static inline bool io_not_started(napi_env env, const io_handle *h) {
  if (h->poll_started) {
    napi_throw_error(env, "ERR_INVALID_STATE", "already started");
    return false;
  }
  return true;
}

/* Starts level-triggered polling for readability, delivering to `callback`. */
static inline bool io_start(napi_env env, io_handle *h, napi_value callback, const char *name, uv_poll_cb on_readable) {
  uv_loop_t *loop;
  napi_value resource;
  napi_value resource_name;
  int err;
  napi_valuetype type;
  if (h->poll_started) {
    napi_throw_error(env, "ERR_INVALID_STATE", "already started");
    return false;
  }
  if (napi_typeof(env, callback, &type) != napi_ok || type != napi_function) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "callback must be a function");
    return false;
  }
  if (napi_get_uv_event_loop(env, &loop) != napi_ok || napi_create_object(env, &resource) != napi_ok ||
      napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &resource_name) != napi_ok ||
      napi_async_init(env, resource, resource_name, &h->async) != napi_ok ||
      napi_create_reference(env, callback, 1, &h->callback) != napi_ok) {
    io_throw_napi_failure(env, "start");
    return false;
  }
  err = uv_poll_init(loop, &h->poll, h->fd);
  if (err != 0) {
    io_throw_errno(env, "uv_poll_init", name, -err);
    return false;
  }
  h->poll_started = true;
  err = uv_poll_start(&h->poll, UV_READABLE, on_readable);
  if (err != 0) {
    io_throw_errno(env, "uv_poll_start", name, -err);
    return false;
  }
  return true;
}

/*
 * Calls the JS callback with argv from inside a libuv callback (the caller
 * holds a handle scope). napi_make_callback runs queued microtasks and
 * process.nextTick callbacks afterwards, as for any Node I/O callback; an
 * exception thrown by the callback becomes an 'uncaughtException'.
 */
static inline void io_call_js(io_handle *h, size_t argc, const napi_value *argv) {
  napi_env env = h->env;
  napi_value callback;
  napi_value receiver;
  napi_value exception;
  if (napi_get_reference_value(env, h->callback, &callback) != napi_ok || napi_get_global(env, &receiver) != napi_ok) {
    return;
  }
  if (napi_make_callback(env, h->async, receiver, callback, argc, argv, NULL) != napi_ok) {
    bool pending = false;
    napi_is_exception_pending(env, &pending);
    if (pending && napi_get_and_clear_last_exception(env, &exception) == napi_ok) {
      napi_fatal_exception(env, exception);
    }
  }
}

/*
 * Ends a readable event: hands `count` packets (and the errno name of a read
 * error, if any) to JavaScript in one call. A read error does not go away by
 * itself, so polling then stops rather than spin; the callback may have
 * closed the handle already (fd < 0).
 */
static inline void io_deliver_batch(io_handle *h, uint32_t count, int err) {
  napi_env env = h->env;
  napi_value argv[2];
  char name[64];
  if (count > 0 || err != 0) {
    napi_create_uint32(env, count, &argv[0]);
    if (err != 0) {
      napi_create_string_utf8(env, io_errno_name(err, name, sizeof name), NAPI_AUTO_LENGTH, &argv[1]);
    } else {
      napi_get_undefined(env, &argv[1]);
    }
    io_call_js(h, 2, argv);
  }
  if (err != 0 && h->fd >= 0) {
    uv_poll_stop(&h->poll);
  }
}

/* close(handle), as both addons export it: stops polling and closes the descriptor. Idempotent. */
static inline napi_value io_close_binding(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  void *data = NULL;
  if (!io_args(env, info, 1, argv)) {
    return NULL;
  }
  IO_NAPI(napi_get_value_external(env, argv[0], &data));
  io_close(data);
  return NULL;
}

#endif /* BURROW_IO_HANDLE_H */
