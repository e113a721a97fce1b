import test from 'ava';

import { generatePrivateKey, publicKeyFromPrivate } from '../crypto/x25519.js';
import { COOKIE_REFRESH_TIME_MS } from './constants.js';
import { CookieChecker, CookieGenerator } from './cookie.js';
import { WireGuardError } from './errors.js';
import {
  buildInitiation,
  buildResponse,
  type CookieReplyMessage,
  INITIATION_OFFSET_MAC1,
  INITIATION_OFFSET_MAC2,
} from './messages.js';

const responderPublic = publicKeyFromPrivate(generatePrivateKey());
const sourceA = Uint8Array.of(192, 0, 2, 1, 0xca, 0x6c); // 192.0.2.1 port 51820
const sourceB = Uint8Array.of(192, 0, 2, 2, 0xca, 0x6c);

let senderCounter = 1;
function initiation(): Uint8Array {
  const fill = (length: number): Uint8Array => Uint8Array.from({ length }, (_, i) => (i * 31 + senderCounter) & 0xff);
  return buildInitiation({
    sender: senderCounter++,
    ephemeral: fill(32),
    encryptedStatic: fill(48),
    encryptedTimestamp: fill(28),
  }).bytes;
}

/** A fresh initiator-side generator and responder-side checker for the same responder key. */
function pair(): { generator: CookieGenerator; checker: CookieChecker } {
  return { generator: new CookieGenerator(responderPublic), checker: new CookieChecker(responderPublic) };
}

/** A new initiation with the generator's MACs added at `now`. */
function macked(generator: CookieGenerator, now: number): Uint8Array {
  const message = initiation();
  generator.addMacs(message, now);
  return message;
}

/** A pair whose generator holds a cookie for sourceA: replied to at `issuedAt`, consumed at `receivedAt`. */
function pairWithCookie(issuedAt = 0, receivedAt = issuedAt): { generator: CookieGenerator; checker: CookieChecker } {
  const { generator, checker } = pair();
  const first = macked(generator, issuedAt);
  generator.consumeReply(checker.createReply(first, 1, sourceA, issuedAt), receivedAt);
  return { generator, checker };
}

function copy(reply: CookieReplyMessage): CookieReplyMessage {
  return { ...reply, nonce: Uint8Array.from(reply.nonce), encryptedCookie: Uint8Array.from(reply.encryptedCookie) };
}

test('MAC1 made for the responder verifies, for initiations and responses', (t) => {
  const { generator, checker } = pair();
  const message = macked(generator, 0);
  t.true(checker.checkMac1(message));
  t.deepEqual(message.subarray(INITIATION_OFFSET_MAC2), new Uint8Array(16), 'no cookie yet: mac2 is zero');
  const response = buildResponse({
    sender: 1,
    receiver: 2,
    ephemeral: new Uint8Array(32).fill(5),
    encryptedNothing: new Uint8Array(16),
  }).bytes;
  generator.addMacs(response, 0);
  t.true(checker.checkMac1(response));
});

test('MAC1 fails after any byte before it changes, and for another responder', (t) => {
  const { generator, checker } = pair();
  const message = macked(generator, 0);
  for (const offset of [
    0,
    4,
    8,
    40,
    100,
    INITIATION_OFFSET_MAC1 - 1,
    INITIATION_OFFSET_MAC1,
    INITIATION_OFFSET_MAC2 - 1,
  ]) {
    const tampered = Uint8Array.from(message);
    tampered[offset] = (tampered[offset] as number) ^ 1;
    t.false(checker.checkMac1(tampered), `byte ${offset}`);
  }
  t.false(new CookieChecker(publicKeyFromPrivate(generatePrivateKey())).checkMac1(message));
});

test('MAC checks refuse messages that are not handshake-sized, as a programming error', (t) => {
  const checker = new CookieChecker(responderPublic);
  t.throws(() => checker.checkMac1(new Uint8Array(64)), { instanceOf: RangeError });
});

test('not under load, a valid mac1 suffices; under load the sender is asked for a cookie', (t) => {
  const { generator, checker } = pair();
  const message = macked(generator, 0);
  t.is(checker.verify(message, sourceA, false, 0), 'valid');
  t.is(checker.verify(message, sourceA, true, 0), 'needs-cookie');
  const broken = Uint8Array.from(message);
  broken[9] = (broken[9] as number) ^ 0xff;
  t.is(checker.verify(broken, sourceA, false, 0), 'invalid-mac1');
});

test('cookie reply round trip: the next message carries a mac2 the responder accepts under load', (t) => {
  const { generator, checker } = pair();
  const first = macked(generator, 1_000);
  const reply = checker.createReply(first, 42, sourceA, 1_000);
  t.is(reply.receiver, 42);
  t.is(reply.bytes.length, 64);
  t.deepEqual(generator.consumeReply(reply, 1_100), { ok: true, value: undefined });
  t.true(generator.hasCookie(1_100));

  const second = macked(generator, 1_200);
  t.notDeepEqual(second.subarray(INITIATION_OFFSET_MAC2), new Uint8Array(16));
  t.true(checker.checkMac2(second, sourceA, 1_200));
  t.is(checker.verify(second, sourceA, true, 1_200), 'valid');
});

test('a cookie is bound to the source address it was issued for', (t) => {
  const { generator, checker } = pairWithCookie();
  const second = macked(generator, 10);
  t.is(checker.verify(second, sourceB, true, 10), 'needs-cookie');
});

test('a cookie dies with its secret: stale after COOKIE_REFRESH_TIME, and after rotation', (t) => {
  const { generator, checker } = pairWithCookie();
  const second = macked(generator, 60_000);
  t.true(checker.checkMac2(second, sourceA, 60_000));
  t.false(checker.checkMac2(second, sourceA, COOKIE_REFRESH_TIME_MS + 1), 'secret too old');
  // A new reply rotates the secret, so the old cookie is wrong even though the secret is fresh.
  const third = macked(generator, COOKIE_REFRESH_TIME_MS + 2);
  checker.createReply(initiation(), 9, sourceB, COOKIE_REFRESH_TIME_MS + 2);
  t.false(checker.checkMac2(third, sourceA, COOKIE_REFRESH_TIME_MS + 3));
});

test('a received cookie expires after COOKIE_REFRESH_TIME: mac2 goes back to zero', (t) => {
  const { generator } = pairWithCookie(0, 5_000);
  t.true(generator.hasCookie(5_000 + COOKIE_REFRESH_TIME_MS - 1));
  t.false(generator.hasCookie(5_000 + COOKIE_REFRESH_TIME_MS));
  const late = macked(generator, 5_000 + COOKIE_REFRESH_TIME_MS);
  t.deepEqual(late.subarray(INITIATION_OFFSET_MAC2), new Uint8Array(16));
});

test('a cookie reply is refused when nothing was sent, when replayed, or when it answers another message', (t) => {
  const checker = new CookieChecker(responderPublic);
  const fresh = new CookieGenerator(responderPublic);
  const unsolicited = checker.createReply(initiation(), 1, sourceA, 0);
  t.is(fresh.consumeReply(unsolicited, 0).ok, false);
  t.deepEqual(fresh.consumeReply(unsolicited, 0), { ok: false, error: WireGuardError.UnexpectedCookieReply });

  const generator = new CookieGenerator(responderPublic);
  const reply = checker.createReply(macked(generator, 0), 1, sourceA, 0);
  t.true(generator.consumeReply(reply, 0).ok);
  const replayed = generator.consumeReply(reply, 1);
  t.false(replayed.ok);

  macked(generator, 2); // the message the next reply should answer
  const forOther = checker.createReply(initiation(), 1, sourceA, 2);
  const result = generator.consumeReply(forOther, 2);
  t.false(result.ok);
  if (!result.ok) {
    t.is(result.error, WireGuardError.InvalidAeadTag);
  }
});

test('a tampered cookie reply is refused and does not consume the pending message', (t) => {
  const { generator, checker } = pair();
  const reply = checker.createReply(macked(generator, 0), 1, sourceA, 0);
  for (const field of ['nonce', 'encryptedCookie'] as const) {
    const tampered = copy(reply);
    tampered[field][0] = (tampered[field][0] as number) ^ 1;
    const result = generator.consumeReply(tampered, 0);
    t.false(result.ok);
  }
  t.true(generator.consumeReply(reply, 0).ok, 'the genuine reply still works afterwards');
});

test('a reply from a different responder key does not decrypt', (t) => {
  const generator = new CookieGenerator(responderPublic);
  const impostor = new CookieChecker(publicKeyFromPrivate(generatePrivateKey()));
  t.false(generator.consumeReply(impostor.createReply(macked(generator, 0), 1, sourceA, 0), 0).ok);
});

test('clear forgets the cookie', (t) => {
  const { generator } = pairWithCookie();
  generator.clear();
  t.false(generator.hasCookie(1));
});
