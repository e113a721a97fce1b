// The batch ciphers against the per-packet ones, which aead.test.ts holds to RFC 8439: the same bytes out for
// random messages of every size class, forgeries refused (and zeroed natively), keys that die stay dead.
import { randomBytes, randomInt } from 'node:crypto';

import test from 'ava';

import { AEAD_TAG_LENGTH } from './aead.js';
import { aeadImplementations } from './aead-select.js';
import { loopTransportAead, type MessageList, nativeTransportAead, type TransportAead } from './transport-aead.js';

const HEADER = 16;
const native = nativeTransportAead();
const loops: TransportAead[] = Object.values(aeadImplementations).map(loopTransportAead);

/** `count` random messages (header with a random counter, random body, room for the tag) packed with gaps. */
function randomMessages(count: number, bodyLength?: number): MessageList {
  const lengths = Uint32Array.from({ length: count }, () => {
    const body = bodyLength ?? [0, 1, 15, 16, 17, 1420, 1440, randomInt(0, 1500)][randomInt(0, 8)]!;
    return HEADER + body + AEAD_TAG_LENGTH;
  });
  const offsets = new Uint32Array(count);
  let end = 0;
  for (let i = 0; i < count; i++) {
    offsets[i] = end + randomInt(0, 8);
    end = offsets[i]! + lengths[i]!;
  }
  return { data: new Uint8Array(randomBytes(end + 8)), offsets, lengths, count };
}

const copy = (messages: MessageList): MessageList => ({ ...messages, data: messages.data.slice() });

test('native batches seal to the same bytes as every per-packet implementation, and open them back', (t) => {
  for (let round = 0; round < 20; round++) {
    const key = new Uint8Array(randomBytes(32));
    const original = randomMessages(randomInt(1, 65));
    const sealedNatively = copy(original);
    native.sealingKey(key).seal(sealedNatively);
    for (const loop of loops) {
      const sealedByLoop = copy(original);
      loop.sealingKey(key).seal(sealedByLoop);
      t.deepEqual(sealedByLoop.data, sealedNatively.data, loop.name);
    }
    const results = new Uint8Array(original.count);
    t.is(native.openingKey(key).open(sealedNatively, results), original.count);
    t.true(results.every((result) => result === 1));
    for (let i = 0; i < original.count; i++) {
      const start = original.offsets[i]!;
      const end = start + original.lengths[i]! - AEAD_TAG_LENGTH;
      t.deepEqual(sealedNatively.data.subarray(start, end), original.data.subarray(start, end), `message ${i} opened`);
    }
  }
});

test('native opening refuses a forged message among genuine ones and zeroes its body', (t) => {
  const key = new Uint8Array(randomBytes(32));
  const messages = randomMessages(8, 100);
  native.sealingKey(key).seal(messages);
  const forged = 3;
  const at = messages.offsets[forged]! + HEADER + randomInt(0, 100 + AEAD_TAG_LENGTH);
  messages.data[at]! ^= 1 << randomInt(0, 8);
  const counterChanged = 5; // a changed counter is a changed nonce
  messages.data[messages.offsets[counterChanged]! + 8]! ^= 1;
  const results = new Uint8Array(8);
  t.is(native.openingKey(key).open(messages, results), 6);
  t.deepEqual([...results], [1, 1, 1, 0, 1, 0, 1, 1]);
  for (const bad of [forged, counterChanged]) {
    const body = messages.data.subarray(messages.offsets[bad]! + HEADER, messages.offsets[bad]! + HEADER + 100);
    t.true(
      body.every((byte) => byte === 0),
      `message ${bad}'s body is zeroed`,
    );
  }
  const wrongKey = new Uint8Array(randomBytes(32));
  const again = randomMessages(2);
  native.sealingKey(key).seal(again);
  t.is(native.openingKey(wrongKey).open(again, new Uint8Array(2)), 0);
});

test('native keys refuse misuse with clear errors, and a destroyed key stays dead', (t) => {
  const key = new Uint8Array(randomBytes(32));
  t.throws(() => native.sealingKey(new Uint8Array(31)), { instanceOf: RangeError, message: /32 bytes/ });
  const sealing = native.sealingKey(key);
  const opening = native.openingKey(key);
  const messages = randomMessages(2);
  t.throws(() => opening.seal(messages), { instanceOf: TypeError, message: /opening/ });
  t.throws(() => sealing.open(messages, new Uint8Array(2)), { instanceOf: TypeError, message: /sealing/ });
  t.throws(() => opening.open(messages, new Uint8Array(1)), { instanceOf: RangeError, message: /results/ });
  const short = { ...messages, lengths: Uint32Array.from([HEADER + AEAD_TAG_LENGTH - 1, 40]) };
  t.throws(() => sealing.seal(short), { instanceOf: RangeError, message: /shorter than a header and a tag/ });
  const outside = { ...messages, offsets: Uint32Array.from([0, messages.data.length]) };
  t.throws(() => sealing.seal(outside), { instanceOf: RangeError, message: /outside/ });
  // An index array inside the data it indexes could change under the cipher's writes: refused.
  const shared = new Uint8Array(4096);
  const aliased = {
    data: shared,
    offsets: new Uint32Array(shared.buffer, 0, 2),
    lengths: new Uint32Array(2),
    count: 2,
  };
  aliased.offsets.set([64, 200]);
  aliased.lengths.set([100, 100]);
  t.throws(() => sealing.seal(aliased), { instanceOf: RangeError, message: /must not share memory/ });
  sealing.destroy();
  sealing.destroy();
  t.throws(() => sealing.seal(messages), { message: /destroyed/ });
  for (const loop of loops) {
    const loopKey = loop.sealingKey(key);
    loopKey.destroy();
    t.throws(() => loopKey.seal(messages), { message: /destroyed/ }, loop.name);
  }
});
