// Replays (whitepaper §5.1, §5.4.6): a transport message is accepted once, by its counter; an initiation once, by
// its timestamp. Neither a duplicating network nor an attacker re-sending captured datagrams gets anything through.
import test from 'ava';
import { EnginePair } from './testing/engine-pair.js';
import { udpText } from './testing/ip-packets.js';
import { classify } from './testing/wire.js';

test('a transport message duplicated by the network is delivered once', async (t) => {
  const pair = await EnginePair.create();
  t.teardown(() => pair.close());
  const { a, b } = pair;
  pair.establish(a);
  pair.impair((datagram) => (classify(datagram.data) === 'data' ? 'duplicate' : 'deliver'));
  pair.send(a, pair.packet(a, b, 'once'));
  t.deepEqual(pair.received(b).map(udpText), ['once']);
  t.is(b.device.drops.get('invalid-data'), 1, 'the second copy fails the replay window');
});

test('a captured transport message re-sent later is dropped as invalid-data', async (t) => {
  const pair = await EnginePair.create();
  t.teardown(() => pair.close());
  const { a, b } = pair;
  pair.establish(a);
  pair.send(a, pair.packet(a, b, 'captured'));
  t.is(pair.received(b).length, 1);
  const captured = pair.sent(a, 'data').map((record) => record.bytes);
  const rxBefore = pair.peerSnapshot(b).rxBytes;

  pair.advance(5_000);
  const mallory = pair.host('mallory', '203.0.113.66');
  pair.inject(mallory, b, captured);
  t.deepEqual(pair.received(b), []);
  t.is(b.device.drops.get('invalid-data'), captured.length);
  t.is(pair.peerSnapshot(b).rxBytes, rxBefore, 'replays are not counted as received');
  t.is(pair.peerSnapshot(b).endpoint?.toString(), a.bind.endpoint.toString());
});

test('a replayed initiation gets no second response: its timestamp is not newer', async (t) => {
  const pair = await EnginePair.create();
  t.teardown(() => pair.close());
  const { a, b } = pair;
  // The network delivers A's initiation twice, from A's own address.
  pair.impair((datagram) => (classify(datagram.data) === 'initiation' ? 'duplicate' : 'deliver'));
  pair.establish(a);
  pair.impair(undefined);
  const [initiation] = pair.sent(a, 'initiation');
  t.is(pair.sent(b, 'response').length, 1);
  t.is(b.device.drops.get('invalid-handshake'), 1);

  // An attacker re-sends it later, from elsewhere.
  pair.advance(1_000);
  const mallory = pair.host('mallory', '203.0.113.66');
  pair.inject(mallory, b, [initiation!.bytes]);
  t.is(pair.sent(b, 'response').length, 1, 'only the original initiation was answered');
  t.deepEqual(
    pair.wire.filter((record) => record.receiver === 'mallory'),
    [],
    'not even a cookie goes to the attacker',
  );
  t.is(b.device.drops.get('invalid-handshake'), 2);

  // The session in use is untouched by the replays.
  pair.send(a, pair.packet(a, b, 'still the same session'));
  pair.send(b, pair.packet(b, a, 'and back'));
  t.deepEqual(pair.received(b).map(udpText), ['still the same session']);
  t.deepEqual(pair.received(a).map(udpText), ['and back']);
  t.is(pair.sent(a, 'initiation').length, 1);
  t.is(pair.peerSnapshot(b).endpoint?.toString(), a.bind.endpoint.toString());
});
