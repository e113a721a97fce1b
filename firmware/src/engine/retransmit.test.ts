// Handshake retransmission, giving up, and forgetting keys (whitepaper §6.4, wireguard-go's timers.go).
import test from 'ava';
import {
  MAX_TIMER_HANDSHAKES,
  REJECT_AFTER_TIME_MS,
  REKEY_ATTEMPT_TIME_MS,
  REKEY_TIMEOUT_JITTER_MAX_MS,
  REKEY_TIMEOUT_MS,
} from '../protocol/constants.js';
import { EnginePair } from './testing/engine-pair.js';
import { udpText } from './testing/ip-packets.js';

test('an unanswered initiation is retried every REKEY_TIMEOUT + jitter, then staged packets are dropped', async (t) => {
  const pair = await EnginePair.create();
  t.teardown(() => pair.close());
  const { a, b } = pair;
  pair.impair((datagram) => (datagram.to.equals(b.bind.endpoint) ? 'drop' : 'deliver'));
  const start = pair.clock.now();
  pair.send(a, pair.packet(a, b, 'one'), pair.packet(a, b, 'two'), pair.packet(a, b, 'three'));

  const gaveUpAfter = pair.advanceUntil(() => a.device.drops.get('no-session') > 0, 3 * REKEY_ATTEMPT_TIME_MS);
  const times = pair.sent(a, 'initiation').map((record) => record.at - start);
  t.is(times[0], 0);
  for (let i = 1; i < times.length; i++) {
    const gap = times[i]! - times[i - 1]!;
    t.true(gap >= REKEY_TIMEOUT_MS && gap <= REKEY_TIMEOUT_MS + REKEY_TIMEOUT_JITTER_MAX_MS, `gap ${i}: ${gap} ms`);
  }
  // As wireguard-go: the first initiation, then retries until the attempt counter passes MAX_TIMER_HANDSHAKES.
  t.is(times.length, MAX_TIMER_HANDSHAKES + 2);
  t.true(times.at(-1)! >= REKEY_ATTEMPT_TIME_MS, 'retried for at least REKEY_ATTEMPT_TIME');
  t.true(gaveUpAfter > times.at(-1)!);
  t.is(a.device.drops.get('no-session'), 3, 'the three staged packets were dropped');

  // Having given up, the peer stays quiet until there is something to send again.
  pair.advance(5 * REKEY_TIMEOUT_MS);
  t.is(pair.sent(a, 'initiation').length, MAX_TIMER_HANDSHAKES + 2);
  pair.impair(undefined);
  pair.send(a, pair.packet(a, b, 'four'));
  t.deepEqual(pair.received(b).map(udpText), ['four'], 'a new packet starts a new handshake, which completes');
  t.is(a.device.drops.get('no-session'), 3);
});

test('keys are forgotten 3 × REJECT_AFTER_TIME after the last session was derived', async (t) => {
  const pair = await EnginePair.create();
  t.teardown(() => pair.close());
  const { a, b } = pair;
  pair.establish(a);
  const derived = pair.clock.now();
  const [fromA] = pair.sent(a, 'data');
  const [fromB] = pair.sent(b, 'data');
  const mallory = pair.host('mallory', '203.0.113.66');
  // A and B lose each other for good; only the replayed messages below get through.
  pair.impair((datagram) => (datagram.from.equals(mallory.endpoint) ? 'deliver' : 'drop'));

  pair.advance(3 * REJECT_AFTER_TIME_MS - 1_000);
  pair.inject(mallory, a, [fromB!.bytes]);
  pair.inject(mallory, b, [fromA!.bytes]);
  t.is(a.device.drops.get('invalid-data'), 1, 'the expired session still owns its index');
  t.is(b.device.drops.get('invalid-data'), 1);

  pair.advance(1_000);
  t.is(pair.clock.now() - derived, 3 * REJECT_AFTER_TIME_MS);
  pair.inject(mallory, a, [fromB!.bytes]);
  pair.inject(mallory, b, [fromA!.bytes]);
  t.is(a.device.drops.get('unknown-index'), 1, 'the session is gone: its index no longer exists');
  t.is(b.device.drops.get('unknown-index'), 1);
  t.is(a.device.drops.get('invalid-data'), 1);
  t.deepEqual(pair.received(a), []);
  t.deepEqual(pair.received(b), []);
});

test('a peer that has no endpoint yet still gives up its staged packets after REKEY_ATTEMPT_TIME', async (t) => {
  const pair = await EnginePair.create({ a: { knowsPeerEndpoint: false } });
  t.teardown(() => pair.close());
  const { a, b } = pair;
  pair.send(a, pair.packet(a, b, 'one'), pair.packet(a, b, 'two'));
  pair.advanceUntil(() => a.device.drops.get('no-session') > 0, 3 * REKEY_ATTEMPT_TIME_MS);
  t.is(a.device.drops.get('no-session'), 2);
  t.true(a.device.drops.get('no-endpoint') > 0, 'each attempt was counted as having nowhere to go');
  t.is(pair.sent(a).length, 0, 'nothing was sent anywhere');
});

test('forgetting the keys also drops the packets that waited for them', async (t) => {
  const pair = await EnginePair.create();
  t.teardown(() => pair.close());
  const { a, b } = pair;
  pair.establish(a);
  pair.impair(() => 'drop');
  pair.advance(REJECT_AFTER_TIME_MS + 1_000);
  pair.send(a, pair.packet(a, b, 'late'));
  pair.advance(3 * REJECT_AFTER_TIME_MS);
  t.true(a.device.drops.get('no-session') >= 1);
});
