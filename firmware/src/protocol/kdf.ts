// The whitepaper's symmetric primitives (§5.4): HASH, MAC, HMAC and the HKDF-style KDF1/KDF2/KDF3.
import { blake2sHash, blake2sMac, hmacBlake2s } from '../crypto/blake2s.js';

const ONE = Uint8Array.of(1);

/** HASH(input): BLAKE2s-256 of the concatenated parts. */
export function hash(...parts: Uint8Array[]): Uint8Array {
  return blake2sHash(...parts);
}

/** MAC(key, input): keyed BLAKE2s with a 16-byte output. */
export function mac(key: Uint8Array, ...parts: Uint8Array[]): Uint8Array {
  return blake2sMac(key, ...parts);
}

/** HMAC(key, input): HMAC-BLAKE2s-256. */
export function hmac(key: Uint8Array, ...parts: Uint8Array[]): Uint8Array {
  return hmacBlake2s(key, ...parts);
}

/**
 * KDF_n(key, input) = (τ1, …, τn) with τ0 = HMAC(key, input), τ1 = HMAC(τ0, 0x1), τi = HMAC(τ0, τ(i−1) ‖ i).
 * The extraction key τ0 is zeroed before returning.
 */
function kdf(count: 1 | 2 | 3, key: Uint8Array, input: Uint8Array): Uint8Array[] {
  const extracted = hmac(key, input);
  const outputs: Uint8Array[] = [];
  let previous = hmac(extracted, ONE);
  outputs.push(previous);
  for (let i = 2; i <= count; i++) {
    previous = hmac(extracted, previous, Uint8Array.of(i));
    outputs.push(previous);
  }
  extracted.fill(0);
  return outputs;
}

export function kdf1(key: Uint8Array, input: Uint8Array): Uint8Array {
  return kdf(1, key, input)[0] as Uint8Array;
}

export function kdf2(key: Uint8Array, input: Uint8Array): [Uint8Array, Uint8Array] {
  const [first, second] = kdf(2, key, input) as [Uint8Array, Uint8Array];
  return [first, second];
}

export function kdf3(key: Uint8Array, input: Uint8Array): [Uint8Array, Uint8Array, Uint8Array] {
  const [first, second, third] = kdf(3, key, input) as [Uint8Array, Uint8Array, Uint8Array];
  return [first, second, third];
}
