// BLAKE2s in the three shapes WireGuard uses: a 32-byte hash, a keyed 16-byte MAC and HMAC-BLAKE2s.
import { blake2s } from '@noble/hashes/blake2.js';
import { hmac } from '@noble/hashes/hmac.js';

export const BLAKE2S_HASH_LENGTH = 32;
export const BLAKE2S_MAC_LENGTH = 16;

/** BLAKE2s-256 over the concatenation of `parts`. */
export function blake2sHash(...parts: Uint8Array[]): Uint8Array {
  const state = blake2s.create({ dkLen: BLAKE2S_HASH_LENGTH });
  for (const part of parts) {
    state.update(part);
  }
  return state.digest();
}

/** Keyed BLAKE2s with a 16-byte output (RFC 7693 keyed mode, not HMAC); `key` is 1..32 bytes. */
export function blake2sMac(key: Uint8Array, ...parts: Uint8Array[]): Uint8Array {
  const state = blake2s.create({ key, dkLen: BLAKE2S_MAC_LENGTH });
  for (const part of parts) {
    state.update(part);
  }
  return state.digest();
}

/** HMAC (RFC 2104) with BLAKE2s-256 as the hash: 64-byte blocks, 32-byte output. */
export function hmacBlake2s(key: Uint8Array, ...parts: Uint8Array[]): Uint8Array {
  const state = hmac.create(blake2s, key);
  for (const part of parts) {
    state.update(part);
  }
  return state.digest();
}
