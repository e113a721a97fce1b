// The AEAD contract on node:crypto (OpenSSL). OpenSSL has no XChaCha20-Poly1305, so XChaCha is built from its
// parts: HChaCha20 (derived from the ChaCha20 block function below) and ChaCha20-Poly1305 with the subkey.
import { createCipheriv, createDecipheriv } from 'node:crypto';

import {
  type Aead,
  type AeadCipher,
  AEAD_TAG_LENGTH,
  CHACHA20_POLY1305_NONCE_LENGTH,
  checkedAead,
  XCHACHA20_POLY1305_NONCE_LENGTH,
} from './aead.js';

const ALGORITHM = 'chacha20-poly1305';

const seal: Aead['seal'] = (key, nonce, plaintext, ad, out) => {
  const cipher = createCipheriv(ALGORITHM, key, nonce, { authTagLength: AEAD_TAG_LENGTH });
  if (ad.length > 0) {
    cipher.setAAD(ad, { plaintextLength: plaintext.length });
  }
  // update() returns a fresh buffer, so writing it back over `plaintext` (in place) is safe.
  const ciphertext = cipher.update(plaintext);
  cipher.final();
  out.set(ciphertext, 0);
  out.set(cipher.getAuthTag(), plaintext.length);
  return out;
};

const open: Aead['open'] = (key, nonce, ciphertext, ad, out) => {
  const bodyLength = ciphertext.length - AEAD_TAG_LENGTH;
  const decipher = createDecipheriv(ALGORITHM, key, nonce, { authTagLength: AEAD_TAG_LENGTH });
  decipher.setAuthTag(ciphertext.subarray(bodyLength));
  if (ad.length > 0) {
    decipher.setAAD(ad, { plaintextLength: bodyLength });
  }
  // OpenSSL decrypts before it checks the tag: keep the result private until final() has accepted the tag.
  const plaintext = decipher.update(ciphertext.subarray(0, bodyLength));
  try {
    decipher.final();
  } catch {
    plaintext.fill(0);
    return null;
  }
  out.set(plaintext, 0);
  return out;
};

// "expand 32-byte k", the ChaCha constants, as little-endian words.
const SIGMA = [0x61707865, 0x3320646e, 0x79622d32, 0x6b206574] as const;
const ZERO_BLOCK = new Uint8Array(64);

/**
 * HChaCha20(key, nonce16): the ChaCha20 rounds without the final feed-forward addition, words 0–3 and 12–15.
 * OpenSSL's raw "chacha20" cipher (16-byte IV = the four state words 12–15) gives block = rounds(state) + state,
 * so subtracting the known state words back out yields exactly those words.
 */
export function hchacha20(key: Uint8Array, nonce16: Uint8Array): Uint8Array {
  const block = createCipheriv('chacha20', key, nonce16).update(ZERO_BLOCK);
  const blockView = new DataView(block.buffer, block.byteOffset, 64);
  const nonceView = new DataView(nonce16.buffer, nonce16.byteOffset, 16);
  const subkey = new Uint8Array(32);
  const subkeyView = new DataView(subkey.buffer);
  for (let i = 0; i < 4; i++) {
    subkeyView.setUint32(i * 4, (blockView.getUint32(i * 4, true) - (SIGMA[i] as number)) >>> 0, true);
    const word = (blockView.getUint32(48 + i * 4, true) - nonceView.getUint32(i * 4, true)) >>> 0;
    subkeyView.setUint32(16 + i * 4, word, true);
  }
  block.fill(0);
  return subkey;
}

/**
 * Runs `use` with the ChaCha20-Poly1305 (subkey, 12-byte nonce) equivalent to an XChaCha (key, 24-byte nonce),
 * wiping the subkey afterwards.
 */
function withSubkey<T>(key: Uint8Array, nonce: Uint8Array, use: (subkey: Uint8Array, chachaNonce: Uint8Array) => T): T {
  const subkey = hchacha20(key, nonce.subarray(0, 16));
  const chachaNonce = new Uint8Array(CHACHA20_POLY1305_NONCE_LENGTH);
  chachaNonce.set(nonce.subarray(16, 24), 4);
  try {
    return use(subkey, chachaNonce);
  } finally {
    subkey.fill(0);
  }
}

const chacha20Poly1305: AeadCipher = { nonceLength: CHACHA20_POLY1305_NONCE_LENGTH, seal, open };

const xchacha20Poly1305: AeadCipher = {
  nonceLength: XCHACHA20_POLY1305_NONCE_LENGTH,
  seal: (key, nonce, plaintext, ad, out) =>
    withSubkey(key, nonce, (subkey, chachaNonce) => seal(subkey, chachaNonce, plaintext, ad, out)),
  open: (key, nonce, ciphertext, ad, out) =>
    withSubkey(key, nonce, (subkey, chachaNonce) => open(subkey, chachaNonce, ciphertext, ad, out)),
};

export const nodeAead: Aead = checkedAead('node', chacha20Poly1305, xchacha20Poly1305);
