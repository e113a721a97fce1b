// The AEAD contract shared by the two implementations (aead-noble.ts, aead-node.ts), its checks, and nonce helpers.

export const AEAD_KEY_LENGTH = 32;
export const AEAD_TAG_LENGTH = 16;
export const CHACHA20_POLY1305_NONCE_LENGTH = 12;
export const XCHACHA20_POLY1305_NONCE_LENGTH = 24;

export type AeadName = 'noble' | 'node';

/**
 * ChaCha20-Poly1305 (RFC 8439) and XChaCha20-Poly1305 (draft-irtf-cfrg-xchacha), writing into caller buffers so
 * the data path allocates as little as each implementation allows.
 *
 * Buffer contract for every method:
 * - `out` must be exactly the output length (seal: input + 16, open: input − 16); a wrong length throws RangeError,
 *   because that is a programming error, not bad input.
 * - `out` may start at the same byte as the input (sealing/opening in place); any other overlap is forbidden.
 * - open returns `out` on success and null on a bad tag, never throws for bad input, and leaves `out` untouched on
 *   failure, so a forged packet never exposes unauthenticated plaintext.
 */
export interface Aead {
  readonly name: AeadName;
  seal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, ad: Uint8Array, out: Uint8Array): Uint8Array;
  open(key: Uint8Array, nonce: Uint8Array, ciphertext: Uint8Array, ad: Uint8Array, out: Uint8Array): Uint8Array | null;
  xseal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, ad: Uint8Array, out: Uint8Array): Uint8Array;
  xopen(key: Uint8Array, nonce: Uint8Array, ciphertext: Uint8Array, ad: Uint8Array, out: Uint8Array): Uint8Array | null;
}

/**
 * WireGuard's 96-bit nonce for a 64-bit message counter: 4 zero bytes, then the counter little-endian.
 * `counter` must be a non-negative safe integer (below 2^53), which covers every counter a sender can reach.
 */
export function counterNonce(
  counter: number,
  out: Uint8Array = new Uint8Array(CHACHA20_POLY1305_NONCE_LENGTH),
): Uint8Array {
  if (!Number.isSafeInteger(counter) || counter < 0) {
    throw new RangeError(`nonce counter must be a non-negative safe integer, got ${counter}`);
  }
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  view.setUint32(0, 0, true);
  view.setUint32(4, counter >>> 0, true);
  view.setUint32(8, Math.floor(counter / 0x1_0000_0000), true);
  return out;
}

/** Seals into a new array: the convenient form for the handshake's short messages. */
export function sealWithCounter(
  aead: Aead,
  key: Uint8Array,
  counter: number,
  plaintext: Uint8Array,
  ad: Uint8Array,
): Uint8Array {
  return aead.seal(key, counterNonce(counter), plaintext, ad, new Uint8Array(plaintext.length + AEAD_TAG_LENGTH));
}

/** Opens into a new array, or null on a bad tag or a ciphertext shorter than a tag. */
export function openWithCounter(
  aead: Aead,
  key: Uint8Array,
  counter: number,
  ciphertext: Uint8Array,
  ad: Uint8Array,
): Uint8Array | null {
  if (ciphertext.length < AEAD_TAG_LENGTH) {
    return null;
  }
  return aead.open(key, counterNonce(counter), ciphertext, ad, new Uint8Array(ciphertext.length - AEAD_TAG_LENGTH));
}

/** Checks the shared preconditions of the buffer contract; `checkedAead` runs it before every cipher call. */
function checkAeadArguments(
  key: Uint8Array,
  nonce: Uint8Array,
  nonceLength: number,
  input: Uint8Array,
  out: Uint8Array,
  sealing: boolean,
): void {
  if (key.length !== AEAD_KEY_LENGTH) {
    throw new RangeError(`AEAD key must be ${AEAD_KEY_LENGTH} bytes, got ${key.length}`);
  }
  if (nonce.length !== nonceLength) {
    throw new RangeError(`AEAD nonce must be ${nonceLength} bytes, got ${nonce.length}`);
  }
  const expected = sealing ? input.length + AEAD_TAG_LENGTH : input.length - AEAD_TAG_LENGTH;
  if (expected < 0 || out.length !== expected) {
    throw new RangeError(`AEAD output must be ${expected} bytes, got ${out.length}`);
  }
  if (out.buffer === input.buffer && out.byteOffset !== input.byteOffset) {
    const outEnd = out.byteOffset + out.byteLength;
    const inEnd = input.byteOffset + input.byteLength;
    if (out.byteOffset < inEnd && input.byteOffset < outEnd) {
      throw new RangeError('AEAD output may overlap its input only when both start at the same byte');
    }
  }
}

/**
 * One cipher as an implementation supplies it: the bare operation, called by `checkedAead` only once the buffer
 * contract holds (open: with a ciphertext of at least one tag). `open` still returns null on a bad tag and leaves
 * `out` untouched.
 */
export interface AeadCipher {
  readonly nonceLength: number;
  readonly seal: Aead['seal'];
  readonly open: Aead['open'];
}

function checkedSeal(cipher: AeadCipher): Aead['seal'] {
  return (key, nonce, plaintext, ad, out) => {
    checkAeadArguments(key, nonce, cipher.nonceLength, plaintext, out, true);
    return cipher.seal(key, nonce, plaintext, ad, out);
  };
}

function checkedOpen(cipher: AeadCipher): Aead['open'] {
  return (key, nonce, ciphertext, ad, out) => {
    if (ciphertext.length < AEAD_TAG_LENGTH) {
      return null;
    }
    checkAeadArguments(key, nonce, cipher.nonceLength, ciphertext, out, false);
    return cipher.open(key, nonce, ciphertext, ad, out);
  };
}

/** An Aead from its ChaCha20-Poly1305 and XChaCha20-Poly1305 ciphers, enforcing the buffer contract on every call. */
export function checkedAead(name: AeadName, chacha: AeadCipher, xchacha: AeadCipher): Aead {
  return {
    name,
    seal: checkedSeal(chacha),
    open: checkedOpen(chacha),
    xseal: checkedSeal(xchacha),
    xopen: checkedOpen(xchacha),
  };
}
