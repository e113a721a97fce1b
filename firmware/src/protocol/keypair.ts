// One session's transport keys (whitepaper §5.4.6): seals outgoing packets with the next counter and opens
// incoming ones through the replay window. This is the data path, so it works in caller buffers:
//
//   outgoing buffer  [ header 16 | plaintext n | padding p | tag 16 ]   sealed in place; header written here
//   incoming buffer  [ header 16 | ciphertext n+p | tag 16 ]            opened in place (or into `out`)
import { type Aead, AEAD_TAG_LENGTH, CHACHA20_POLY1305_NONCE_LENGTH } from '../crypto/aead.js';
import { defaultAead } from '../crypto/aead-select.js';
import { REJECT_AFTER_TIME_MS } from './constants.js';
import { fail, ok, type Result, WireGuardError } from './errors.js';
import {
  paddedLength,
  TRANSPORT_HEADER_LENGTH,
  TRANSPORT_MIN_LENGTH,
  TRANSPORT_OFFSET_COUNTER,
  TRANSPORT_OFFSET_RECEIVER,
  writeTransportHeader,
} from './messages.js';
import { isCounterBeyondLimit, ReplayWindow } from './replay.js';

const EMPTY = new Uint8Array(0);
const TWO_POW_32 = 0x1_0000_0000;

/**
 * The send counter is a JavaScript number. It can count exactly to 2^53 − 1, far below REJECT_AFTER_MESSAGES, and
 * unreachable anyway within REJECT_AFTER_TIME (it would take 5·10^13 packets per second), so this is the
 * effective sending limit.
 */
export const SEND_COUNTER_LIMIT = Number.MAX_SAFE_INTEGER;

export interface KeypairInit {
  readonly sendKey: Uint8Array;
  readonly receiveKey: Uint8Array;
  /** Our index: peers put it in the receiver field of what they send on this keypair. */
  readonly localIndex: number;
  /** The peer's index: we put it in the receiver field of what we send. */
  readonly remoteIndex: number;
  readonly isInitiator: boolean;
  /** Monotonic milliseconds at creation. */
  readonly createdAt: number;
  readonly aead?: Aead;
}

export class Keypair {
  readonly localIndex: number;
  readonly remoteIndex: number;
  readonly isInitiator: boolean;
  readonly createdAt: number;
  private readonly sendKey: Uint8Array;
  private readonly receiveKey: Uint8Array;
  private nextSendCounter = 0;
  private readonly replay = new ReplayWindow();
  private readonly aead: Aead;
  // Nonces are rebuilt in these for every packet instead of allocating (JavaScript runs one packet at a time).
  private readonly sendNonce = new Uint8Array(CHACHA20_POLY1305_NONCE_LENGTH);
  private readonly receiveNonce = new Uint8Array(CHACHA20_POLY1305_NONCE_LENGTH);
  private cleared = false;

  /** Copies the keys; the caller should zero its own copies. */
  constructor(init: KeypairInit) {
    this.sendKey = Uint8Array.from(init.sendKey);
    this.receiveKey = Uint8Array.from(init.receiveKey);
    this.localIndex = init.localIndex >>> 0;
    this.remoteIndex = init.remoteIndex >>> 0;
    this.isInitiator = init.isInitiator;
    this.createdAt = init.createdAt;
    this.aead = init.aead ?? defaultAead;
  }

  /** The counter the next sealed message will carry: the engine compares it against REKEY_AFTER_MESSAGES. */
  get sendCounter(): number {
    return this.nextSendCounter;
  }

  /** True once the keypair is REJECT_AFTER_TIME old or cleared: it must not be used in either direction. */
  isExpired(now: number): boolean {
    return this.cleared || now - this.createdAt >= REJECT_AFTER_TIME_MS;
  }

  /**
   * Seals the plaintext at `buffer[16, 16 + plaintextLength)` in place: writes the header, zero padding (to a
   * multiple of 16, capped at `mtu`; 0 = no cap) and the tag, and returns the message length. `plaintextLength` 0
   * makes a keepalive. Size the buffer with transportMessageLength().
   */
  seal(buffer: Uint8Array, plaintextLength: number, now: number, mtu = 0): Result<number> {
    if (this.isExpired(now)) {
      return fail(WireGuardError.ExpiredKeypair);
    }
    if (this.nextSendCounter >= SEND_COUNTER_LIMIT) {
      return fail(WireGuardError.CounterExhausted);
    }
    const padded = paddedLength(plaintextLength, mtu);
    const end = TRANSPORT_HEADER_LENGTH + padded + AEAD_TAG_LENGTH;
    if (buffer.length < end) {
      return fail(WireGuardError.BufferTooSmall, `need ${end} bytes, have ${buffer.length}`);
    }
    const counter = this.nextSendCounter++;
    const low = counter >>> 0;
    const high = Math.floor(counter / TWO_POW_32);
    writeTransportHeader(buffer, this.remoteIndex, low, high);
    buffer.fill(0, TRANSPORT_HEADER_LENGTH + plaintextLength, TRANSPORT_HEADER_LENGTH + padded);
    // Nonce = 4 zero bytes ‖ the counter exactly as the header carries it.
    this.sendNonce.set(buffer.subarray(TRANSPORT_OFFSET_COUNTER, TRANSPORT_HEADER_LENGTH), 4);
    const plaintext = buffer.subarray(TRANSPORT_HEADER_LENGTH, TRANSPORT_HEADER_LENGTH + padded);
    this.aead.seal(this.sendKey, this.sendNonce, plaintext, EMPTY, buffer.subarray(TRANSPORT_HEADER_LENGTH, end));
    return ok(end);
  }

  /**
   * Authenticates and decrypts one transport message (the whole datagram, already routed here by its receiver
   * index) and records its counter. Returns the padded plaintext: by default a view of `message` decrypted in
   * place, or `out` (which must have room for it) filled from the start. A keepalive gives an empty array.
   */
  open(message: Uint8Array, now: number, out?: Uint8Array): Result<Uint8Array> {
    if (message.length < TRANSPORT_MIN_LENGTH) {
      return fail(WireGuardError.WrongSize);
    }
    if (this.isExpired(now)) {
      return fail(WireGuardError.ExpiredKeypair);
    }
    const data = new DataView(message.buffer, message.byteOffset, message.byteLength);
    if (data.getUint32(TRANSPORT_OFFSET_RECEIVER, true) !== this.localIndex) {
      return fail(WireGuardError.WrongIndex);
    }
    const low = data.getUint32(TRANSPORT_OFFSET_COUNTER, true);
    const high = data.getUint32(TRANSPORT_OFFSET_COUNTER + 4, true);
    if (isCounterBeyondLimit(low, high)) {
      return fail(WireGuardError.DuplicateCounter, 'counter at or beyond REJECT_AFTER_MESSAGES');
    }
    const plaintextLength = message.length - TRANSPORT_MIN_LENGTH;
    let target: Uint8Array;
    if (out === undefined) {
      target = message.subarray(TRANSPORT_HEADER_LENGTH, TRANSPORT_HEADER_LENGTH + plaintextLength);
    } else if (out.length >= plaintextLength) {
      target = out.subarray(0, plaintextLength);
    } else {
      return fail(WireGuardError.BufferTooSmall, `need ${plaintextLength} bytes, have ${out.length}`);
    }
    this.receiveNonce.set(message.subarray(TRANSPORT_OFFSET_COUNTER, TRANSPORT_HEADER_LENGTH), 4);
    const opened = this.aead.open(
      this.receiveKey,
      this.receiveNonce,
      message.subarray(TRANSPORT_HEADER_LENGTH),
      EMPTY,
      target,
    );
    if (opened === null) {
      return fail(WireGuardError.InvalidAeadTag);
    }
    // Only an authentic counter may move the window.
    if (!this.replay.accept(low, high)) {
      return fail(WireGuardError.DuplicateCounter);
    }
    return ok(opened);
  }

  /** Zeroes both keys; the keypair refuses all further use. */
  clear(): void {
    this.sendKey.fill(0);
    this.receiveKey.fill(0);
    this.replay.reset();
    this.cleared = true;
  }
}
