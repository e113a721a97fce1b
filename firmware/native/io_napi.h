/*
 * N-API basics for the I/O addons: errors named by errno (as Node's own
 * err.code), turning a failed napi_* call into a JavaScript exception, and
 * exporting functions.
 */
#ifndef BURROW_IO_NAPI_H
#define BURROW_IO_NAPI_H

/* Every I/O header includes this one first, so the feature macro comes before any system header. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* setns() in io_netns.h */
#endif

#include <errno.h>
#include <node_api.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <uv.h>

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

/* Sets object[name] to a number or a boolean; false after a failed napi_* call (throw with io_throw_napi_failure). */
static inline bool io_set_number(napi_env env, napi_value object, const char *name, double number) {
  napi_value value;
  return napi_create_double(env, number, &value) == napi_ok &&
         napi_set_named_property(env, object, name, value) == napi_ok;
}

static inline bool io_set_bool(napi_env env, napi_value object, const char *name, bool flag) {
  napi_value value;
  return napi_get_boolean(env, flag, &value) == napi_ok && napi_set_named_property(env, object, name, value) == napi_ok;
}

/* Adds a function property to the addon's exports. */
static inline bool io_export(napi_env env, napi_value exports, const char *name, napi_callback fn) {
  napi_value value;
  return napi_create_function(env, name, NAPI_AUTO_LENGTH, fn, NULL, &value) == napi_ok &&
         napi_set_named_property(env, exports, name, value) == napi_ok;
}

#endif /* BURROW_IO_NAPI_H */
