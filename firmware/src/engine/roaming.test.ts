// Roaming (whitepaper §2.1): a peer's endpoint follows the source of its latest authenticated packet, and only an
// authenticated one. Here the peer's host moves as NAT rebinding or a change of network would move it.
import test from 'ava';
import { classify } from './testing/wire.js';
import { EnginePair } from './testing/engine-pair.js';
import { udpText } from './testing/ip-packets.js';

test('after the peer roams, its next authenticated packet moves the endpoint and replies follow it', async (t) => {
  const pair = await EnginePair.create();
  t.teardown(() => pair.close());
  const { a, b } = pair;
  pair.establish(a);
  t.is(pair.peerSnapshot(a).endpoint?.toString(), '192.0.2.2:51820');

  b.bind.roam('198.51.100.9', 40000);
  const unroutable = pair.network.stats.unroutable;
  pair.send(a, pair.packet(a, b, 'to where B was'));
  t.deepEqual(pair.received(b), [], 'A does not know yet');
  t.is(pair.network.stats.unroutable, unroutable + 1);

  pair.send(b, pair.packet(b, a, 'from the new address'));
  t.deepEqual(pair.received(a).map(udpText), ['from the new address']);
  t.is(pair.peerSnapshot(a).endpoint?.toString(), '198.51.100.9:40000', 'wg show reports the new endpoint');

  const mark = pair.wire.length;
  pair.send(a, pair.packet(a, b, 'to where B is'));
  t.deepEqual(pair.received(b).map(udpText), ['to where B is']);
  t.deepEqual(
    pair.wire.slice(mark).map((record) => record.to.toString()),
    ['198.51.100.9:40000'],
  );
  t.is(pair.sent(a, 'initiation').length, 1, 'roaming needs no new handshake');
});

test('packets a responder held for its new session go to where the initiator is when it confirms', async (t) => {
  const pair = await EnginePair.create();
  t.teardown(() => pair.close());
  const { a, b } = pair;
  // A's first data is lost, and so is everything B sends, until A has moved.
  pair.impair((datagram) =>
    datagram.from.equals(b.bind.endpoint) && classify(datagram.data) !== 'response'
      ? 'drop'
      : datagram.from.equals(a.bind.endpoint) && classify(datagram.data) === 'data'
        ? 'drop'
        : 'deliver',
  );
  pair.send(a, pair.packet(a, b, 'lost'));
  pair.send(b, pair.packet(b, a, 'held by B until its session is confirmed'));
  t.deepEqual(pair.received(a), []);

  pair.impair(undefined);
  a.bind.roam('198.51.100.20', 41000);
  pair.send(a, pair.packet(a, b, 'from the new address'));
  t.deepEqual(pair.received(b).map(udpText), ['from the new address']);
  t.deepEqual(pair.received(a).map(udpText), ['held by B until its session is confirmed']);
  t.is(pair.peerSnapshot(b).endpoint?.toString(), '198.51.100.20:41000');
});

test('a packet that fails authentication does not move the endpoint', async (t) => {
  const pair = await EnginePair.create();
  t.teardown(() => pair.close());
  const { a, b } = pair;
  pair.establish(a);
  const [data] = pair.sent(b, 'data');
  const mallory = pair.host('mallory', '203.0.113.66');

  const replayed = data!.bytes;
  const forged = replayed.slice();
  forged[forged.length - 1]! ^= 1;
  pair.inject(mallory, a, [replayed, forged]);
  t.is(a.device.drops.get('invalid-data'), 2);
  t.is(pair.peerSnapshot(a).endpoint?.toString(), '192.0.2.2:51820', 'still where B really is');
  pair.send(a, pair.packet(a, b, 'still reaches B'));
  t.deepEqual(pair.received(b).map(udpText), ['still reaches B']);
});
