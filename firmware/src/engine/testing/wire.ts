// What tests see of the underlay: every datagram the engines send, classified by WireGuard message type, with the
// fate the network gave it. Indices are read from the wire format (little-endian 32-bit words).
import { type Fate } from '../../io/bind.memory.js';
import { type Endpoint } from '../../io/endpoint.js';
import { parseMessage, TRANSPORT_MIN_LENGTH } from '../../protocol/messages.js';

export type WireKind = 'initiation' | 'response' | 'cookie-reply' | 'keepalive' | 'data' | 'other';

export interface WireRecord {
  /** Monotonic time of the send (the fake clock's `now()`). */
  readonly at: number;
  /** Which host sent it and which it was sent to ('A', 'B', or a name the test gave another bind). */
  readonly sender: string;
  readonly receiver: string;
  readonly from: Endpoint;
  readonly to: Endpoint;
  readonly kind: WireKind;
  readonly bytes: Uint8Array;
  readonly fate: Fate;
}

/** The message kind a datagram has on the wire: a transport message without payload is a keepalive. */
export function classify(bytes: Uint8Array): WireKind {
  const parsed = parseMessage(bytes);
  if (!parsed.ok) {
    return 'other';
  }
  if (parsed.value.kind !== 'transport') {
    return parsed.value.kind;
  }
  return bytes.length === TRANSPORT_MIN_LENGTH ? 'keepalive' : 'data';
}

const word = (bytes: Uint8Array, offset: number): number =>
  new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(offset, true);

/** The sender index of an initiation or response: the index the other side must address. */
export const senderIndex = (bytes: Uint8Array): number => word(bytes, 4);

/** The receiver index of a response, cookie reply or transport message. */
export function receiverIndex(bytes: Uint8Array): number {
  return word(bytes, classify(bytes) === 'response' ? 8 : 4);
}
