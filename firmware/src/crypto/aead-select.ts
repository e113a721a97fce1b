// Which AEAD implementation to use. Both pass the same vectors; they differ only in speed and allocation.
import { type Aead, type AeadName } from './aead.js';
import { nobleAead } from './aead-noble.js';
import { nodeAead } from './aead-node.js';
import { loopTransportAead, nativeTransportAead, type TransportAead } from './transport-aead.js';

export const aeadImplementations: Readonly<Record<AeadName, Aead>> = { noble: nobleAead, node: nodeAead };

/**
 * The faster implementation for 1420-byte transport packets on the 2-core x86_64 build machine: through
 * Keypair.seal/open, node:crypto took about 6–10 µs per packet and @noble/ciphers 20–40 µs. OpenSSL's assembly
 * ChaCha20-Poly1305 wins despite creating a cipher object per packet (most of its cost at this size).
 */
export const defaultAead: Aead = nodeAead;

/** Looks an implementation up by name (e.g. from configuration); undefined for an unknown name. */
export function aeadByName(name: string): Aead | undefined {
  return name === 'noble' || name === 'node' ? aeadImplementations[name] : undefined;
}

/**
 * The data path's batches: the native addon when it loads (one call per batch on Node's OpenSSL, about 5× fewer
 * CPU seconds per packet than node:crypto's cipher object per packet), else a loop over defaultAead.
 */
export const defaultTransportAead: TransportAead = nativeOrLoop();

/** The native batches if the addon loads and its OpenSSL really provides the cipher (a FIPS build would not). */
function nativeOrLoop(): TransportAead {
  try {
    const native = nativeTransportAead();
    native.sealingKey(new Uint8Array(32)).destroy();
    return native;
  } catch {
    return loopTransportAead(defaultAead);
  }
}
