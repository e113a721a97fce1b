/*
 * burrow_aead: ChaCha20-Poly1305 for WireGuard transport messages, a whole
 * batch per call, on the OpenSSL that Node itself carries (its EVP symbols
 * are visible to addons, so nothing is linked or vendored here).
 *
 * Why: through node:crypto every packet costs a cipher object, a key import,
 * two buffers and four calls into C++; a batch here costs one call, and each
 * packet only a fresh nonce on a context keyed once per keypair.
 *
 * What stays in TypeScript: the counter each message carries, the replay
 * window and every accept/drop decision. This file only transforms bytes:
 *
 *   message  [ header 16 | body n | tag 16 ]   nonce = 4 zero bytes ‖ header[8..16)
 *
 * seal: the body is encrypted in place and the tag written after it (the
 * header, counter included, is the caller's). open: the body is decrypted in
 * place and the tag checked; a message that fails has its body zeroed, so no
 * unauthenticated plaintext is ever left behind.
 *
 * JavaScript API (see src/crypto/transport-aead.ts):
 *   createKey(key: Uint8Array(32), sealing: boolean) -> key object
 *   seal(key, data, offsets, lengths, count)                   sealed in place
 *   open(key, data, offsets, lengths, count, results) -> count authentic; results[i] = 1 or 0
 *   destroyKey(key)   frees the context now, its key material cleansed by OpenSSL; later use throws
 *                     (destroying twice is harmless)
 */
#include "io_napi.h"
#include "io_args.h"

#include <openssl/evp.h>

#define AEAD_KEY_LENGTH 32
#define AEAD_TAG_LENGTH 16
#define AEAD_NONCE_LENGTH 12
#define MESSAGE_HEADER_LENGTH 16
#define MESSAGE_COUNTER_OFFSET 8

typedef struct aead_key {
  EVP_CIPHER_CTX *ctx; /* NULL once destroyed */
  bool sealing;
} aead_key;

/* Marks our key objects, so another addon's wrapped object is refused rather than misread. */
static const napi_type_tag AEAD_KEY_TAG = {0x6275727277616561ULL, 0x64206b6579206f62ULL};

static void aead_key_free(aead_key *key) {
  if (key->ctx != NULL) {
    EVP_CIPHER_CTX_free(key->ctx); /* cleanses the key schedule */
    key->ctx = NULL;
  }
}

static void aead_key_finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  aead_key_free(data);
  free(data);
}

/* The key behind a JavaScript key object (a live one unless `destroyed_ok`), or NULL after throwing. */
static aead_key *aead_unwrap(napi_env env, napi_value value, bool destroyed_ok) {
  bool tagged = false;
  void *data = NULL;
  napi_valuetype type;
  if (napi_typeof(env, value, &type) != napi_ok || type != napi_object ||
      napi_check_object_type_tag(env, value, &AEAD_KEY_TAG, &tagged) != napi_ok || !tagged ||
      napi_unwrap(env, value, &data) != napi_ok) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "key must be a key from createKey()");
    return NULL;
  }
  aead_key *key = data;
  if (key->ctx == NULL && !destroyed_ok) {
    napi_throw_error(env, "ERR_INVALID_STATE", "the key was destroyed");
    return NULL;
  }
  return key;
}

static napi_value create_key(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  void *bytes;
  size_t length;
  bool sealing;
  if (!io_args(env, info, 2, argv) || !io_arg_typed(env, argv[0], napi_uint8_array, "key", &bytes, &length) ||
      !io_arg_bool(env, argv[1], "sealing", &sealing)) {
    return NULL;
  }
  if (length != AEAD_KEY_LENGTH) {
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "key must be 32 bytes");
    return NULL;
  }
  aead_key *key = calloc(1, sizeof *key);
  if (key == NULL) {
    napi_throw_error(env, "ENOMEM", "out of memory for an AEAD key");
    return NULL;
  }
  key->sealing = sealing;
  key->ctx = EVP_CIPHER_CTX_new();
  if (key->ctx == NULL ||
      EVP_CipherInit_ex(key->ctx, EVP_chacha20_poly1305(), NULL, bytes, NULL, sealing ? 1 : 0) != 1) {
    aead_key_free(key);
    free(key);
    napi_throw_error(env, "ERR_CRYPTO_OPERATION_FAILED", "OpenSSL could not set up ChaCha20-Poly1305");
    return NULL;
  }
  napi_value object;
  if (napi_create_object(env, &object) != napi_ok || napi_type_tag_object(env, object, &AEAD_KEY_TAG) != napi_ok ||
      napi_wrap(env, object, key, aead_key_finalize, NULL, NULL) != napi_ok) {
    aead_key_free(key);
    free(key);
    io_throw_napi_failure(env, "napi_wrap");
    return NULL;
  }
  return object;
}

/* Seals or opens one message in place; for open, false means a bad tag (the body is then zeroed). */
static bool transform(aead_key *key, uint8_t *message, uint32_t length) {
  uint8_t nonce[AEAD_NONCE_LENGTH] = {0};
  uint8_t *body = message + MESSAGE_HEADER_LENGTH;
  int body_length = (int)(length - MESSAGE_HEADER_LENGTH - AEAD_TAG_LENGTH);
  uint8_t *tag = body + body_length;
  int out_length = 0;
  memcpy(nonce + 4, message + MESSAGE_COUNTER_OFFSET, 8);
  bool done = EVP_CipherInit_ex(key->ctx, NULL, NULL, NULL, nonce, -1) == 1 &&
              (key->sealing || EVP_CIPHER_CTX_ctrl(key->ctx, EVP_CTRL_AEAD_SET_TAG, AEAD_TAG_LENGTH, tag) == 1) &&
              (body_length == 0 || EVP_CipherUpdate(key->ctx, body, &out_length, body, body_length) == 1) &&
              EVP_CipherFinal_ex(key->ctx, body + out_length, &out_length) == 1 &&
              (!key->sealing || EVP_CIPHER_CTX_ctrl(key->ctx, EVP_CTRL_AEAD_GET_TAG, AEAD_TAG_LENGTH, tag) == 1);
  if (!done && !key->sealing) {
    OPENSSL_cleanse(body, (size_t)body_length);
  }
  return done;
}

/*
 * The arguments of seal (5) and open (6): the key, the packet list (every message at least a header and a tag),
 * and for open the results array left in argv[5].
 */
static aead_key *batch_args(napi_env env, napi_callback_info info, napi_value *argv, io_packets *packets,
                            bool sealing) {
  if (!io_args(env, info, sealing ? 5 : 6, argv)) {
    return NULL;
  }
  aead_key *key = aead_unwrap(env, argv[0], false);
  if (key == NULL || !io_arg_packets(env, argv + 1, packets)) {
    return NULL;
  }
  if (key->sealing != sealing) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_VALUE",
                          sealing ? "this key was made for opening" : "this key was made for sealing");
    return NULL;
  }
  for (uint32_t i = 0; i < packets->count; i++) {
    if (packets->lengths[i] < MESSAGE_HEADER_LENGTH + AEAD_TAG_LENGTH) {
      napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "a message is shorter than a header and a tag");
      return NULL;
    }
    if (packets->lengths[i] > INT32_MAX / 2) {
      napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "a message is longer than 1 GiB");
      return NULL;
    }
  }
  return key;
}

/* seal(key, data, offsets, lengths, count) and open(..., results) -> authentic count: one loop for both. */
static napi_value run_batch(napi_env env, napi_callback_info info, bool sealing) {
  napi_value argv[6];
  io_packets packets;
  void *results = NULL;
  size_t results_length = 0;
  aead_key *key = batch_args(env, info, argv, &packets, sealing);
  if (key == NULL ||
      (!sealing && !io_arg_typed(env, argv[5], napi_uint8_array, "results", &results, &results_length))) {
    return NULL;
  }
  if (!sealing && results_length < packets.count) {
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "results is shorter than count");
    return NULL;
  }
  uint32_t authentic = 0;
  for (uint32_t i = 0; i < packets.count; i++) {
    bool ok = transform(key, packets.data + packets.offsets[i], packets.lengths[i]);
    if (sealing && !ok) {
      napi_throw_error(env, "ERR_CRYPTO_OPERATION_FAILED", "OpenSSL failed to seal a message");
      return NULL;
    }
    if (!sealing) {
      ((uint8_t *)results)[i] = ok ? 1 : 0;
    }
    authentic += ok ? 1 : 0;
  }
  if (sealing) {
    return NULL;
  }
  napi_value value;
  IO_NAPI(napi_create_uint32(env, authentic, &value));
  return value;
}

static napi_value seal(napi_env env, napi_callback_info info) { return run_batch(env, info, true); }

static napi_value open_messages(napi_env env, napi_callback_info info) { return run_batch(env, info, false); }

static napi_value destroy_key(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!io_args(env, info, 1, argv)) {
    return NULL;
  }
  aead_key *key = aead_unwrap(env, argv[0], true);
  if (key != NULL) {
    aead_key_free(key);
  }
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  /* Binds the OpenSSL symbols now, so a Node without them fails when the addon loads, not mid-packet. */
  if (EVP_chacha20_poly1305() == NULL) {
    napi_throw_error(env, "ERR_CRYPTO_UNKNOWN_CIPHER", "this Node's OpenSSL has no ChaCha20-Poly1305");
    return NULL;
  }
  if (!io_export(env, exports, "createKey", create_key) || !io_export(env, exports, "seal", seal) ||
      !io_export(env, exports, "open", open_messages) || !io_export(env, exports, "destroyKey", destroy_key)) {
    io_throw_napi_failure(env, "napi_create_function");
    return NULL;
  }
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
