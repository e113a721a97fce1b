// The DoS defence in front of the handshake (whitepaper §5.3, §5.4.7): under load, a handshake message without a
// valid MAC2 is answered with a cookie reply instead of Diffie-Hellman work; the initiator stores the cookie and its
// retry, carrying MAC2, is answered.
import test from 'ava';
import { REKEY_TIMEOUT_JITTER_MAX_MS, REKEY_TIMEOUT_MS } from '../protocol/constants.js';
import { INITIATION_LENGTH, INITIATION_OFFSET_MAC2 } from '../protocol/messages.js';
import { EnginePair } from './testing/engine-pair.js';
import { udpText } from './testing/ip-packets.js';
import { receiverIndex, senderIndex } from './testing/wire.js';

const mac2Of = (initiation: Uint8Array): Uint8Array => initiation.subarray(INITIATION_OFFSET_MAC2, INITIATION_LENGTH);
const isZero = (bytes: Uint8Array): boolean => bytes.every((byte) => byte === 0);

test('a responder under load answers with a cookie, and the retry carrying MAC2 completes the handshake', async (t) => {
  const pair = await EnginePair.create({ b: { underLoadHandshakesPerSecond: 0 } });
  t.teardown(() => pair.close());
  const { a, b } = pair;
  pair.send(a, pair.packet(a, b, 'through the cookie'));
  t.deepEqual(
    pair.wire.map((record) => `${record.sender}:${record.kind}`),
    ['A:initiation', 'B:cookie-reply'],
  );
  const [first] = pair.sent(a, 'initiation');
  const [cookie] = pair.sent(b, 'cookie-reply');
  t.is(receiverIndex(cookie!.bytes), senderIndex(first!.bytes), 'the reply is addressed to the initiation');
  t.true(isZero(mac2Of(first!.bytes)), 'no cookie yet: MAC2 is zero');
  t.is(b.device.drops.get('cookie-sent'), 1);
  t.deepEqual(pair.sent(b, 'response'), [], 'no Diffie-Hellman work for a message without MAC2');

  pair.advanceUntil(() => pair.sent(b, 'response').length > 0, 10_000);
  const [, retry] = pair.sent(a, 'initiation');
  t.false(isZero(mac2Of(retry!.bytes)), 'the retry carries MAC2 made with the cookie');
  t.deepEqual(pair.received(b).map(udpText), ['through the cookie']);
  t.is(b.device.drops.get('cookie-sent'), 1);

  pair.send(b, pair.packet(b, a, 'and back'));
  t.deepEqual(pair.received(a).map(udpText), ['and back']);
});

test('a flood puts the responder under load; a real peer still gets through with a cookie', async (t) => {
  const pair = await EnginePair.create();
  t.teardown(() => pair.close());
  const { a, b } = pair;
  const mallory = pair.host('mallory', '203.0.113.66');
  // 20 junk initiations every 100 ms: 200 handshake messages a second, beyond the default of 128.
  const junk = Array.from({ length: 20 }, (_, i) => {
    const message = new Uint8Array(INITIATION_LENGTH).fill(i + 1);
    message.set([1, 0, 0, 0]);
    return message;
  });
  const flood = (ms: number): void => {
    for (let elapsed = 0; elapsed < ms; elapsed += 100) {
      pair.inject(mallory, b, junk);
      pair.advance(100);
    }
  };
  flood(1_000);
  t.is(b.device.drops.get('invalid-mac'), 200, 'junk without a valid MAC1 costs one hash and is dropped');
  t.deepEqual(pair.sent(b), [], 'junk gets no answer at all, not even a cookie');

  pair.send(a, pair.packet(a, b, 'during the flood'));
  t.is(pair.sent(b, 'cookie-reply').length, 1);
  flood(REKEY_TIMEOUT_MS + REKEY_TIMEOUT_JITTER_MAX_MS + 100);
  t.is(pair.sent(b, 'response').length, 1, 'the retry with MAC2 is answered while the flood goes on');
  t.deepEqual(pair.received(b).map(udpText), ['during the flood']);
  t.deepEqual(b.log.warnings, []);
});
