// The four WireGuard messages on the wire (whitepaper §5.4). A datagram is parsed once, by (type, length), into a
// tagged union whose fields are views into the datagram (no copies); builders produce the same shapes.
//
//   initiation (148)  type:4 sender:4 ephemeral:32 static:32+16 timestamp:12+16 mac1:16 mac2:16
//   response    (92)  type:4 sender:4 receiver:4 ephemeral:32 empty:0+16 mac1:16 mac2:16
//   cookie reply(64)  type:4 receiver:4 nonce:24 cookie:16+16
//   transport  (≥32)  type:4 receiver:4 counter:8 packet:n+16
//
// "type:4" is the type byte followed by three zero bytes; integers are little-endian.
import { AEAD_TAG_LENGTH, XCHACHA20_POLY1305_NONCE_LENGTH } from '../crypto/aead.js';
import {
  MESSAGE_TYPE_COOKIE_REPLY,
  MESSAGE_TYPE_INITIATION,
  MESSAGE_TYPE_RESPONSE,
  MESSAGE_TYPE_TRANSPORT,
  PADDING_MULTIPLE,
} from './constants.js';
import { fail, ok, type Result, WireGuardError } from './errors.js';
import { TAI64N_LENGTH } from './tai64n.js';

const KEY = 32;
const MAC = 16;

export const INITIATION_OFFSET_SENDER = 4;
export const INITIATION_OFFSET_EPHEMERAL = 8;
export const INITIATION_OFFSET_STATIC = 40;
export const INITIATION_OFFSET_TIMESTAMP = INITIATION_OFFSET_STATIC + KEY + AEAD_TAG_LENGTH; // 88
export const INITIATION_OFFSET_MAC1 = INITIATION_OFFSET_TIMESTAMP + TAI64N_LENGTH + AEAD_TAG_LENGTH; // 116
export const INITIATION_OFFSET_MAC2 = INITIATION_OFFSET_MAC1 + MAC; // 132
export const INITIATION_LENGTH = INITIATION_OFFSET_MAC2 + MAC; // 148

export const RESPONSE_OFFSET_SENDER = 4;
export const RESPONSE_OFFSET_RECEIVER = 8;
export const RESPONSE_OFFSET_EPHEMERAL = 12;
export const RESPONSE_OFFSET_EMPTY = RESPONSE_OFFSET_EPHEMERAL + KEY; // 44
export const RESPONSE_OFFSET_MAC1 = RESPONSE_OFFSET_EMPTY + AEAD_TAG_LENGTH; // 60
export const RESPONSE_OFFSET_MAC2 = RESPONSE_OFFSET_MAC1 + MAC; // 76
export const RESPONSE_LENGTH = RESPONSE_OFFSET_MAC2 + MAC; // 92

export const COOKIE_REPLY_OFFSET_RECEIVER = 4;
export const COOKIE_REPLY_OFFSET_NONCE = 8;
export const COOKIE_REPLY_OFFSET_COOKIE = COOKIE_REPLY_OFFSET_NONCE + XCHACHA20_POLY1305_NONCE_LENGTH; // 32
export const COOKIE_REPLY_LENGTH = COOKIE_REPLY_OFFSET_COOKIE + MAC + AEAD_TAG_LENGTH; // 64

export const TRANSPORT_OFFSET_RECEIVER = 4;
export const TRANSPORT_OFFSET_COUNTER = 8;
export const TRANSPORT_OFFSET_CONTENT = 16;
export const TRANSPORT_HEADER_LENGTH = TRANSPORT_OFFSET_CONTENT;
/** Header plus tag: the bytes a transport message adds around its (padded) plaintext. */
export const TRANSPORT_OVERHEAD = TRANSPORT_HEADER_LENGTH + AEAD_TAG_LENGTH; // 32
/** A keepalive is a transport message with empty plaintext; nothing shorter is a valid transport message. */
export const TRANSPORT_MIN_LENGTH = TRANSPORT_OVERHEAD;

/** Length of the handshake-message prefix covered by MAC1 and by MAC2, for a message of `length` bytes. */
export const macOffsets = (length: number): { mac1: number; mac2: number } => ({
  mac1: length - 2 * MAC,
  mac2: length - MAC,
});

export interface InitiationMessage {
  readonly kind: 'initiation';
  /** The whole message; every other byte field is a view into it. */
  readonly bytes: Uint8Array;
  readonly sender: number;
  readonly ephemeral: Uint8Array;
  readonly encryptedStatic: Uint8Array;
  readonly encryptedTimestamp: Uint8Array;
  readonly mac1: Uint8Array;
  readonly mac2: Uint8Array;
}

export interface ResponseMessage {
  readonly kind: 'response';
  readonly bytes: Uint8Array;
  readonly sender: number;
  readonly receiver: number;
  readonly ephemeral: Uint8Array;
  readonly encryptedNothing: Uint8Array;
  readonly mac1: Uint8Array;
  readonly mac2: Uint8Array;
}

export interface CookieReplyMessage {
  readonly kind: 'cookie-reply';
  readonly bytes: Uint8Array;
  readonly receiver: number;
  readonly nonce: Uint8Array;
  readonly encryptedCookie: Uint8Array;
}

export interface TransportMessage {
  readonly kind: 'transport';
  readonly bytes: Uint8Array;
  readonly receiver: number;
  /** The 64-bit counter as two 32-bit halves, so the data path stays free of bigint. */
  readonly counterLow: number;
  readonly counterHigh: number;
  /** Encrypted padded packet followed by the 16-byte tag. */
  readonly encrypted: Uint8Array;
}

export type Message = InitiationMessage | ResponseMessage | CookieReplyMessage | TransportMessage;

/** The full 64-bit transport counter (for logs and tests; the data path uses the halves). */
export function transportCounter(message: TransportMessage): bigint {
  return (BigInt(message.counterHigh) << 32n) | BigInt(message.counterLow);
}

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * Classifies and splits one datagram. Wrong sizes and unknown types are refused with the precise reason; nothing
 * cryptographic is checked here.
 */
export function parseMessage(bytes: Uint8Array): Result<Message> {
  if (bytes.length < 4) {
    return fail(WireGuardError.WrongSize, `datagram of ${bytes.length} bytes is shorter than a message header`);
  }
  const data = view(bytes);
  const type = data.getUint32(0, true);
  switch (type) {
    case MESSAGE_TYPE_INITIATION:
      if (bytes.length !== INITIATION_LENGTH) {
        return fail(WireGuardError.WrongSize, `initiation must be ${INITIATION_LENGTH} bytes, got ${bytes.length}`);
      }
      return ok(initiationView(bytes, data));
    case MESSAGE_TYPE_RESPONSE:
      if (bytes.length !== RESPONSE_LENGTH) {
        return fail(WireGuardError.WrongSize, `response must be ${RESPONSE_LENGTH} bytes, got ${bytes.length}`);
      }
      return ok(responseView(bytes, data));
    case MESSAGE_TYPE_COOKIE_REPLY:
      if (bytes.length !== COOKIE_REPLY_LENGTH) {
        return fail(WireGuardError.WrongSize, `cookie reply must be ${COOKIE_REPLY_LENGTH} bytes, got ${bytes.length}`);
      }
      return ok(cookieReplyView(bytes, data));
    case MESSAGE_TYPE_TRANSPORT:
      if (bytes.length < TRANSPORT_MIN_LENGTH) {
        return fail(
          WireGuardError.WrongSize,
          `transport must be at least ${TRANSPORT_MIN_LENGTH} bytes, got ${bytes.length}`,
        );
      }
      return ok(transportView(bytes, data));
    default:
      return fail(WireGuardError.UnknownType, `message type word 0x${type.toString(16).padStart(8, '0')}`);
  }
}

function initiationView(bytes: Uint8Array, data: DataView): InitiationMessage {
  return {
    kind: 'initiation',
    bytes,
    sender: data.getUint32(INITIATION_OFFSET_SENDER, true),
    ephemeral: bytes.subarray(INITIATION_OFFSET_EPHEMERAL, INITIATION_OFFSET_STATIC),
    encryptedStatic: bytes.subarray(INITIATION_OFFSET_STATIC, INITIATION_OFFSET_TIMESTAMP),
    encryptedTimestamp: bytes.subarray(INITIATION_OFFSET_TIMESTAMP, INITIATION_OFFSET_MAC1),
    mac1: bytes.subarray(INITIATION_OFFSET_MAC1, INITIATION_OFFSET_MAC2),
    mac2: bytes.subarray(INITIATION_OFFSET_MAC2, INITIATION_LENGTH),
  };
}

function responseView(bytes: Uint8Array, data: DataView): ResponseMessage {
  return {
    kind: 'response',
    bytes,
    sender: data.getUint32(RESPONSE_OFFSET_SENDER, true),
    receiver: data.getUint32(RESPONSE_OFFSET_RECEIVER, true),
    ephemeral: bytes.subarray(RESPONSE_OFFSET_EPHEMERAL, RESPONSE_OFFSET_EMPTY),
    encryptedNothing: bytes.subarray(RESPONSE_OFFSET_EMPTY, RESPONSE_OFFSET_MAC1),
    mac1: bytes.subarray(RESPONSE_OFFSET_MAC1, RESPONSE_OFFSET_MAC2),
    mac2: bytes.subarray(RESPONSE_OFFSET_MAC2, RESPONSE_LENGTH),
  };
}

function cookieReplyView(bytes: Uint8Array, data: DataView): CookieReplyMessage {
  return {
    kind: 'cookie-reply',
    bytes,
    receiver: data.getUint32(COOKIE_REPLY_OFFSET_RECEIVER, true),
    nonce: bytes.subarray(COOKIE_REPLY_OFFSET_NONCE, COOKIE_REPLY_OFFSET_COOKIE),
    encryptedCookie: bytes.subarray(COOKIE_REPLY_OFFSET_COOKIE, COOKIE_REPLY_LENGTH),
  };
}

function transportView(bytes: Uint8Array, data: DataView): TransportMessage {
  return {
    kind: 'transport',
    bytes,
    receiver: data.getUint32(TRANSPORT_OFFSET_RECEIVER, true),
    counterLow: data.getUint32(TRANSPORT_OFFSET_COUNTER, true),
    counterHigh: data.getUint32(TRANSPORT_OFFSET_COUNTER + 4, true),
    encrypted: bytes.subarray(TRANSPORT_OFFSET_CONTENT),
  };
}

// ---- Builders -----------------------------------------------------------------------------------------------

export interface InitiationFields {
  readonly sender: number;
  readonly ephemeral: Uint8Array;
  readonly encryptedStatic: Uint8Array;
  readonly encryptedTimestamp: Uint8Array;
  /** Zero when omitted: cookie.ts fills the MACs in afterwards. */
  readonly mac1?: Uint8Array;
  readonly mac2?: Uint8Array;
}

export interface ResponseFields {
  readonly sender: number;
  readonly receiver: number;
  readonly ephemeral: Uint8Array;
  readonly encryptedNothing: Uint8Array;
  readonly mac1?: Uint8Array;
  readonly mac2?: Uint8Array;
}

export interface CookieReplyFields {
  readonly receiver: number;
  readonly nonce: Uint8Array;
  readonly encryptedCookie: Uint8Array;
}

function put(bytes: Uint8Array, field: Uint8Array | undefined, offset: number, length: number, name: string): void {
  if (field === undefined) {
    return;
  }
  if (field.length !== length) {
    throw new RangeError(`${name} must be ${length} bytes, got ${field.length}`);
  }
  bytes.set(field, offset);
}

function header(length: number, type: number): { bytes: Uint8Array; data: DataView } {
  const bytes = new Uint8Array(length);
  const data = view(bytes);
  data.setUint32(0, type, true);
  return { bytes, data };
}

/** Serialises an initiation. Wrong field lengths are programming errors and throw RangeError. */
export function buildInitiation(fields: InitiationFields): InitiationMessage {
  const { bytes, data } = header(INITIATION_LENGTH, MESSAGE_TYPE_INITIATION);
  data.setUint32(INITIATION_OFFSET_SENDER, fields.sender, true);
  put(bytes, fields.ephemeral, INITIATION_OFFSET_EPHEMERAL, KEY, 'ephemeral');
  put(bytes, fields.encryptedStatic, INITIATION_OFFSET_STATIC, KEY + AEAD_TAG_LENGTH, 'encrypted static');
  put(
    bytes,
    fields.encryptedTimestamp,
    INITIATION_OFFSET_TIMESTAMP,
    TAI64N_LENGTH + AEAD_TAG_LENGTH,
    'encrypted timestamp',
  );
  put(bytes, fields.mac1, INITIATION_OFFSET_MAC1, MAC, 'mac1');
  put(bytes, fields.mac2, INITIATION_OFFSET_MAC2, MAC, 'mac2');
  return initiationView(bytes, data);
}

export function buildResponse(fields: ResponseFields): ResponseMessage {
  const { bytes, data } = header(RESPONSE_LENGTH, MESSAGE_TYPE_RESPONSE);
  data.setUint32(RESPONSE_OFFSET_SENDER, fields.sender, true);
  data.setUint32(RESPONSE_OFFSET_RECEIVER, fields.receiver, true);
  put(bytes, fields.ephemeral, RESPONSE_OFFSET_EPHEMERAL, KEY, 'ephemeral');
  put(bytes, fields.encryptedNothing, RESPONSE_OFFSET_EMPTY, AEAD_TAG_LENGTH, 'encrypted nothing');
  put(bytes, fields.mac1, RESPONSE_OFFSET_MAC1, MAC, 'mac1');
  put(bytes, fields.mac2, RESPONSE_OFFSET_MAC2, MAC, 'mac2');
  return responseView(bytes, data);
}

export function buildCookieReply(fields: CookieReplyFields): CookieReplyMessage {
  const { bytes, data } = header(COOKIE_REPLY_LENGTH, MESSAGE_TYPE_COOKIE_REPLY);
  data.setUint32(COOKIE_REPLY_OFFSET_RECEIVER, fields.receiver, true);
  put(bytes, fields.nonce, COOKIE_REPLY_OFFSET_NONCE, XCHACHA20_POLY1305_NONCE_LENGTH, 'nonce');
  put(bytes, fields.encryptedCookie, COOKIE_REPLY_OFFSET_COOKIE, MAC + AEAD_TAG_LENGTH, 'encrypted cookie');
  return cookieReplyView(bytes, data);
}

/**
 * Writes the 16-byte transport header at `offset` (0 by default), byte by byte: the data path builds transport
 * messages in place and makes no view per packet.
 */
export function writeTransportHeader(
  buffer: Uint8Array,
  receiver: number,
  counterLow: number,
  counterHigh: number,
  offset = 0,
): void {
  writeUint32LE(buffer, offset, MESSAGE_TYPE_TRANSPORT);
  writeUint32LE(buffer, offset + TRANSPORT_OFFSET_RECEIVER, receiver);
  writeUint32LE(buffer, offset + TRANSPORT_OFFSET_COUNTER, counterLow);
  writeUint32LE(buffer, offset + TRANSPORT_OFFSET_COUNTER + 4, counterHigh);
}

/**
 * Whether the datagram at `data[offset, offset + length)` is a transport message of a valid size: the data path's
 * test, made without parsing (parseMessage would build views for every datagram).
 */
export function isTransportAt(data: Uint8Array, offset: number, length: number): boolean {
  return length >= TRANSPORT_MIN_LENGTH && readUint32LE(data, offset) === MESSAGE_TYPE_TRANSPORT;
}

/** The receiver index of the transport message at `data[offset]`. */
export function transportReceiverAt(data: Uint8Array, offset: number): number {
  return readUint32LE(data, offset + TRANSPORT_OFFSET_RECEIVER);
}

/** The little-endian 32-bit word at `offset`. */
export function readUint32LE(buffer: Uint8Array, offset: number): number {
  return (
    (buffer[offset]! | (buffer[offset + 1]! << 8) | (buffer[offset + 2]! << 16) | (buffer[offset + 3]! << 24)) >>> 0
  );
}

function writeUint32LE(buffer: Uint8Array, offset: number, value: number): void {
  buffer[offset] = value;
  buffer[offset + 1] = value >>> 8;
  buffer[offset + 2] = value >>> 16;
  buffer[offset + 3] = value >>> 24;
}

/**
 * The plaintext length after zero padding: rounded up to PADDING_MULTIPLE, but never beyond the MTU (a packet of
 * exactly MTU bytes is not padded). `mtu` 0 means no cap. Mirrors wireguard-go's calculatePaddingSize.
 */
export function paddedLength(plaintextLength: number, mtu = 0): number {
  let last = plaintextLength;
  if (mtu > 0 && last > mtu) {
    last %= mtu;
  }
  let padded = Math.ceil(last / PADDING_MULTIPLE) * PADDING_MULTIPLE;
  if (mtu > 0 && padded > mtu) {
    padded = mtu;
  }
  return plaintextLength + (padded - last);
}

/** The size of the transport message carrying `plaintextLength` bytes: how much buffer the data path needs. */
export function transportMessageLength(plaintextLength: number, mtu = 0): number {
  return TRANSPORT_OVERHEAD + paddedLength(plaintextLength, mtu);
}
