// The Noise_IKpsk2 handshake (whitepaper §5.4.2–§5.4.6), sans-IO: each step takes the state and a message and
// returns the next message or a precise refusal. The engine owns sockets, index tables, timers and MACs.
//
//   initiator                                    responder
//   zeroed ── createInitiation ─▶ initiation-created
//                                   initiation ─────▶ consumeInitiation ─▶ initiation-consumed
//                                                     createResponse    ─▶ response-created
//   consumeResponse ◀──────────────────────── response
//   response-consumed                                 (first transport message from the initiator confirms)
//   deriveKeypair → Keypair (isInitiator)             deriveKeypair → Keypair (responder)
//   … both back to zeroed, every intermediate secret overwritten.
//
// MACs are not handled here: run CookieGenerator.addMacs on `message.bytes` before sending, and
// CookieChecker.verify before consuming.
import { type Aead, openWithCounter, sealWithCounter } from '../crypto/aead.js';
import { defaultAead } from '../crypto/aead-select.js';
import { constantTimeEqual, zero } from '../crypto/constant-time.js';
import { type RandomSource, systemRandom } from '../crypto/random.js';
import { generatePrivateKey, publicKeyFromPrivate, sharedSecret } from '../crypto/x25519.js';
import { CONSTRUCTION, HANDSHAKE_INITIATION_RATE_MS, IDENTIFIER } from './constants.js';
import { fail, ok, type Result, WireGuardError } from './errors.js';
import { type Handshake, type LocalIdentity, secrets, wipeTransient } from './handshake.js';
import { hash, kdf1, kdf2, kdf3 } from './kdf.js';
import { Keypair } from './keypair.js';
import { buildInitiation, buildResponse, type InitiationMessage, type ResponseMessage } from './messages.js';
import { isAfter, TAI64N_LENGTH } from './tai64n.js';

const EMPTY = new Uint8Array(0);
/** Ci := HASH(CONSTRUCTION) */
const INITIAL_CHAIN_KEY = hash(CONSTRUCTION);
/** Hi := HASH(Ci ‖ IDENTIFIER) */
const INITIAL_HASH = hash(INITIAL_CHAIN_KEY, IDENTIFIER);

/** Options shared by the steps that create messages. */
export interface CreateOptions {
  /** Our new index for this handshake, unique among our live indices (the engine's index table picks it). */
  readonly localIndex: number;
  readonly random?: RandomSource;
  readonly aead?: Aead;
}

export interface CreateInitiationOptions extends CreateOptions {
  /** TAI64N of now (tai64n.ts), strictly later than in any earlier initiation to this peer. */
  readonly timestamp: Uint8Array;
}

/**
 * Step 1 (initiator): a new initiation for the peer of `handshake`, with MAC fields zero. Replaces any handshake
 * in progress with this peer; the caller frees the previous `handshake.localIndex` first.
 */
export function createInitiation(handshake: Handshake, options: CreateInitiationOptions): Result<InitiationMessage> {
  const { local, staticStatic, localEphemeral } = handshake[secrets];
  if (staticStatic === null) {
    return fail(WireGuardError.InvalidPublicKey, 'static-static Diffie-Hellman with this peer is zero');
  }
  if (options.timestamp.length !== TAI64N_LENGTH) {
    throw new RangeError(`timestamp must be ${TAI64N_LENGTH} bytes`);
  }
  const aead = options.aead ?? defaultAead;
  wipeTransient(handshake);

  const ephemeralPrivate = generatePrivateKey(options.random ?? systemRandom);
  const ephemeral = publicKeyFromPrivate(ephemeralPrivate);
  // Hi := HASH(Hi ‖ Spub_r); Ci := KDF1(Ci, Epub_i); Hi := HASH(Hi ‖ Epub_i)
  let h = hash(INITIAL_HASH, handshake.remoteStatic);
  let ck = kdf1(INITIAL_CHAIN_KEY, ephemeral);
  h = hash(h, ephemeral);
  // (Ci, k) := KDF2(Ci, DH(Epriv_i, Spub_r)); static := AEAD(k, 0, Spub_i, Hi); Hi := HASH(Hi ‖ static)
  const es = sharedSecret(ephemeralPrivate, handshake.remoteStatic);
  if (es === null) {
    zero(ephemeralPrivate, ck, h);
    return fail(WireGuardError.InvalidPublicKey, 'ephemeral-static Diffie-Hellman is zero');
  }
  let key: Uint8Array;
  [ck, key] = rekey(ck, es);
  const encryptedStatic = sealWithCounter(aead, key, 0, local.publicKey, h);
  zero(key);
  h = hash(h, encryptedStatic);
  // (Ci, k) := KDF2(Ci, DH(Spriv_i, Spub_r)); timestamp := AEAD(k, 0, TAI64N(), Hi); Hi := HASH(Hi ‖ timestamp)
  [ck, key] = rekey(ck, Uint8Array.from(staticStatic));
  const encryptedTimestamp = sealWithCounter(aead, key, 0, options.timestamp, h);
  zero(key);
  h = hash(h, encryptedTimestamp);

  localEphemeral.set(ephemeralPrivate);
  zero(ephemeralPrivate);
  commit(handshake, h, ck);
  handshake.localIndex = options.localIndex >>> 0;
  handshake.state = 'initiation-created';
  return ok(buildInitiation({ sender: handshake.localIndex, ephemeral, encryptedStatic, encryptedTimestamp }));
}

/** What consumeInitiation needs from the engine's peer: its handshake. */
export interface HandshakeOwner {
  readonly handshake: Handshake;
}

export interface ConsumeInitiationOptions {
  /** Monotonic milliseconds, for the flood limit. */
  readonly now: number;
  readonly aead?: Aead;
}

/**
 * Step 2 (responder): authenticates an initiation (whose MACs the caller already verified), finds the peer by its
 * static key through `lookup`, and refuses replays (a timestamp not newer than the last accepted) and floods
 * (initiations closer than HANDSHAKE_INITIATION_RATE_MS). On success the peer's handshake holds the new state and
 * the peer is returned; on failure no state changes.
 */
export function consumeInitiation<P extends HandshakeOwner>(
  local: LocalIdentity,
  message: InitiationMessage,
  lookup: (publicKey: Uint8Array) => P | undefined,
  options: ConsumeInitiationOptions,
): Result<P> {
  const aead = options.aead ?? defaultAead;
  // Hr := HASH(HASH(Hi ‖ Spub_r) ‖ Epub_i); Cr := KDF1(Ci, Epub_i)
  let h = hash(hash(INITIAL_HASH, local.publicKey), message.ephemeral);
  let ck = kdf1(INITIAL_CHAIN_KEY, message.ephemeral);
  const es = sharedSecret(local.privateKey, message.ephemeral);
  if (es === null) {
    zero(h, ck);
    return fail(WireGuardError.InvalidPublicKey, 'initiator ephemeral gives a zero Diffie-Hellman');
  }
  let key: Uint8Array;
  [ck, key] = rekey(ck, es);
  const remoteStatic = openWithCounter(aead, key, 0, message.encryptedStatic, h);
  zero(key);
  if (remoteStatic === null) {
    zero(h, ck);
    return fail(WireGuardError.InvalidAeadTag, 'initiation static');
  }
  h = hash(h, message.encryptedStatic);

  const peer = lookup(remoteStatic);
  if (peer === undefined || !constantTimeEqual(peer.handshake.remoteStatic, remoteStatic)) {
    zero(h, ck);
    return fail(WireGuardError.UnknownPeer);
  }
  const handshake = peer.handshake;
  const state = handshake[secrets];
  if (state.staticStatic === null) {
    zero(h, ck);
    return fail(WireGuardError.InvalidPublicKey, 'static-static Diffie-Hellman with this peer is zero');
  }
  [ck, key] = rekey(ck, Uint8Array.from(state.staticStatic));
  const timestamp = openWithCounter(aead, key, 0, message.encryptedTimestamp, h);
  zero(key);
  if (timestamp === null) {
    zero(h, ck);
    return fail(WireGuardError.InvalidAeadTag, 'initiation timestamp');
  }
  h = hash(h, message.encryptedTimestamp);

  if (!isAfter(timestamp, state.lastTimestamp)) {
    zero(h, ck);
    return fail(WireGuardError.StaleTimestamp);
  }
  if (options.now - state.lastInitiationConsumedAt <= HANDSHAKE_INITIATION_RATE_MS) {
    zero(h, ck);
    return fail(WireGuardError.HandshakeFlood);
  }

  // A simultaneous initiation of ours is abandoned here, as in wireguard-go; its index stays for the engine to free.
  wipeTransient(handshake);
  commit(handshake, h, ck);
  state.remoteEphemeral.set(message.ephemeral);
  handshake.remoteIndex = message.sender;
  state.lastTimestamp.set(timestamp);
  state.lastInitiationConsumedAt = Math.max(state.lastInitiationConsumedAt, options.now);
  zero(timestamp);
  handshake.state = 'initiation-consumed';
  return ok(peer);
}

/**
 * Step 3 (responder): the response to the initiation just consumed, with MAC fields zero. The caller frees the
 * previous `handshake.localIndex` first.
 */
export function createResponse(handshake: Handshake, options: CreateOptions): Result<ResponseMessage> {
  if (handshake.state !== 'initiation-consumed') {
    return fail(WireGuardError.WrongState, `cannot respond in state ${handshake.state}`);
  }
  const { chainKey, hash: transcript, presharedKey, remoteEphemeral } = handshake[secrets];
  const aead = options.aead ?? defaultAead;
  const ephemeralPrivate = generatePrivateKey(options.random ?? systemRandom);
  const ephemeral = publicKeyFromPrivate(ephemeralPrivate);
  // Cr := KDF1(Cr, Epub_r); Hr := HASH(Hr ‖ Epub_r)
  let ck = kdf1(chainKey, ephemeral);
  let h = hash(transcript, ephemeral);
  // Cr := KDF1(Cr, DH(Epriv_r, Epub_i)); Cr := KDF1(Cr, DH(Epriv_r, Spub_i))
  const ee = sharedSecret(ephemeralPrivate, remoteEphemeral);
  const se = ee === null ? null : sharedSecret(ephemeralPrivate, handshake.remoteStatic);
  zero(ephemeralPrivate);
  const keys = responseKeySchedule(ck, h, ee, se, presharedKey);
  if (keys === null) {
    return fail(WireGuardError.InvalidPublicKey, 'response Diffie-Hellman is zero');
  }
  ({ ck, h } = keys);
  const { key } = keys;
  // empty := AEAD(k, 0, ε, Hr); Hr := HASH(Hr ‖ empty)
  const encryptedNothing = sealWithCounter(aead, key, 0, EMPTY, h);
  zero(key);
  h = hash(h, encryptedNothing);

  commit(handshake, h, ck);
  handshake.localIndex = options.localIndex >>> 0;
  handshake.state = 'response-created';
  return ok(
    buildResponse({ sender: handshake.localIndex, receiver: handshake.remoteIndex, ephemeral, encryptedNothing }),
  );
}

export interface ConsumeResponseOptions {
  readonly aead?: Aead;
}

/**
 * Step 4 (initiator): authenticates the response (MACs already verified) to our outstanding initiation, which the
 * engine found through the response's receiver index. On failure no state changes.
 */
export function consumeResponse(
  handshake: Handshake,
  message: ResponseMessage,
  options: ConsumeResponseOptions = {},
): Result<void> {
  if (handshake.state !== 'initiation-created') {
    return fail(WireGuardError.WrongState, `no initiation outstanding (state ${handshake.state})`);
  }
  if (message.receiver !== handshake.localIndex) {
    return fail(WireGuardError.WrongIndex);
  }
  const { local, chainKey, hash: transcript, presharedKey, localEphemeral } = handshake[secrets];
  const aead = options.aead ?? defaultAead;
  let h = hash(transcript, message.ephemeral);
  let ck = kdf1(chainKey, message.ephemeral);
  const ee = sharedSecret(localEphemeral, message.ephemeral);
  const se = ee === null ? null : sharedSecret(local.privateKey, message.ephemeral);
  const keys = responseKeySchedule(ck, h, ee, se, presharedKey);
  if (keys === null) {
    return fail(WireGuardError.InvalidPublicKey, 'response ephemeral gives a zero Diffie-Hellman');
  }
  ({ ck, h } = keys);
  const { key } = keys;
  const nothing = openWithCounter(aead, key, 0, message.encryptedNothing, h);
  zero(key);
  if (nothing === null) {
    zero(h, ck);
    return fail(WireGuardError.InvalidAeadTag, 'response');
  }
  h = hash(h, message.encryptedNothing);

  commit(handshake, h, ck);
  zero(localEphemeral);
  handshake.remoteIndex = message.sender;
  handshake.state = 'response-consumed';
  return ok(undefined);
}

export interface DeriveKeypairOptions {
  /** Monotonic milliseconds: the keypair's creation time. */
  readonly now: number;
  readonly aead?: Aead;
}

/**
 * Step 5 (both): the transport keys, (Tsend, Trecv) := KDF2(C, ε) with the roles swapped on the responder. The
 * keypair takes over `handshake.localIndex` (the engine remaps that index from the handshake to the keypair) and
 * the handshake is zeroed.
 */
export function deriveKeypair(handshake: Handshake, options: DeriveKeypairOptions): Result<Keypair> {
  let isInitiator: boolean;
  if (handshake.state === 'response-consumed') {
    isInitiator = true;
  } else if (handshake.state === 'response-created') {
    isInitiator = false;
  } else {
    return fail(WireGuardError.WrongState, `no keys to derive in state ${handshake.state}`);
  }
  const [first, second] = kdf2(handshake[secrets].chainKey, EMPTY);
  const keypair = new Keypair({
    sendKey: isInitiator ? first : second,
    receiveKey: isInitiator ? second : first,
    localIndex: handshake.localIndex,
    remoteIndex: handshake.remoteIndex,
    isInitiator,
    createdAt: options.now,
    aead: options.aead,
  });
  zero(first, second);
  handshake.clear();
  return ok(keypair);
}

/** (C, k) := KDF2(C, input), zeroing the old chaining key and the input (a Diffie-Hellman result). */
function rekey(chainKey: Uint8Array, input: Uint8Array): [Uint8Array, Uint8Array] {
  const result = kdf2(chainKey, input);
  zero(chainKey, input);
  return result;
}

/**
 * The response's key schedule, the same on both sides once the responder's ephemeral is mixed in:
 * Cr := KDF1(Cr, ee); Cr := KDF1(Cr, se); (Cr, τ, k) := KDF3(Cr, Q); Hr := HASH(Hr ‖ τ).
 * Null (with the working copies zeroed) when a Diffie-Hellman result was zero. Zeroes ee and se.
 */
function responseKeySchedule(
  ck: Uint8Array,
  h: Uint8Array,
  ee: Uint8Array | null,
  se: Uint8Array | null,
  presharedKey: Uint8Array,
): { ck: Uint8Array; h: Uint8Array; key: Uint8Array } | null {
  if (ee === null || se === null) {
    zero(ck, h, ...[ee, se].filter((secret): secret is Uint8Array => secret !== null));
    return null;
  }
  const mixed = mixKey(mixKey(ck, ee), se);
  const [chain, tau, key] = kdf3(mixed, presharedKey);
  zero(mixed);
  const next = hash(h, tau);
  zero(tau);
  return { ck: chain, h: next, key };
}

/** C := KDF1(C, input), zeroing the old chaining key and the input. */
function mixKey(chainKey: Uint8Array, input: Uint8Array): Uint8Array {
  const next = kdf1(chainKey, input);
  zero(chainKey, input);
  return next;
}

/** Stores the transcript hash and chaining key in the handshake and zeroes the working copies. */
function commit(handshake: Handshake, h: Uint8Array, ck: Uint8Array): void {
  const state = handshake[secrets];
  state.hash.set(h);
  state.chainKey.set(ck);
  zero(h, ck);
}
