// The AEAD contract on @noble/ciphers: pure JavaScript, seals and opens truly in place.
import { chacha20poly1305, xchacha20poly1305 } from '@noble/ciphers/chacha.js';

import {
  type Aead,
  AEAD_TAG_LENGTH,
  CHACHA20_POLY1305_NONCE_LENGTH,
  checkAeadArguments,
  XCHACHA20_POLY1305_NONCE_LENGTH,
} from './aead.js';

type NobleAeadConstructor = typeof chacha20poly1305;

function seal(
  construct: NobleAeadConstructor,
  nonceLength: number,
  key: Uint8Array,
  nonce: Uint8Array,
  plaintext: Uint8Array,
  ad: Uint8Array,
  out: Uint8Array,
): Uint8Array {
  checkAeadArguments(key, nonce, nonceLength, plaintext, out, true);
  return construct(key, nonce, ad).encrypt(plaintext, out);
}

function open(
  construct: NobleAeadConstructor,
  nonceLength: number,
  key: Uint8Array,
  nonce: Uint8Array,
  ciphertext: Uint8Array,
  ad: Uint8Array,
  out: Uint8Array,
): Uint8Array | null {
  if (ciphertext.length < AEAD_TAG_LENGTH) {
    return null;
  }
  checkAeadArguments(key, nonce, nonceLength, ciphertext, out, false);
  try {
    // noble verifies the tag before it writes anything into `out`.
    return construct(key, nonce, ad).decrypt(ciphertext, out);
  } catch {
    return null;
  }
}

export const nobleAead: Aead = {
  name: 'noble',
  seal: (key, nonce, plaintext, ad, out) =>
    seal(chacha20poly1305, CHACHA20_POLY1305_NONCE_LENGTH, key, nonce, plaintext, ad, out),
  open: (key, nonce, ciphertext, ad, out) =>
    open(chacha20poly1305, CHACHA20_POLY1305_NONCE_LENGTH, key, nonce, ciphertext, ad, out),
  xseal: (key, nonce, plaintext, ad, out) =>
    seal(xchacha20poly1305, XCHACHA20_POLY1305_NONCE_LENGTH, key, nonce, plaintext, ad, out),
  xopen: (key, nonce, ciphertext, ad, out) =>
    open(xchacha20poly1305, XCHACHA20_POLY1305_NONCE_LENGTH, key, nonce, ciphertext, ad, out),
};
