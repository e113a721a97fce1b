// One session's transport keys (whitepaper §5.4.6): seals outgoing packets with the next counter and opens
// incoming ones through the replay window. This is the data path, so it works in caller buffers, a batch at a time:
//
//   outgoing buffer  [ header 16 | plaintext n | padding p | tag 16 ]   sealed in place; header written here
//   incoming buffer  [ header 16 | ciphertext n+p | tag 16 ]            opened in place
//
// Sealing a batch: prepareSeal per message (checks, the counter, header, padding), then sealPrepared once. Opening
// one: checkOpenable per message, openPrepared once, then acceptCounter per authentic message (the replay window).
// The cipher only transforms bytes (crypto/transport-aead.ts); every decision stays here. seal() and open() do all
// of it for one message.
import {
  type TransportAead,
  type MessageList,
  type TransportKey,
  loopTransportAead,
} from '../crypto/transport-aead.js';
import { type Aead } from '../crypto/aead.js';
import { defaultTransportAead } from '../crypto/aead-select.js';
import { REJECT_AFTER_TIME_MS } from './constants.js';
import { fail, ok, type Result, WireGuardError } from './errors.js';
import {
  paddedLength,
  readUint32LE,
  TRANSPORT_HEADER_LENGTH,
  TRANSPORT_MIN_LENGTH,
  TRANSPORT_OFFSET_COUNTER,
  TRANSPORT_OFFSET_RECEIVER,
  writeTransportHeader,
} from './messages.js';
import { isCounterBeyondLimit, ReplayWindow } from './replay.js';

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
  /** A per-packet cipher to use instead of the default batches (tests compare implementations with it). */
  readonly aead?: Aead;
  /** The batch cipher; defaultTransportAead (native when it loads) unless `aead` is given. */
  readonly transport?: TransportAead;
}

/** A reusable list of one message, for seal() and open(). */
class OneMessage implements MessageList {
  data: Uint8Array = new Uint8Array(0);
  readonly offsets = new Uint32Array(1);
  readonly lengths = new Uint32Array(1);
  readonly count = 1;

  set(data: Uint8Array, offset: number, length: number): this {
    this.data = data;
    this.offsets[0] = offset;
    this.lengths[0] = length;
    return this;
  }
}

export class Keypair {
  readonly localIndex: number;
  readonly remoteIndex: number;
  readonly isInitiator: boolean;
  readonly createdAt: number;
  private readonly sealer: TransportKey;
  private readonly opener: TransportKey;
  private nextSendCounter = 0;
  private readonly replay = new ReplayWindow();
  private readonly one = new OneMessage();
  private readonly oneResult = new Uint8Array(1);
  private cleared = false;

  /** Hands the keys to the cipher, which keeps its own copies; the caller should zero its own. */
  constructor(init: KeypairInit) {
    const transport = init.transport ?? (init.aead ? loopTransportAead(init.aead) : defaultTransportAead);
    this.sealer = transport.sealingKey(init.sendKey);
    try {
      this.opener = transport.openingKey(init.receiveKey);
    } catch (error) {
      this.sealer.destroy();
      throw error;
    }
    this.localIndex = init.localIndex >>> 0;
    this.remoteIndex = init.remoteIndex >>> 0;
    this.isInitiator = init.isInitiator;
    this.createdAt = init.createdAt;
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
   * Everything of sealing but the cipher, for the message starting at `data[offset]` whose plaintext is at
   * `offset + 16`, `plaintextLength` long: takes the next counter, writes the header and zero padding (to a
   * multiple of 16, capped at `mtu`; 0 = no cap), and returns the message length, tag included. `plaintextLength`
   * 0 makes a keepalive. The message must end by `end`; size the room with transportMessageLength(). Seal the
   * batch with sealPrepared().
   */
  prepareSeal(
    data: Uint8Array,
    offset: number,
    plaintextLength: number,
    now: number,
    mtu = 0,
    end = data.length,
  ): Result<number> {
    if (this.isExpired(now)) {
      return fail(WireGuardError.ExpiredKeypair);
    }
    if (this.nextSendCounter >= SEND_COUNTER_LIMIT) {
      return fail(WireGuardError.CounterExhausted);
    }
    const padded = paddedLength(plaintextLength, mtu);
    const length = TRANSPORT_MIN_LENGTH + padded;
    if (end - offset < length) {
      return fail(WireGuardError.BufferTooSmall, `need ${length} bytes, have ${end - offset}`);
    }
    const counter = this.nextSendCounter++;
    writeTransportHeader(data, this.remoteIndex, counter >>> 0, Math.floor(counter / TWO_POW_32), offset);
    const plaintextEnd = offset + TRANSPORT_HEADER_LENGTH + plaintextLength;
    data.fill(0, plaintextEnd, plaintextEnd + padded - plaintextLength);
    return ok(length);
  }

  /**
   * Seals, in one call, messages that prepareSeal() on this keypair made, and only those: the counter in each
   * header is the nonce, so it must be one this keypair handed out.
   */
  sealPrepared(messages: MessageList): void {
    this.sealer.seal(messages);
  }

  /** prepareSeal and sealPrepared for the one message at the start of `buffer`. */
  seal(buffer: Uint8Array, plaintextLength: number, now: number, mtu = 0): Result<number> {
    const prepared = this.prepareSeal(buffer, 0, plaintextLength, now, mtu);
    if (prepared.ok) {
      this.sealer.seal(this.one.set(buffer, 0, prepared.value));
    }
    return prepared;
  }

  /**
   * The checks before the cipher for the whole transport message at `data[offset, offset + length)`, already routed
   * here by its receiver index: its size, the keypair's age, the index, the counter's limit. Undefined if it may
   * be opened.
   */
  checkOpenable(data: Uint8Array, offset: number, length: number, now: number): WireGuardError | undefined {
    if (length < TRANSPORT_MIN_LENGTH) {
      return WireGuardError.WrongSize;
    }
    if (this.isExpired(now)) {
      return WireGuardError.ExpiredKeypair;
    }
    if (readUint32LE(data, offset + TRANSPORT_OFFSET_RECEIVER) !== this.localIndex) {
      return WireGuardError.WrongIndex;
    }
    const low = readUint32LE(data, offset + TRANSPORT_OFFSET_COUNTER);
    const high = readUint32LE(data, offset + TRANSPORT_OFFSET_COUNTER + 4);
    return isCounterBeyondLimit(low, high) ? WireGuardError.DuplicateCounter : undefined;
  }

  /**
   * Opens, in one call, messages that passed checkOpenable(): results[i] = 1 if authentic. An authentic message
   * still needs acceptCounter() before anything in it is used.
   */
  openPrepared(messages: MessageList, results: Uint8Array): number {
    return this.opener.open(messages, results);
  }

  /** Records the counter of the authentic message at `data[offset]`; false for a replay (drop it). */
  acceptCounter(data: Uint8Array, offset: number): boolean {
    const low = readUint32LE(data, offset + TRANSPORT_OFFSET_COUNTER);
    const high = readUint32LE(data, offset + TRANSPORT_OFFSET_COUNTER + 4);
    return this.replay.accept(low, high);
  }

  /**
   * All of opening for one message. Returns the padded plaintext: by default a view of `message` decrypted in
   * place, or `out` (which must have room for it) filled from the start with `message` left as it was. A
   * keepalive gives an empty array.
   */
  open(message: Uint8Array, now: number, out?: Uint8Array): Result<Uint8Array> {
    const refused = this.checkOpenable(message, 0, message.length, now);
    if (refused !== undefined) {
      return fail(
        refused,
        refused === WireGuardError.DuplicateCounter ? 'counter at or beyond REJECT_AFTER_MESSAGES' : undefined,
      );
    }
    const plaintextLength = message.length - TRANSPORT_MIN_LENGTH;
    if (out !== undefined && out.length < plaintextLength) {
      return fail(WireGuardError.BufferTooSmall, `need ${plaintextLength} bytes, have ${out.length}`);
    }
    if (out === undefined) {
      return this.openInPlace(message, plaintextLength);
    }
    const copy = Uint8Array.from(message);
    try {
      const opened = this.openInPlace(copy, plaintextLength);
      if (opened.ok) {
        out.set(opened.value);
      }
      return opened.ok ? ok(out.subarray(0, plaintextLength)) : opened;
    } finally {
      copy.fill(0);
    }
  }

  private openInPlace(message: Uint8Array, plaintextLength: number): Result<Uint8Array> {
    if (this.opener.open(this.one.set(message, 0, message.length), this.oneResult) !== 1) {
      return fail(WireGuardError.InvalidAeadTag);
    }
    // Only an authentic counter may move the window.
    if (!this.acceptCounter(message, 0)) {
      return fail(WireGuardError.DuplicateCounter);
    }
    return ok(message.subarray(TRANSPORT_HEADER_LENGTH, TRANSPORT_HEADER_LENGTH + plaintextLength));
  }

  /** Wipes both keys; the keypair refuses all further use. */
  clear(): void {
    this.sealer.destroy();
    this.opener.destroy();
    this.replay.reset();
    this.cleared = true;
  }
}
