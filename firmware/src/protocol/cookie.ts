// MAC1, MAC2 and cookie replies (whitepaper §5.4.4, §5.4.7): the DoS defence in front of the handshake.
//
// Every handshake message carries mac1 = MAC(HASH(LABEL_MAC1 ‖ receiver's public key), msg[0:mac1]), so only
// someone who knows the receiver's public key can make it do Diffie-Hellman work. Under load the receiver also
// demands mac2 = MAC(cookie, msg[0:mac2]), where cookie = MAC(secret, sender's IP address and port) and the
// secret rotates every COOKIE_REFRESH_TIME. A sender without a valid cookie gets a cookie reply instead: the
// cookie, XChaCha20-Poly1305-sealed under HASH(LABEL_COOKIE ‖ receiver's public key) with the message's mac1 as
// associated data, which proves the reply answers that very message.
//
//   CookieChecker   one per interface: verifies incoming MACs and creates cookie replies (responder side)
//   CookieGenerator one per peer: adds MACs to outgoing handshake messages and stores cookies (initiator side)
import { type Aead, AEAD_TAG_LENGTH, XCHACHA20_POLY1305_NONCE_LENGTH } from '../crypto/aead.js';
import { defaultAead } from '../crypto/aead-select.js';
import { constantTimeEqual } from '../crypto/constant-time.js';
import { randomBytes, type RandomSource, systemRandom } from '../crypto/random.js';
import { COOKIE_REFRESH_TIME_MS, LABEL_COOKIE, LABEL_MAC1 } from './constants.js';
import { fail, ok, type Result, WireGuardError } from './errors.js';
import { hash, mac } from './kdf.js';
import {
  buildCookieReply,
  type CookieReplyMessage,
  INITIATION_LENGTH,
  macOffsets,
  RESPONSE_LENGTH,
} from './messages.js';

const COOKIE_LENGTH = 16;
const SECRET_LENGTH = 32;

/** What to do with an incoming handshake message after the MAC checks. */
export type MacVerdict = 'valid' | 'invalid-mac1' | 'needs-cookie';

function assertHandshakeLength(message: Uint8Array): void {
  if (message.length !== INITIATION_LENGTH && message.length !== RESPONSE_LENGTH) {
    throw new RangeError(
      `MACs cover only handshake messages (${INITIATION_LENGTH} or ${RESPONSE_LENGTH} bytes), got ${message.length}`,
    );
  }
}

export interface CookieCheckerOptions {
  readonly random?: RandomSource;
  readonly aead?: Aead;
}

/** Responder side, keyed on this interface's public key. */
export class CookieChecker {
  private readonly mac1Key: Uint8Array;
  private readonly cookieKey: Uint8Array;
  private readonly secret = new Uint8Array(SECRET_LENGTH);
  private secretCreatedAt = -Infinity;
  private readonly random: RandomSource;
  private readonly aead: Aead;

  constructor(localPublicKey: Uint8Array, options: CookieCheckerOptions = {}) {
    this.mac1Key = hash(LABEL_MAC1, localPublicKey);
    this.cookieKey = hash(LABEL_COOKIE, localPublicKey);
    this.random = options.random ?? systemRandom;
    this.aead = options.aead ?? defaultAead;
  }

  /** True when the message's mac1 was made for our public key. */
  checkMac1(message: Uint8Array): boolean {
    assertHandshakeLength(message);
    const offsets = macOffsets(message.length);
    const expected = mac(this.mac1Key, message.subarray(0, offsets.mac1));
    return constantTimeEqual(expected, message.subarray(offsets.mac1, offsets.mac2));
  }

  /**
   * True when the message's mac2 uses the cookie we would currently give `source` (the sender's address bytes,
   * e.g. IP address followed by the big-endian port). Always false once the secret is older than
   * COOKIE_REFRESH_TIME, so stale cookies die with it.
   */
  checkMac2(message: Uint8Array, source: Uint8Array, now: number): boolean {
    assertHandshakeLength(message);
    if (!this.secretIsFresh(now)) {
      return false;
    }
    const cookie = mac(this.secret, source);
    const offsets = macOffsets(message.length);
    const expected = mac(cookie, message.subarray(0, offsets.mac2));
    cookie.fill(0);
    return constantTimeEqual(expected, message.subarray(offsets.mac2));
  }

  /**
   * The whole MAC policy for one incoming handshake message: mac1 must always be valid; when `underLoad`, mac2
   * must be valid too, otherwise the caller should answer with `createReply` and drop the message.
   */
  verify(message: Uint8Array, source: Uint8Array, underLoad: boolean, now: number): MacVerdict {
    if (!this.checkMac1(message)) {
      return 'invalid-mac1';
    }
    if (underLoad && !this.checkMac2(message, source, now)) {
      return 'needs-cookie';
    }
    return 'valid';
  }

  /**
   * A cookie reply for `message` (whose mac1 must already be valid), addressed to the sender's index
   * `receiverIndex` and bound to `source`. Rotates the secret first if it is older than COOKIE_REFRESH_TIME.
   */
  createReply(message: Uint8Array, receiverIndex: number, source: Uint8Array, now: number): CookieReplyMessage {
    assertHandshakeLength(message);
    if (!this.secretIsFresh(now)) {
      this.random.fill(this.secret);
      this.secretCreatedAt = now;
    }
    const cookie = mac(this.secret, source);
    const offsets = macOffsets(message.length);
    const nonce = randomBytes(XCHACHA20_POLY1305_NONCE_LENGTH, this.random);
    const encryptedCookie = new Uint8Array(COOKIE_LENGTH + AEAD_TAG_LENGTH);
    this.aead.xseal(this.cookieKey, nonce, cookie, message.subarray(offsets.mac1, offsets.mac2), encryptedCookie);
    cookie.fill(0);
    return buildCookieReply({ receiver: receiverIndex, nonce, encryptedCookie });
  }

  /** Whether the secret is at most COOKIE_REFRESH_TIME old (never true before the first reply creates it). */
  private secretIsFresh(now: number): boolean {
    return now - this.secretCreatedAt <= COOKIE_REFRESH_TIME_MS;
  }
}

export interface CookieGeneratorOptions {
  readonly aead?: Aead;
}

/** Initiator side, keyed on one peer's public key: every handshake message to that peer goes through addMacs. */
export class CookieGenerator {
  private readonly mac1Key: Uint8Array;
  private readonly cookieKey: Uint8Array;
  private readonly cookie = new Uint8Array(COOKIE_LENGTH);
  private cookieReceivedAt = -Infinity;
  private readonly lastMac1 = new Uint8Array(COOKIE_LENGTH);
  private hasLastMac1 = false;
  private readonly aead: Aead;

  constructor(remotePublicKey: Uint8Array, options: CookieGeneratorOptions = {}) {
    this.mac1Key = hash(LABEL_MAC1, remotePublicKey);
    this.cookieKey = hash(LABEL_COOKIE, remotePublicKey);
    this.aead = options.aead ?? defaultAead;
  }

  /**
   * Fills in mac1, and mac2 if a cookie younger than COOKIE_REFRESH_TIME is held (zeros otherwise), in place.
   * Remembers mac1, because a cookie reply to this message is sealed with it.
   */
  addMacs(message: Uint8Array, now: number): void {
    assertHandshakeLength(message);
    const offsets = macOffsets(message.length);
    const mac1 = mac(this.mac1Key, message.subarray(0, offsets.mac1));
    message.set(mac1, offsets.mac1);
    this.lastMac1.set(mac1);
    this.hasLastMac1 = true;
    if (this.hasCookie(now)) {
      message.set(mac(this.cookie, message.subarray(0, offsets.mac2)), offsets.mac2);
    } else {
      message.fill(0, offsets.mac2);
    }
  }

  /** True while a received cookie is still fresh enough to be used for mac2. */
  hasCookie(now: number): boolean {
    return now - this.cookieReceivedAt < COOKIE_REFRESH_TIME_MS;
  }

  /**
   * Decrypts a cookie reply to the last message we MACed and stores the cookie for COOKIE_REFRESH_TIME. A reply
   * is accepted at most once per sent message, as in the kernel implementation.
   */
  consumeReply(reply: CookieReplyMessage, now: number): Result<void> {
    if (!this.hasLastMac1) {
      return fail(WireGuardError.UnexpectedCookieReply);
    }
    const cookie = this.aead.xopen(
      this.cookieKey,
      reply.nonce,
      reply.encryptedCookie,
      this.lastMac1,
      new Uint8Array(COOKIE_LENGTH),
    );
    if (cookie === null) {
      return fail(WireGuardError.InvalidAeadTag, 'cookie reply');
    }
    this.cookie.set(cookie);
    cookie.fill(0);
    this.cookieReceivedAt = now;
    this.hasLastMac1 = false;
    return ok(undefined);
  }

  /** Forgets the cookie (e.g. when the peer's endpoint changes). */
  clear(): void {
    this.cookie.fill(0);
    this.cookieReceivedAt = -Infinity;
    this.hasLastMac1 = false;
  }
}
