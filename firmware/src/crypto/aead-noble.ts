// The AEAD contract on @noble/ciphers: pure JavaScript, seals and opens truly in place.
import { chacha20poly1305, xchacha20poly1305 } from '@noble/ciphers/chacha.js';

import {
  type Aead,
  type AeadCipher,
  CHACHA20_POLY1305_NONCE_LENGTH,
  checkedAead,
  XCHACHA20_POLY1305_NONCE_LENGTH,
} from './aead.js';

function nobleCipher(construct: typeof chacha20poly1305, nonceLength: number): AeadCipher {
  return {
    nonceLength,
    seal: (key, nonce, plaintext, ad, out) => construct(key, nonce, ad).encrypt(plaintext, out),
    open: (key, nonce, ciphertext, ad, out) => {
      try {
        // noble verifies the tag before it writes anything into `out`.
        return construct(key, nonce, ad).decrypt(ciphertext, out);
      } catch {
        return null;
      }
    },
  };
}

export const nobleAead: Aead = checkedAead(
  'noble',
  nobleCipher(chacha20poly1305, CHACHA20_POLY1305_NONCE_LENGTH),
  nobleCipher(xchacha20poly1305, XCHACHA20_POLY1305_NONCE_LENGTH),
);
