// ChaCha20-Poly1305 over whole batches of WireGuard transport messages, in place, with a key set up once per
// keypair and direction. Two implementations: the native addon (aead.c: one call per batch on Node's OpenSSL) and
// a loop over any per-packet Aead (the fallback, and the reference the differential tests compare against).
//
//   message  [ header 16 | body n | tag 16 ]   nonce = 4 zero bytes ‖ header[8..16) (the counter, as sent)
//
// Only bytes change here: which counter a message carries, the replay window and every drop stay with the caller.
import { loadAeadAddon } from '../io/native.js';
import { type Aead, AEAD_KEY_LENGTH, AEAD_TAG_LENGTH, CHACHA20_POLY1305_NONCE_LENGTH } from './aead.js';

const HEADER_LENGTH = 16;
const COUNTER_OFFSET = 8;
const EMPTY = new Uint8Array(0);

/** Message i is `data[offsets[i] .. offsets[i] + lengths[i])`, for i < count (io/packets.ts' Packets fits). */
export interface MessageList {
  readonly data: Uint8Array;
  readonly offsets: Uint32Array;
  readonly lengths: Uint32Array;
  readonly count: number;
}

/** One key in one direction. Every message must be at least a header and a tag long. */
export interface TransportKey {
  /** Seals every message's body in place and writes its tag; the header (counter included) is the caller's. */
  seal(messages: MessageList): void;
  /**
   * Opens every message's body in place: results[i] = 1 if authentic, else 0 (and nothing of that message may be
   * used). Returns how many were authentic.
   */
  open(messages: MessageList, results: Uint8Array): number;
  /** Wipes the key; any later use throws. Calling it again does nothing. */
  destroy(): void;
}

export interface TransportAead {
  readonly name: string;
  sealingKey(key: Uint8Array): TransportKey;
  openingKey(key: Uint8Array): TransportKey;
}

function checkKey(key: Uint8Array): void {
  if (key.length !== AEAD_KEY_LENGTH) {
    throw new RangeError(`AEAD key must be ${AEAD_KEY_LENGTH} bytes, got ${key.length}`);
  }
}

/** The native addon's batches. Throws if the addon cannot load (see nativeTransportAeadOrUndefined). */
export function nativeTransportAead(): TransportAead {
  const addon = loadAeadAddon();
  const make = (key: Uint8Array, sealing: boolean): TransportKey => {
    checkKey(key);
    const handle = addon.createKey(key, sealing);
    return {
      seal: (messages) => addon.seal(handle, messages.data, messages.offsets, messages.lengths, messages.count),
      open: (messages, results) =>
        addon.open(handle, messages.data, messages.offsets, messages.lengths, messages.count, results),
      destroy: () => addon.destroyKey(handle),
    };
  };
  return {
    name: 'native',
    sealingKey: (key) => make(key, true),
    openingKey: (key) => make(key, false),
  };
}

/** A loop of per-packet calls on `aead`, with its own copy of the key. */
export function loopTransportAead(aead: Aead): TransportAead {
  const make = (source: Uint8Array, sealing: boolean): TransportKey => {
    checkKey(source);
    const key = Uint8Array.from(source);
    const nonce = new Uint8Array(CHACHA20_POLY1305_NONCE_LENGTH);
    let destroyed = false;
    const each = (messages: MessageList, use: (message: Uint8Array, bodyLength: number) => boolean): number => {
      if (destroyed) {
        throw new Error('the key was destroyed');
      }
      let done = 0;
      for (let i = 0; i < messages.count; i++) {
        const offset = messages.offsets[i]!;
        const message = messages.data.subarray(offset, offset + messages.lengths[i]!);
        if (message.length < HEADER_LENGTH + AEAD_TAG_LENGTH) {
          throw new RangeError('a message is shorter than a header and a tag');
        }
        nonce.set(message.subarray(COUNTER_OFFSET, HEADER_LENGTH), 4);
        done += use(message, message.length - HEADER_LENGTH - AEAD_TAG_LENGTH) ? 1 : 0;
      }
      return done;
    };
    return {
      seal: (messages) => {
        if (!sealing) {
          throw new TypeError('this key was made for opening');
        }
        each(messages, (message, bodyLength) => {
          const body = message.subarray(HEADER_LENGTH, HEADER_LENGTH + bodyLength);
          aead.seal(key, nonce, body, EMPTY, message.subarray(HEADER_LENGTH));
          return true;
        });
      },
      open: (messages, results) => {
        if (sealing) {
          throw new TypeError('this key was made for sealing');
        }
        if (results.length < messages.count) {
          throw new RangeError('results is shorter than count');
        }
        let index = 0;
        return each(messages, (message, bodyLength) => {
          const sealed = message.subarray(HEADER_LENGTH);
          const ok = aead.open(key, nonce, sealed, EMPTY, sealed.subarray(0, bodyLength)) !== null;
          results[index++] = ok ? 1 : 0;
          return ok;
        });
      },
      destroy: () => {
        key.fill(0);
        destroyed = true;
      },
    };
  };
  return {
    name: `${aead.name} (per packet)`,
    sealingKey: (key) => make(key, true),
    openingKey: (key) => make(key, false),
  };
}
