// Per-peer handshake state for Noise_IKpsk2 (the steps that drive it are in noise.ts), and this interface's static
// identity. The secrets sit behind a symbol so that only the handshake steps read or write them.
import { isAllZero, zero } from '../crypto/constant-time.js';
import { publicKeyFromPrivate, sharedSecret } from '../crypto/x25519.js';
import { TAI64N_LENGTH } from './tai64n.js';

const KEY_LENGTH = 32;

/** This interface's long-term static key pair. */
export class LocalIdentity {
  readonly privateKey: Uint8Array;
  readonly publicKey: Uint8Array;

  /** Copies `privateKey` (a 32-byte X25519 private key) and derives the public key. */
  constructor(privateKey: Uint8Array) {
    this.privateKey = Uint8Array.from(privateKey);
    this.publicKey = publicKeyFromPrivate(this.privateKey);
  }

  /** Overwrites the private key (when the interface's key is replaced). */
  clear(): void {
    this.privateKey.fill(0);
  }
}

export type HandshakeState =
  'zeroed' | 'initiation-created' | 'initiation-consumed' | 'response-created' | 'response-consumed';

/**
 * @internal The key under which a Handshake keeps its secrets. Only noise.ts uses it; the engine must not, so
 * that every secret is touched by the handshake steps alone.
 */
export const secrets = Symbol('handshake secrets');

/** @internal */
export interface HandshakeSecrets {
  local: LocalIdentity;
  readonly presharedKey: Uint8Array;
  /** DH(our static private, peer static public), or null when the result is all zeros (then no handshake). */
  staticStatic: Uint8Array | null;
  readonly chainKey: Uint8Array;
  readonly hash: Uint8Array;
  readonly localEphemeral: Uint8Array;
  readonly remoteEphemeral: Uint8Array;
  /** The newest TAI64N accepted from this peer; initiations must beat it. */
  readonly lastTimestamp: Uint8Array;
  lastInitiationConsumedAt: number;
}

/**
 * The handshake with one peer, owned by that peer. It keeps the peer's static key, the optional preshared key and
 * the precomputed static-static Diffie-Hellman, the transient chaining key, hash and ephemeral keys of the
 * handshake in progress, and the replay and flood protection for initiations from this peer.
 */
export class Handshake {
  state: HandshakeState = 'zeroed';
  readonly remoteStatic: Uint8Array;
  /**
   * Our index for the handshake in progress (0 when none): the peer addresses its response to it. The engine owns
   * the index table: it frees this index before each create step replaces it, and remaps it to the keypair after
   * deriveKeypair.
   */
  localIndex = 0;
  /** The peer's index, learned from its initiation or response. */
  remoteIndex = 0;
  readonly [secrets]: HandshakeSecrets;

  constructor(local: LocalIdentity, remoteStatic: Uint8Array, presharedKey?: Uint8Array | null) {
    if (remoteStatic.length !== KEY_LENGTH) {
      throw new RangeError(`peer public key must be ${KEY_LENGTH} bytes, got ${remoteStatic.length}`);
    }
    this.remoteStatic = Uint8Array.from(remoteStatic);
    this[secrets] = {
      local,
      presharedKey: new Uint8Array(KEY_LENGTH),
      staticStatic: sharedSecret(local.privateKey, this.remoteStatic),
      chainKey: new Uint8Array(KEY_LENGTH),
      hash: new Uint8Array(KEY_LENGTH),
      localEphemeral: new Uint8Array(KEY_LENGTH),
      remoteEphemeral: new Uint8Array(KEY_LENGTH),
      lastTimestamp: new Uint8Array(TAI64N_LENGTH),
      lastInitiationConsumedAt: -Infinity,
    };
    this.setPresharedKey(presharedKey);
  }

  /** False when our static-static Diffie-Hellman with this peer is all zeros: no handshake can succeed. */
  get isUsable(): boolean {
    return this[secrets].staticStatic !== null;
  }

  /** True when a non-zero preshared key is set. */
  get hasPresharedKey(): boolean {
    return !isAllZero(this[secrets].presharedKey);
  }

  /** Re-keys the static-static DH after the interface's private key changed, and abandons any handshake in progress. */
  setLocalIdentity(local: LocalIdentity): void {
    this.clear();
    const state = this[secrets];
    state.local = local;
    state.staticStatic?.fill(0);
    state.staticStatic = sharedSecret(local.privateKey, this.remoteStatic);
  }

  /** Sets the 32-byte preshared key; undefined or null means none (32 zero bytes, as the protocol defines). */
  setPresharedKey(presharedKey?: Uint8Array | null): void {
    if (presharedKey !== undefined && presharedKey !== null && presharedKey.length !== KEY_LENGTH) {
      throw new RangeError(`preshared key must be ${KEY_LENGTH} bytes, got ${presharedKey.length}`);
    }
    const state = this[secrets];
    state.presharedKey.fill(0);
    if (presharedKey) {
      state.presharedKey.set(presharedKey);
    }
  }

  /**
   * Overwrites the handshake in progress and returns to `zeroed` with localIndex 0 (free the index first). The
   * replay and flood protection survive, so a cleared handshake still refuses old initiations.
   */
  clear(): void {
    wipeTransient(this);
    this.localIndex = 0;
    this.state = 'zeroed';
  }
}

/** @internal Overwrites the transient secrets of the handshake in progress, keeping indices and replay state. */
export function wipeTransient(handshake: Handshake): void {
  const state = handshake[secrets];
  zero(state.chainKey, state.hash, state.localEphemeral, state.remoteEphemeral);
}
