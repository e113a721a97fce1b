// X25519 through node:crypto (OpenSSL). A Diffie-Hellman on ready key objects costs ~65 µs here against
// ~1100 µs in @noble/curves, but importing a raw key costs more than that (a private key ~690 µs, since
// OpenSSL derives its public half; a public key ~170 µs). So key objects are cached per key buffer: the
// interface's static key, each peer's static key, and the ephemeral key of a handshake in progress are
// reused, only the remote's fresh ephemeral key is imported once per handshake.
import {
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  type KeyObject,
  timingSafeEqual,
} from 'node:crypto';

// RFC 8410 DER wrappings of raw 32-byte X25519 keys.
const PKCS8_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');
const SPKI_PREFIX = Buffer.from('302a300506032b656e032100', 'hex');

interface CacheEntry {
  /** A copy of the bytes the object was made from: a caller may refill or zero its buffer in place. */
  readonly bytes: Uint8Array;
  readonly key: KeyObject;
}

const privateKeys = new WeakMap<Uint8Array, CacheEntry>();
const publicKeys = new WeakMap<Uint8Array, CacheEntry>();

function cached(cache: WeakMap<Uint8Array, CacheEntry>, raw: Uint8Array, make: () => KeyObject): KeyObject {
  const entry = cache.get(raw);
  if (entry !== undefined && timingSafeEqual(entry.bytes, raw)) {
    return entry.key;
  }
  const key = make();
  cache.set(raw, { bytes: Uint8Array.from(raw), key });
  return key;
}

function privateKeyObject(privateKey: Uint8Array): KeyObject {
  return cached(privateKeys, privateKey, () => {
    const der = Buffer.concat([PKCS8_PREFIX, privateKey]);
    try {
      return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
    } finally {
      der.fill(0);
    }
  });
}

function publicKeyObject(publicKey: Uint8Array): KeyObject {
  return cached(publicKeys, publicKey, () =>
    createPublicKey({ key: Buffer.concat([SPKI_PREFIX, publicKey]), format: 'der', type: 'spki' }),
  );
}

/** A new raw private key from OpenSSL's generator, with its key object already cached. */
export function nodeGeneratePrivateKey(clamp: (raw: Uint8Array) => Uint8Array): Uint8Array {
  const { privateKey } = generateKeyPairSync('x25519');
  const der = privateKey.export({ format: 'der', type: 'pkcs8' });
  const raw = new Uint8Array(der.subarray(PKCS8_PREFIX.length));
  der.fill(0);
  // Clamping does not change the scalar X25519 uses, so the object made from the raw bytes serves the clamped form.
  const clamped = clamp(raw);
  raw.fill(0);
  privateKeys.set(clamped, { bytes: Uint8Array.from(clamped), key: privateKey });
  return clamped;
}

export function nodePublicKey(privateKey: Uint8Array): Uint8Array {
  const spki = createPublicKey(privateKeyObject(privateKey)).export({ format: 'der', type: 'spki' });
  return new Uint8Array(spki.subarray(SPKI_PREFIX.length));
}

/** The shared secret, or null when OpenSSL refuses it (a low-order point gives all zeros, which it rejects). */
export function nodeSharedSecret(privateKey: Uint8Array, publicKey: Uint8Array): Uint8Array | null {
  try {
    return new Uint8Array(
      diffieHellman({ privateKey: privateKeyObject(privateKey), publicKey: publicKeyObject(publicKey) }),
    );
  } catch {
    return null;
  }
}
