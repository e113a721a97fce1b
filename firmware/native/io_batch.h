/*
 * The batch memory a reader fills: JavaScript's arrays, checked when start()
 * receives them and held by reference while the handle polls.
 */
#ifndef BURROW_IO_BATCH_H
#define BURROW_IO_BATCH_H

#include "io_args.h"

/*
 * The batch memory JavaScript hands to start() (a PacketBatch): slot i of
 * `data` spans [i * slot_size, (i + 1) * slot_size); the reader records
 * where it put packet i in offsets[i] and lengths[i]. The arrays are held by
 * reference while polling, so their memory stays put.
 */
typedef struct io_batch {
  napi_ref data;      /* Uint8Array: the packet slots */
  napi_ref offsets;   /* Uint32Array: where packet i starts in data */
  napi_ref lengths;   /* Uint32Array: length of packet i */
  uint32_t slot_size; /* bytes per slot */
  uint32_t capacity;  /* packets per batch */
} io_batch;

/*
 * start()'s (data, offsets, lengths, slotSize) at argv[0..3]. Checks types
 * only: *capacity is how many slots all three arrays have room for (0 when
 * slotSize is 0), for the addon to check and narrow further.
 */
static inline bool io_arg_batch(napi_env env, const napi_value *argv, uint32_t *slot_size, size_t *capacity) {
  void *ignored;
  size_t data_length;
  size_t offsets_length;
  size_t lengths_length;
  if (!io_arg_typed(env, argv[0], napi_uint8_array, "data", &ignored, &data_length) ||
      !io_arg_typed(env, argv[1], napi_uint32_array, "offsets", &ignored, &offsets_length) ||
      !io_arg_typed(env, argv[2], napi_uint32_array, "lengths", &ignored, &lengths_length) ||
      !io_arg_uint32(env, argv[3], "slotSize", slot_size)) {
    return false;
  }
  *capacity = *slot_size == 0 ? 0 : data_length / *slot_size;
  *capacity = *capacity < offsets_length ? *capacity : offsets_length;
  *capacity = *capacity < lengths_length ? *capacity : lengths_length;
  return true;
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

/* Holds start()'s data, offsets and lengths (argv[0..2]) for as long as the handle polls. */
static inline bool io_batch_hold(napi_env env, const napi_value *argv, io_batch *b) {
  if (napi_create_reference(env, argv[0], 1, &b->data) != napi_ok ||
      napi_create_reference(env, argv[1], 1, &b->offsets) != napi_ok ||
      napi_create_reference(env, argv[2], 1, &b->lengths) != napi_ok) {
    io_throw_napi_failure(env, "napi_create_reference");
    return false;
  }
  return true;
}

/* The batch's memory for one readable event; false if any array is out of reach. */
static inline bool io_batch_memory(napi_env env, const io_batch *b, uint8_t **data, uint32_t **offsets,
                                   uint32_t **lengths) {
  size_t ignored;
  *data = io_ref_data(env, b->data, &ignored);
  *offsets = io_ref_data(env, b->offsets, &ignored);
  *lengths = io_ref_data(env, b->lengths, &ignored);
  return *data != NULL && *offsets != NULL && *lengths != NULL;
}

static inline void io_batch_release(napi_env env, io_batch *b) {
  io_delete_ref(env, &b->data);
  io_delete_ref(env, &b->offsets);
  io_delete_ref(env, &b->lengths);
}

#endif /* BURROW_IO_BATCH_H */
