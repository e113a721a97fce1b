import test from 'ava';

import { WireGuardError } from './errors.js';
import {
  buildCookieReply,
  buildInitiation,
  buildResponse,
  COOKIE_REPLY_LENGTH,
  INITIATION_LENGTH,
  INITIATION_OFFSET_MAC1,
  INITIATION_OFFSET_MAC2,
  type Message,
  paddedLength,
  parseMessage,
  RESPONSE_LENGTH,
  RESPONSE_OFFSET_MAC1,
  RESPONSE_OFFSET_MAC2,
  TRANSPORT_MIN_LENGTH,
  transportCounter,
  transportMessageLength,
  writeTransportHeader,
} from './messages.js';
import { unwrap } from './testing/results.js';

const filled = (length: number, start: number): Uint8Array => Uint8Array.from({ length }, (_, i) => (start + i) & 0xff);

function parsed(bytes: Uint8Array): Message {
  return unwrap(parseMessage(bytes));
}

test('the wire offsets match the whitepaper layout', (t) => {
  t.is(INITIATION_LENGTH, 148);
  t.is(INITIATION_OFFSET_MAC1, 116);
  t.is(INITIATION_OFFSET_MAC2, 132);
  t.is(RESPONSE_LENGTH, 92);
  t.is(RESPONSE_OFFSET_MAC1, 60);
  t.is(RESPONSE_OFFSET_MAC2, 76);
  t.is(COOKIE_REPLY_LENGTH, 64);
  t.is(TRANSPORT_MIN_LENGTH, 32);
});

test('an initiation round-trips through build and parse, little-endian sender after "01 00 00 00"', (t) => {
  const fields = {
    sender: 0xdeadbeef,
    ephemeral: filled(32, 1),
    encryptedStatic: filled(48, 40),
    encryptedTimestamp: filled(28, 90),
    mac1: filled(16, 120),
    mac2: filled(16, 140),
  };
  const built = buildInitiation(fields);
  t.deepEqual([...built.bytes.subarray(0, 8)], [1, 0, 0, 0, 0xef, 0xbe, 0xad, 0xde]);
  const message = parsed(Uint8Array.from(built.bytes));
  t.is(message.kind, 'initiation');
  if (message.kind === 'initiation') {
    t.is(message.sender, fields.sender);
    t.deepEqual(message.ephemeral, fields.ephemeral);
    t.deepEqual(message.encryptedStatic, fields.encryptedStatic);
    t.deepEqual(message.encryptedTimestamp, fields.encryptedTimestamp);
    t.deepEqual(message.mac1, fields.mac1);
    t.deepEqual(message.mac2, fields.mac2);
  }
});

test('a response round-trips and its MACs default to zero', (t) => {
  const built = buildResponse({
    sender: 7,
    receiver: 0xffffffff,
    ephemeral: filled(32, 3),
    encryptedNothing: filled(16, 50),
  });
  const message = parsed(Uint8Array.from(built.bytes));
  t.is(message.kind, 'response');
  if (message.kind === 'response') {
    t.is(message.sender, 7);
    t.is(message.receiver, 0xffffffff);
    t.deepEqual(message.ephemeral, filled(32, 3));
    t.deepEqual(message.encryptedNothing, filled(16, 50));
    t.deepEqual(message.mac1, new Uint8Array(16));
    t.deepEqual(message.mac2, new Uint8Array(16));
  }
});

test('a cookie reply round-trips', (t) => {
  const built = buildCookieReply({ receiver: 0x01020304, nonce: filled(24, 9), encryptedCookie: filled(32, 33) });
  const message = parsed(Uint8Array.from(built.bytes));
  t.is(message.kind, 'cookie-reply');
  if (message.kind === 'cookie-reply') {
    t.is(message.receiver, 0x01020304);
    t.deepEqual(message.nonce, filled(24, 9));
    t.deepEqual(message.encryptedCookie, filled(32, 33));
  }
});

test('a transport header round-trips, including a counter above 2^32', (t) => {
  const bytes = new Uint8Array(48);
  writeTransportHeader(bytes, 0xcafebabe, 0x89abcdef, 0x01234567);
  const message = parsed(bytes);
  t.is(message.kind, 'transport');
  if (message.kind === 'transport') {
    t.is(message.receiver, 0xcafebabe);
    t.is(transportCounter(message), 0x0123456789abcdefn);
    t.is(message.encrypted.length, 32);
    t.is(message.encrypted.byteOffset, 16);
  }
});

test('parsed fields are views into the datagram, not copies', (t) => {
  const bytes = Uint8Array.from(
    buildInitiation({
      sender: 1,
      ephemeral: filled(32, 0),
      encryptedStatic: filled(48, 0),
      encryptedTimestamp: filled(28, 0),
    }).bytes,
  );
  const message = parsed(bytes);
  bytes[INITIATION_OFFSET_MAC1] = 0x99;
  t.is(message.kind === 'initiation' ? message.mac1[0] : -1, 0x99);
});

const header = (type: number, length: number): Uint8Array => {
  const bytes = new Uint8Array(length);
  bytes[0] = type;
  return bytes;
};

const wrongSizes: Array<[string, Uint8Array]> = [
  ['an empty datagram', new Uint8Array(0)],
  ['three bytes', Uint8Array.of(1, 0, 0)],
  ['an initiation one byte short', header(1, 147)],
  ['an initiation one byte long', header(1, 149)],
  ['an initiation with only a header', header(1, 4)],
  ['a response one byte short', header(2, 91)],
  ['a response one byte long', header(2, 93)],
  ['a cookie reply one byte short', header(3, 63)],
  ['a cookie reply one byte long', header(3, 65)],
  ['a transport message one byte shorter than a keepalive', header(4, 31)],
  ['a transport header without tag', header(4, 16)],
];
for (const [name, bytes] of wrongSizes) {
  test(`WrongSize for ${name}`, (t) => {
    const result = parseMessage(bytes);
    t.false(result.ok);
    if (!result.ok) {
      t.is(result.error, WireGuardError.WrongSize);
    }
  });
}

const unknownTypes: Array<[string, Uint8Array]> = [
  ['type 0', header(0, 148)],
  ['type 5', header(5, 64)],
  ['type 255', header(255, 32)],
  ['type 1 with a non-zero reserved byte', Uint8Array.from({ length: 148 }, (_, i) => (i === 0 ? 1 : i === 2 ? 1 : 0))],
  [
    'type 4 with a non-zero last reserved byte',
    Uint8Array.from({ length: 32 }, (_, i) => (i === 0 ? 4 : i === 3 ? 0x80 : 0)),
  ],
];
for (const [name, bytes] of unknownTypes) {
  test(`UnknownType for ${name}`, (t) => {
    const result = parseMessage(bytes);
    t.false(result.ok);
    if (!result.ok) {
      t.is(result.error, WireGuardError.UnknownType);
    }
  });
}

test('every valid length parses: exact handshake sizes and any transport size from a keepalive up', (t) => {
  for (const [type, length] of [
    [1, 148],
    [2, 92],
    [3, 64],
    [4, 32],
    [4, 33],
    [4, 1452],
    [4, 65535],
  ] as const) {
    t.true(parseMessage(header(type, length)).ok, `type ${type}, ${length} bytes`);
  }
});

test('builders refuse fields of the wrong length', (t) => {
  t.throws(
    () =>
      buildInitiation({
        sender: 1,
        ephemeral: filled(31, 0),
        encryptedStatic: filled(48, 0),
        encryptedTimestamp: filled(28, 0),
      }),
    { instanceOf: RangeError },
  );
  t.throws(() => buildCookieReply({ receiver: 1, nonce: filled(12, 0), encryptedCookie: filled(32, 0) }), {
    instanceOf: RangeError,
  });
});

// (plaintext length, MTU, padded length), as wireguard-go's calculatePaddingSize.
const paddingCases: Array<[number, number, number]> = [
  [0, 1420, 0],
  [1, 1420, 16],
  [15, 1420, 16],
  [16, 1420, 16],
  [17, 1420, 32],
  [1400, 1420, 1408],
  [1410, 1420, 1420],
  [1419, 1420, 1420],
  [1420, 1420, 1420],
  [100, 0, 112],
  [1419, 0, 1424],
];
for (const [length, mtu, padded] of paddingCases) {
  test(`paddedLength(${length}, mtu ${mtu}) = ${padded}`, (t) => {
    t.is(paddedLength(length, mtu), padded);
    t.is(transportMessageLength(length, mtu), padded + 32);
  });
}
