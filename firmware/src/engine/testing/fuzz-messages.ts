// Hostile datagrams for the receive path, drawn from a seeded Prng. Each kind aims at a different layer:
//
//   random-short / random-long   random bytes of 0–200 and 1400–1500 bytes: the parser
//   mutated                      a captured valid message with 1–8 byte flips, truncated or extended: every check
//   valid-header                 a captured message's type and indices with a random body: index lookup, MACs, AEAD
//   typed-random                 the right type and length, random content: the MAC1 and unknown-index paths
//   valid-macs                   random handshake bodies with MAC1 (and MAC2 once a cookie came back) made for the
//                                target's public key, as anyone who knows it can: Diffie-Hellman, rate limiter
//
// Responses, cookie replies and transport messages are often aimed at an index the target has live right now (a
// handshake it started, seen on the wire), so they reach the Noise and cookie code behind the index lookup.
import {
  MESSAGE_TYPE_COOKIE_REPLY,
  MESSAGE_TYPE_INITIATION,
  MESSAGE_TYPE_RESPONSE,
  MESSAGE_TYPE_TRANSPORT,
} from '../../protocol/constants.js';
import { CookieGenerator } from '../../protocol/cookie.js';
import {
  COOKIE_REPLY_LENGTH,
  INITIATION_LENGTH,
  RESPONSE_LENGTH,
  TRANSPORT_HEADER_LENGTH,
  TRANSPORT_MIN_LENGTH,
} from '../../protocol/messages.js';
import { type Prng } from './prng.js';

export type FuzzKind = 'random-short' | 'random-long' | 'mutated' | 'valid-header' | 'typed-random' | 'valid-macs';

/** Weights out of 10 000: the mix of one fuzz run. Valid-MAC messages cost a Diffie-Hellman each, so they are rare. */
const MIX: ReadonlyArray<readonly [FuzzKind, number]> = [
  ['random-short', 2000],
  ['random-long', 800],
  ['mutated', 3500],
  ['valid-header', 1800],
  ['typed-random', 1870],
  ['valid-macs', 30],
];

/** Bytes of a message that locate it (type word and indices) in each message type. */
const HEADER_LENGTH: Record<number, number> = {
  [MESSAGE_TYPE_INITIATION]: 8,
  [MESSAGE_TYPE_RESPONSE]: 12,
  [MESSAGE_TYPE_COOKIE_REPLY]: 8,
  [MESSAGE_TYPE_TRANSPORT]: TRANSPORT_HEADER_LENGTH,
};

const POOL_SIZE = 1 << 16;
const POOL_REFRESH_EVERY = 2048;

export class FuzzMessages {
  readonly counts: Record<FuzzKind, number> = {
    'random-short': 0,
    'random-long': 0,
    mutated: 0,
    'valid-header': 0,
    'typed-random': 0,
    'valid-macs': 0,
  };
  /** Random bytes are cut from this pool (refilled now and then): far cheaper than a Prng call per byte. */
  private readonly pool = new Uint8Array(POOL_SIZE);
  private made = 0;
  private readonly macs: CookieGenerator;
  private readonly liveIndices: number[] = [];

  constructor(
    private readonly prng: Prng,
    /** Valid messages captured on the wire, of every type. */
    private readonly captured: readonly Uint8Array[],
    targetPublicKey: Uint8Array,
    /** The clock cookies age by (the test's fake clock). */
    private readonly now: () => number,
  ) {
    if (captured.length === 0) {
      throw new RangeError('the fuzzer needs captured messages to mutate');
    }
    this.macs = new CookieGenerator(targetPublicKey);
    prng.fill(this.pool);
  }

  /** Takes a cookie reply the target sent us, so later valid-MAC messages carry MAC2 (under load they must). */
  offerCookieReply(reply: Uint8Array): void {
    if (reply.length === COOKIE_REPLY_LENGTH) {
      const view = new DataView(reply.buffer, reply.byteOffset, reply.byteLength);
      this.macs.consumeReply(
        {
          kind: 'cookie-reply',
          bytes: reply,
          receiver: view.getUint32(4, true),
          nonce: reply.subarray(8, 32),
          encryptedCookie: reply.subarray(32, 64),
        },
        this.now(),
      );
    }
  }

  /** Remembers an index the target just put on the wire (the sender of its initiation), to aim messages at. */
  learnIndex(index: number): void {
    this.liveIndices.push(index);
    if (this.liveIndices.length > 8) {
      this.liveIndices.shift();
    }
  }

  next(): { kind: FuzzKind; bytes: Uint8Array } {
    if (++this.made % POOL_REFRESH_EVERY === 0) {
      this.prng.fill(this.pool);
    }
    const kind = this.pickKind();
    this.counts[kind]++;
    return { kind, bytes: this.make(kind) };
  }

  private pickKind(): FuzzKind {
    let roll = this.prng.below(10_000);
    for (const [kind, weight] of MIX) {
      if (roll < weight) {
        return kind;
      }
      roll -= weight;
    }
    return 'random-short';
  }

  private make(kind: FuzzKind): Uint8Array {
    switch (kind) {
      case 'random-short':
        return this.random(this.prng.between(0, 200));
      case 'random-long':
        return this.random(this.prng.between(1400, 1500));
      case 'mutated':
        return this.mutate(this.prng.pick(this.captured));
      case 'valid-header':
        return this.withRandomBody(this.prng.pick(this.captured));
      case 'typed-random':
        return this.typedRandom(this.prng.between(MESSAGE_TYPE_INITIATION, MESSAGE_TYPE_TRANSPORT));
      case 'valid-macs':
        return this.withValidMacs();
    }
  }

  /** Random bytes: a copy of a random stretch of the pool. */
  private random(length: number): Uint8Array {
    const start = this.prng.below(POOL_SIZE - length);
    return this.pool.slice(start, start + length);
  }

  private mutate(original: Uint8Array): Uint8Array {
    const roll = this.prng.below(10);
    if (roll < 7 && original.length > 0) {
      const bytes = original.slice();
      const flips = this.prng.between(1, 8);
      for (let i = 0; i < flips; i++) {
        bytes[this.prng.below(bytes.length)]! ^= this.prng.between(1, 255);
      }
      return bytes;
    }
    if (roll < 9) {
      return original.slice(0, this.prng.below(original.length));
    }
    const extended = new Uint8Array(original.length + this.prng.between(1, 64));
    extended.set(original);
    extended.set(this.random(extended.length - original.length), original.length);
    return extended;
  }

  private withRandomBody(original: Uint8Array): Uint8Array {
    const type = original[0] ?? 0;
    const header = Math.min(HEADER_LENGTH[type] ?? 4, original.length);
    const length = type === MESSAGE_TYPE_TRANSPORT ? this.prng.between(TRANSPORT_MIN_LENGTH, 1500) : original.length;
    const bytes = this.random(length);
    bytes.set(original.subarray(0, header));
    this.aimAtLiveIndex(bytes);
    return bytes;
  }

  private typedRandom(type: number): Uint8Array {
    const length =
      type === MESSAGE_TYPE_INITIATION
        ? INITIATION_LENGTH
        : type === MESSAGE_TYPE_RESPONSE
          ? RESPONSE_LENGTH
          : type === MESSAGE_TYPE_COOKIE_REPLY
            ? COOKIE_REPLY_LENGTH
            : this.prng.between(TRANSPORT_MIN_LENGTH, 1500);
    const bytes = this.random(length);
    bytes.set([type, 0, 0, 0]);
    this.aimAtLiveIndex(bytes);
    return bytes;
  }

  private withValidMacs(): Uint8Array {
    const type = this.prng.pick([MESSAGE_TYPE_INITIATION, MESSAGE_TYPE_RESPONSE]);
    const handshakes = this.captured.filter((message) => message[0] === type);
    const bytes =
      handshakes.length > 0 && this.prng.below(2) === 0
        ? this.mutate(this.prng.pick(handshakes))
        : this.typedRandom(type);
    if (bytes.length === INITIATION_LENGTH || bytes.length === RESPONSE_LENGTH) {
      bytes.set([type, 0, 0, 0]);
      this.aimAtLiveIndex(bytes);
      this.macs.addMacs(bytes, this.now());
    }
    return bytes;
  }

  /** Half the time, points the receiver field of a response, cookie reply or transport message at a live index. */
  private aimAtLiveIndex(bytes: Uint8Array): void {
    const type = bytes[0];
    const offset =
      type === MESSAGE_TYPE_RESPONSE
        ? 8
        : type === MESSAGE_TYPE_COOKIE_REPLY || type === MESSAGE_TYPE_TRANSPORT
          ? 4
          : -1;
    if (offset < 0 || bytes.length < offset + 4 || this.liveIndices.length === 0 || this.prng.below(2) === 0) {
      return;
    }
    new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).setUint32(
      offset,
      this.prng.pick(this.liveIndices),
      true,
    );
  }
}
