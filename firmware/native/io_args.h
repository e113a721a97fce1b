/*
 * Argument checks for the addons' JavaScript functions: each throws the
 * TypeError or RangeError Node would (with its ERR_* code) and returns false.
 */
#ifndef BURROW_IO_ARGS_H
#define BURROW_IO_ARGS_H

#include "io_napi.h"

#include <stdint.h>

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

static inline bool io_arg_bool(napi_env env, napi_value value, const char *what, bool *out) {
  char message[128];
  if (napi_get_value_bool(env, value, out) != napi_ok) {
    snprintf(message, sizeof message, "%s must be a boolean", what);
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", message);
    return false;
  }
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

/* Whether two byte ranges share memory. */
static inline bool io_overlaps(const void *a, size_t a_length, const void *b, size_t b_length) {
  uintptr_t a_start = (uintptr_t)a;
  uintptr_t b_start = (uintptr_t)b;
  return a_length > 0 && b_length > 0 && a_start < b_start + b_length && b_start < a_start + a_length;
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
  /* The callers write into data while they read the list: a list inside data could change under them. */
  if (io_overlaps(data, data_length, offsets, offsets_length * 4) ||
      io_overlaps(data, data_length, lengths, lengths_length * 4)) {
    napi_throw_range_error(env, "ERR_INVALID_ARG_VALUE", "offsets and lengths must not share memory with data");
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

#endif /* BURROW_IO_ARGS_H */
