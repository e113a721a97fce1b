import test from 'ava';

import { aeadImplementations } from '../crypto/aead-select.js';
import { randomBytes } from '../crypto/random.js';
import { REJECT_AFTER_TIME_MS } from './constants.js';
import { WireGuardError } from './errors.js';
import { Keypair, SEND_COUNTER_LIMIT } from './keypair.js';
import { parseMessage, transportCounter, transportMessageLength, writeTransportHeader } from './messages.js';
import { errorOf, unwrap } from './testing/results.js';

const hex = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'hex'));

/** A matching pair: what `a` sends, `b` receives. */
function pair(createdAt = 0): { a: Keypair; b: Keypair } {
  const k1 = randomBytes(32);
  const k2 = randomBytes(32);
  return {
    a: new Keypair({ sendKey: k1, receiveKey: k2, localIndex: 11, remoteIndex: 22, isInitiator: true, createdAt }),
    b: new Keypair({ sendKey: k2, receiveKey: k1, localIndex: 22, remoteIndex: 11, isInitiator: false, createdAt }),
  };
}

function sealText(keypair: Keypair, text: string, now = 0, mtu = 0): Uint8Array {
  const plaintext = new TextEncoder().encode(text);
  const buffer = new Uint8Array(transportMessageLength(plaintext.length, mtu) + 8);
  buffer.set(plaintext, 16);
  return buffer.subarray(0, unwrap(keypair.seal(buffer, plaintext.length, now, mtu)));
}

const lengths = [0, 1, 15, 16, 17, 100, 1419, 1420];
for (const length of lengths) {
  test(`a ${length}-byte packet is sealed in place, padded, and opened in place`, (t) => {
    const { a, b } = pair();
    const plaintext = randomBytes(length);
    const buffer = new Uint8Array(transportMessageLength(length, 1420));
    buffer.set(plaintext, 16);
    const sealedLength = unwrap(a.seal(buffer, length, 0, 1420));
    t.is(sealedLength, buffer.length);
    const message = unwrap(parseMessage(buffer));
    t.is(message.kind, 'transport');
    if (message.kind === 'transport') {
      t.is(message.receiver, 22);
      t.is(transportCounter(message), 0n);
    }
    const opened = unwrap(b.open(buffer, 0));
    t.is(opened.byteOffset, buffer.byteOffset + 16, 'decrypted in place');
    t.deepEqual(opened.subarray(0, length), plaintext);
    t.true(
      opened.subarray(length).every((byte) => byte === 0),
      'padding is zeros',
    );
    t.is(opened.length % 16 === 0 || opened.length === 1420, true);
  });
}

test('a keepalive is 32 bytes and opens to nothing', (t) => {
  const { a, b } = pair();
  const keepalive = sealText(a, '');
  t.is(keepalive.length, 32);
  t.is(unwrap(b.open(keepalive, 0)).length, 0);
});

test('counters increase per message, and messages may arrive out of order but only once', (t) => {
  const { a, b } = pair();
  const messages = ['zero', 'one', 'two', 'three'].map((text) => sealText(a, text));
  t.is(a.sendCounter, 4);
  for (const index of [2, 0, 3, 1]) {
    t.true(b.open(Uint8Array.from(messages[index] as Uint8Array), 0).ok, `message ${index}`);
  }
  t.is(errorOf(b.open(Uint8Array.from(messages[2] as Uint8Array), 0)), WireGuardError.DuplicateCounter);
});

test('a forged message is refused and does not consume its counter', (t) => {
  const { a, b } = pair();
  const genuine = sealText(a, 'genuine');
  for (const offset of [8, 16, genuine.length - 1]) {
    const forged = Uint8Array.from(genuine);
    forged[offset] = (forged[offset] as number) ^ 1;
    t.is(errorOf(b.open(forged, 0)), WireGuardError.InvalidAeadTag, `offset ${offset}`);
  }
  t.true(b.open(genuine, 0).ok);
});

test('a failed open leaves the caller’s output buffer untouched', (t) => {
  const { a, b } = pair();
  const forged = sealText(a, 'sixteen bytes!!!');
  forged[20] = (forged[20] as number) ^ 1;
  const out = new Uint8Array(64).fill(0xaa);
  t.false(b.open(forged, 0, out).ok);
  t.true(out.every((byte) => byte === 0xaa));
});

test('open can decrypt into a separate buffer', (t) => {
  const { a, b } = pair();
  const message = sealText(a, 'elsewhere');
  const copy = Uint8Array.from(message);
  const out = new Uint8Array(100);
  const opened = unwrap(b.open(message, 0, out));
  t.is(opened.buffer, out.buffer);
  t.is(new TextDecoder().decode(opened.subarray(0, 9)), 'elsewhere');
  t.deepEqual(message, copy, 'the datagram is not modified');
  const { a: a2, b: b2 } = pair();
  t.is(errorOf(b2.open(sealText(a2, 'seventeen bytes!!'), 0, new Uint8Array(16))), WireGuardError.BufferTooSmall);
});

test('a message for another index is refused', (t) => {
  const { a, b } = pair();
  const message = sealText(a, 'x');
  new DataView(message.buffer, message.byteOffset).setUint32(4, 23, true);
  t.is(errorOf(b.open(message, 0)), WireGuardError.WrongIndex);
});

test('a counter at or beyond REJECT_AFTER_MESSAGES is refused before decryption', (t) => {
  const { b } = pair();
  const message = new Uint8Array(32);
  writeTransportHeader(message, 22, 0xffffdfff, 0xffffffff);
  const result = b.open(message, 0);
  t.is(errorOf(result), WireGuardError.DuplicateCounter);
  t.regex(result.ok ? '' : (result.detail ?? ''), /REJECT_AFTER_MESSAGES/);
});

test('a keypair is unusable from REJECT_AFTER_TIME after its creation', (t) => {
  const { a, b } = pair(1_000);
  const early = sealText(a, 'early', 1_000 + REJECT_AFTER_TIME_MS - 1);
  t.true(b.open(early, 1_000 + REJECT_AFTER_TIME_MS - 1).ok);
  t.false(a.isExpired(1_000 + REJECT_AFTER_TIME_MS - 1));
  t.true(a.isExpired(1_000 + REJECT_AFTER_TIME_MS));
  const buffer = new Uint8Array(64);
  t.is(errorOf(a.seal(buffer, 0, 1_000 + REJECT_AFTER_TIME_MS)), WireGuardError.ExpiredKeypair);
  t.is(errorOf(b.open(sealText(a, 'late', 1_000), 1_000 + REJECT_AFTER_TIME_MS)), WireGuardError.ExpiredKeypair);
});

test('a cleared keypair refuses to seal or open', (t) => {
  const { a, b } = pair();
  const message = sealText(a, 'before');
  b.clear();
  a.clear();
  t.true(a.isExpired(0));
  t.is(errorOf(b.open(message, 0)), WireGuardError.ExpiredKeypair);
  t.is(errorOf(a.seal(new Uint8Array(64), 0, 0)), WireGuardError.ExpiredKeypair);
});

test('seal refuses a buffer without room for padding and tag', (t) => {
  const { a } = pair();
  const result = a.seal(new Uint8Array(16 + 17 + 16), 17, 0);
  t.is(errorOf(result), WireGuardError.BufferTooSmall);
  t.is(a.sendCounter, 0, 'no counter is used up by a refused seal');
});

test('seal refuses once the send counter is exhausted', (t) => {
  const { a } = pair();
  (a as unknown as { nextSendCounter: number }).nextSendCounter = SEND_COUNTER_LIMIT;
  t.is(errorOf(a.seal(new Uint8Array(64), 0, 0)), WireGuardError.CounterExhausted);
});

test('keypairs on different AEAD implementations interoperate', (t) => {
  const key1 = randomBytes(32);
  const key2 = randomBytes(32);
  const common = { localIndex: 1, remoteIndex: 1, createdAt: 0 };
  const noble = new Keypair({
    ...common,
    sendKey: key1,
    receiveKey: key2,
    isInitiator: true,
    aead: aeadImplementations.noble,
  });
  const node = new Keypair({
    ...common,
    sendKey: key2,
    receiveKey: key1,
    isInitiator: false,
    aead: aeadImplementations.node,
  });
  t.true(node.open(sealText(noble, 'noble → node'), 0).ok);
  t.true(noble.open(sealText(node, 'node → noble'), 0).ok);
});

test('the known-answer transport message of the Python reference opens with its receive key', (t) => {
  const sendKey = hex('e07b709efbfd0361a08a9de658ceb3847d648c207ed71d4dbdfe248bef23a651');
  const responder = new Keypair({
    sendKey: new Uint8Array(32),
    receiveKey: sendKey,
    localIndex: 0x0a0b0c0d,
    remoteIndex: 0x01020304,
    isInitiator: false,
    createdAt: 0,
  });
  const opened = unwrap(
    responder.open(
      hex('040000000d0c0b0a0000000000000000bca9d6d2464b87de25264175ba526f1595310910bee8bb8727c303c88d51e419'),
      0,
    ),
  );
  t.is(new TextDecoder().decode(opened.subarray(0, 5)), 'hello');
});

test('the keys given to the constructor are copied', (t) => {
  const sendKey = randomBytes(32);
  const receiveKey = Uint8Array.from(sendKey);
  const a = new Keypair({
    sendKey,
    receiveKey: new Uint8Array(32),
    localIndex: 1,
    remoteIndex: 2,
    isInitiator: true,
    createdAt: 0,
  });
  const b = new Keypair({
    sendKey: new Uint8Array(32),
    receiveKey,
    localIndex: 2,
    remoteIndex: 1,
    isInitiator: false,
    createdAt: 0,
  });
  sendKey.fill(0);
  t.true(b.open(sealText(a, 'still works'), 0).ok);
});
