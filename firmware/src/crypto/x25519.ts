// Curve25519 Diffie-Hellman as WireGuard uses it: 32-byte keys, private keys clamped like `wg genkey`.
// node:crypto does the work (see x25519-node.ts for the measurements); @noble/curves is the reference the tests
// hold it to, and generates keys from an injected random source (deterministic tests).
import { nodeGeneratePrivateKey, nodePublicKey, nodeSharedSecret } from './x25519-node.js';

import { isAllZero } from './constant-time.js';
import { randomBytes, type RandomSource, systemRandom } from './random.js';

export const X25519_KEY_LENGTH = 32;

/** Returns a clamped copy of `privateKey` (RFC 7748 §5): the form `wg genkey` prints. */
export function clampPrivateKey(privateKey: Uint8Array): Uint8Array {
  assertKeyLength(privateKey, 'private key');
  const clamped = Uint8Array.from(privateKey);
  clamped[0] = (clamped[0] as number) & 248;
  clamped[31] = ((clamped[31] as number) & 127) | 64;
  return clamped;
}

/** A fresh clamped private key. */
export function generatePrivateKey(source: RandomSource = systemRandom): Uint8Array {
  if (source === systemRandom) {
    return nodeGeneratePrivateKey(clampPrivateKey);
  }
  const raw = randomBytes(X25519_KEY_LENGTH, source);
  const clamped = clampPrivateKey(raw);
  raw.fill(0);
  return clamped;
}

/** The public key of `privateKey`; unclamped input gives the same result, because X25519 clamps anyway. */
export function publicKeyFromPrivate(privateKey: Uint8Array): Uint8Array {
  assertKeyLength(privateKey, 'private key');
  return nodePublicKey(privateKey);
}

/**
 * X25519(privateKey, publicKey), or null when the result is all zeros: the peer sent a low-order point and
 * the "shared" secret would be known to everyone (the whitepaper requires rejecting it).
 */
export function sharedSecret(privateKey: Uint8Array, publicKey: Uint8Array): Uint8Array | null {
  assertKeyLength(privateKey, 'private key');
  if (publicKey.length !== X25519_KEY_LENGTH) {
    return null;
  }
  const secret = nodeSharedSecret(privateKey, publicKey);
  return secret === null || isAllZero(secret) ? null : secret;
}

function assertKeyLength(key: Uint8Array, what: string): void {
  if (key.length !== X25519_KEY_LENGTH) {
    throw new RangeError(`X25519 ${what} must be ${X25519_KEY_LENGTH} bytes, got ${key.length}`);
  }
}
