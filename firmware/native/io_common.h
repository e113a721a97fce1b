/*
 * Shared plumbing for Burrow's two I/O addons (burrow_tun and burrow_udp):
 * errors named by errno, argument checks, network-namespace switching, and
 * the life cycle of a file descriptor polled by libuv that calls back into
 * JavaScript with one batch per readable event.
 *
 * Everything here is `static inline` so each addon is one translation unit
 * and unused helpers cost nothing (and raise no -Wunused warnings).
 *
 * Threading: every function runs on the JavaScript thread. There are no
 * threads of our own; the kernel does the waiting, libuv tells us when.
 */
#ifndef BURROW_IO_COMMON_H
#define BURROW_IO_COMMON_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* setns() */
#endif

#include <errno.h>
#include <fcntl.h>
#include <node_api.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>

/* ---- errors ------------------------------------------------------------ */

/* The symbolic name of an errno value ("EAGAIN"), as Node reports it in err.code. */
static inline const char *io_errno_name(int err, char *buf, size_t size) {
  if (err == EBADFD) { /* a detached TUN reports this; libuv has no name for it */
    return "EBADFD";
  }
  return uv_err_name_r(-err, buf, size); /* libuv codes are negated errnos on Unix */
}

/* An Error with .code = errno name and .syscall, message "SYSCALL SUBJECT: CODE (text)". */
static inline napi_value io_errno_error(napi_env env, const char *syscall, const char *subject, int err) {
  char name[64];
  char message[512];
  napi_value code_value;
  napi_value message_value;
  napi_value syscall_value;
  napi_value error = NULL;
  const char *code = io_errno_name(err, name, sizeof name);
  snprintf(message, sizeof message, "%s%s%s: %s (%s)", syscall, subject[0] ? " " : "", subject, code, strerror(err));
  if (napi_create_string_utf8(env, code, NAPI_AUTO_LENGTH, &code_value) != napi_ok ||
      napi_create_string_utf8(env, message, NAPI_AUTO_LENGTH, &message_value) != napi_ok ||
      napi_create_error(env, code_value, message_value, &error) != napi_ok ||
      napi_create_string_utf8(env, syscall, NAPI_AUTO_LENGTH, &syscall_value) != napi_ok ||
      napi_set_named_property(env, error, "syscall", syscall_value) != napi_ok) {
    return NULL;
  }
  return error;
}

static inline void io_throw_errno(napi_env env, const char *syscall, const char *subject, int err) {
  napi_value error = io_errno_error(env, syscall, subject, err);
  if (error != NULL) {
    napi_throw(env, error);
  }
}

/* After a failed napi_* call: make sure JavaScript sees an exception. */
static inline void io_throw_napi_failure(napi_env env, const char *call) {
  bool pending = false;
  const napi_extended_error_info *info = NULL;
  char message[256];
  napi_is_exception_pending(env, &pending);
  if (pending) {
    return;
  }
  napi_get_last_error_info(env, &info);
  snprintf(message, sizeof message, "%s failed: %s", call,
           info != NULL && info->error_message != NULL ? info->error_message : "unknown N-API error");
  napi_throw_error(env, NULL, message);
}

/* Evaluates a napi_* call inside a binding; on failure throws and returns NULL to JavaScript. */
#define IO_NAPI(call)                                                                                                  \
  do {                                                                                                                 \
    if ((call) != napi_ok) {                                                                                           \
      io_throw_napi_failure(env, #call);                                                                               \
      return NULL;                                                                                                     \
    }                                                                                                                  \
  } while (0)

/* ---- arguments ----------------------------------------------------------- */

static inline bool io_args(napi_env env, napi_callback_info info, size_t want, napi_value *argv) {
  size_t argc = want;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) {
    io_throw_napi_failure(env, "napi_get_cb_info");
    return false;
  }
  if (argc < want) {
    napi_throw_type_error(env, "ERR_MISSING_ARGS", "missing arguments");
    return false;
  }
  return true;
}

static inline bool io_arg_uint32(napi_env env, napi_value value, const char *what, uint32_t *out) {
  napi_valuetype type;
  double number;
  char message[128];
  if (napi_typeof(env, value, &type) != napi_ok || type != napi_number ||
      napi_get_value_double(env, value, &number) != napi_ok || !(number >= 0 && number <= UINT32_MAX) ||
      number != (double)(uint32_t)number) {
    snprintf(message, sizeof message, "%s must be an integer from 0 to 4294967295", what);
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", message);
    return false;
  }
  *out = (uint32_t)number;
  return true;
}

/* A string that must fit `size` bytes including the terminating NUL. */
static inline bool io_arg_string(napi_env env, napi_value value, const char *what, char *out, size_t size) {
  size_t length = 0;
  char message[128];
  if (napi_get_value_string_utf8(env, value, NULL, 0, &length) != napi_ok) {
    snprintf(message, sizeof message, "%s must be a string", what);
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", message);
    return false;
  }
  if (length + 1 > size) {
    snprintf(message, sizeof message, "%s is longer than %zu bytes", what, size - 1);
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", message);
    return false;
  }
  napi_get_value_string_utf8(env, value, out, size, &length);
  if (strlen(out) != length) {
    snprintf(message, sizeof message, "%s must not contain NUL characters", what);
    napi_throw_type_error(env, "ERR_INVALID_ARG_VALUE", message);
    return false;
  }
  return true;
}

/* null/undefined → empty string (meaning "not given"); otherwise like io_arg_string. */
static inline bool io_arg_optional_string(napi_env env, napi_value value, const char *what, char *out, size_t size) {
  napi_valuetype type;
  if (napi_typeof(env, value, &type) == napi_ok && (type == napi_null || type == napi_undefined)) {
    out[0] = '\0';
    return true;
  }
  return io_arg_string(env, value, what, out, size);
}

/* A typed array of one exact element type; `length` is in elements. */
static inline bool io_arg_typed(napi_env env, napi_value value, napi_typedarray_type want, const char *what,
                                void **data, size_t *length) {
  bool is_typed = false;
  napi_typedarray_type type;
  napi_value buffer;
  size_t offset;
  char message[128];
  if (napi_is_typedarray(env, value, &is_typed) != napi_ok || !is_typed ||
      napi_get_typedarray_info(env, value, &type, length, data, &buffer, &offset) != napi_ok || type != want) {
    snprintf(message, sizeof message, "%s has the wrong type of array", what);
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", message);
    return false;
  }
  return true;
}

/*
 * A packet list as JavaScript passes it for writing: packet i is
 * data[offsets[i] .. offsets[i] + lengths[i]). Checked whole before any I/O,
 * so a bad list writes nothing.
 */
typedef struct io_packets {
  uint8_t *data;
  const uint32_t *offsets;
  const uint32_t *lengths;
  uint32_t count;
} io_packets;

static inline bool io_arg_packets(napi_env env, const napi_value *argv, io_packets *out) {
  size_t data_length;
  size_t offsets_length;
  size_t lengths_length;
  void *data;
  void *offsets;
  void *lengths;
  if (!io_arg_typed(env, argv[0], napi_uint8_array, "data", &data, &data_length) ||
      !io_arg_typed(env, argv[1], napi_uint32_array, "offsets", &offsets, &offsets_length) ||
      !io_arg_typed(env, argv[2], napi_uint32_array, "lengths", &lengths, &lengths_length) ||
      !io_arg_uint32(env, argv[3], "count", &out->count)) {
    return false;
  }
  if (out->count > offsets_length || out->count > lengths_length) {
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "count exceeds the offsets or lengths array");
    return false;
  }
  out->data = data;
  out->offsets = offsets;
  out->lengths = lengths;
  for (uint32_t i = 0; i < out->count; i++) {
    if ((uint64_t)out->offsets[i] + out->lengths[i] > data_length) {
      napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "a packet lies outside its data buffer");
      return false;
    }
  }
  return true;
}

/* ---- network namespaces -------------------------------------------------- */

/*
 * Moves the calling thread (only) into the network namespace at `path`, so
 * that a device or socket created next is born there. *saved receives a
 * descriptor of the namespace to come back to with io_netns_leave().
 * Returns 0 or an errno.
 */
static inline int io_netns_enter(const char *path, int *saved) {
  int target;
  int err;
  *saved = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  if (*saved < 0) {
    return errno;
  }
  target = open(path, O_RDONLY | O_CLOEXEC);
  if (target < 0) {
    err = errno;
    close(*saved);
    return err;
  }
  err = setns(target, CLONE_NEWNET) < 0 ? errno : 0;
  close(target);
  if (err != 0) {
    close(*saved);
  }
  return err;
}

static inline void io_netns_leave(int saved) {
  /* Staying in the wrong namespace would put every later socket of this
   * process there: stop the process instead of carrying on. */
  if (setns(saved, CLONE_NEWNET) < 0) {
    napi_fatal_error("burrow io", NAPI_AUTO_LENGTH, "cannot return to the original network namespace",
                     NAPI_AUTO_LENGTH);
  }
  close(saved);
}

/* ---- a polled descriptor and its life cycle ------------------------------ */

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

/* The data pointer and element count of a typed array held by a reference. */
static inline void *io_ref_data(napi_env env, napi_ref ref, size_t *length) {
  napi_value value;
  napi_typedarray_type type;
  napi_value buffer;
  size_t offset;
  void *data = NULL;
  if (napi_get_reference_value(env, ref, &value) != napi_ok ||
      napi_get_typedarray_info(env, value, &type, length, &data, &buffer, &offset) != napi_ok) {
    return NULL;
  }
  return data;
}

static inline void io_delete_ref(napi_env env, napi_ref *ref) {
  if (*ref != NULL) {
    napi_delete_reference(env, *ref);
    *ref = NULL;
  }
}

/* Adds a function property to the addon's exports. */
static inline bool io_export(napi_env env, napi_value exports, const char *name, napi_callback fn) {
  napi_value value;
  return napi_create_function(env, name, NAPI_AUTO_LENGTH, fn, NULL, &value) == napi_ok &&
         napi_set_named_property(env, exports, name, value) == napi_ok;
}

#endif /* BURROW_IO_COMMON_H */
