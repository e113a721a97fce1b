// Session lifetime (whitepaper §6.2): the initiator rekeys a session older than REKEY_AFTER_TIME when it sends,
// packets in flight on the old session still decrypt, and after REJECT_AFTER_TIME a session is used for nothing.
import test from 'ava';
import { REJECT_AFTER_TIME_MS, REKEY_AFTER_TIME_MS, REKEY_TIMEOUT_MS } from '../protocol/constants.js';
import { EnginePair } from './testing/engine-pair.js';
import { udpText } from './testing/ip-packets.js';
import { classify, receiverIndex, senderIndex } from './testing/wire.js';

test('the initiator rekeys when it sends on a session older than REKEY_AFTER_TIME; the old one drains', async (t) => {
  const pair = await EnginePair.create();
  t.teardown(() => pair.close());
  const { a, b } = pair;
  pair.establish(a);
  const [firstResponse] = pair.sent(b, 'response');

  pair.advance(REKEY_AFTER_TIME_MS - 1_000);
  let mark = pair.wire.length;
  pair.send(a, pair.packet(a, b, 'young session'));
  t.deepEqual(pair.received(b).map(udpText), ['young session']);
  t.deepEqual(pair.sent(a, 'initiation', mark), [], 'no rekey before REKEY_AFTER_TIME');
  pair.advance(1_000);

  // Old-session data from both sides is held in the network while the rekey happens.
  pair.impair((datagram) => (classify(datagram.data) === 'data' ? 'hold' : 'deliver'));
  mark = pair.wire.length;
  pair.send(b, pair.packet(b, a, 'old from B'));
  t.deepEqual(pair.sent(b, 'initiation', mark), [], 'the responder does not rekey on send');
  pair.send(a, pair.packet(a, b, 'old from A'));
  t.deepEqual(
    pair.wire.slice(mark).map((record) => `${record.sender}:${record.kind}:${record.fate}`),
    [
      'B:data:hold',
      'A:data:hold', // still sent on the old session: it is not expired
      'A:initiation:deliver', // and the age of that session starts a new handshake
      'B:response:deliver',
      'A:keepalive:deliver', // the new session's first message confirms it to B
    ],
  );
  const [, secondResponse] = pair.sent(b, 'response');

  // New traffic goes with the new keys, to the index B chose in the new handshake.
  pair.impair(undefined);
  mark = pair.wire.length;
  pair.send(a, pair.packet(a, b, 'new from A'));
  pair.send(b, pair.packet(b, a, 'new from B'));
  t.deepEqual(pair.received(b).map(udpText), ['new from A']);
  t.deepEqual(pair.received(a).map(udpText), ['new from B']);
  const [newData] = pair.sent(a, 'data', mark);
  t.is(receiverIndex(newData!.bytes), senderIndex(secondResponse!.bytes));
  t.not(receiverIndex(newData!.bytes), senderIndex(firstResponse!.bytes));
  t.is(pair.sent(a, 'initiation').length, 2, 'one handshake to start, one rekey');

  // The held packets were sealed with the old session, which both sides keep as `previous`.
  t.is(pair.network.releaseHeld(), 2);
  pair.settle();
  t.deepEqual(pair.received(b).map(udpText), ['old from A']);
  t.deepEqual(pair.received(a).map(udpText), ['old from B']);
  t.is(a.device.drops.get('invalid-data') + b.device.drops.get('invalid-data'), 0);
  t.is(pair.peerSnapshot(b).lastHandshakeUnixMs, pair.clock.wallTime());
});

test('after REJECT_AFTER_TIME without a new handshake, nothing is sent or accepted with the old keys', async (t) => {
  const pair = await EnginePair.create();
  t.teardown(() => pair.close());
  const { a, b } = pair;
  pair.establish(a);
  const established = pair.clock.now();
  const handshakeLost = (datagram: { data: Uint8Array }): boolean =>
    ['initiation', 'response', 'cookie-reply'].includes(classify(datagram.data));
  pair.impair((datagram) => (handshakeLost(datagram) ? 'drop' : 'deliver'));

  // One second before expiry: data still flows with the old keys; these two are held in flight.
  pair.advance(REJECT_AFTER_TIME_MS - 1_000);
  pair.impair((datagram) =>
    handshakeLost(datagram) ? 'drop' : classify(datagram.data) === 'data' ? 'hold' : 'deliver',
  );
  pair.send(a, pair.packet(a, b, 'sealed just in time by A'));
  pair.send(b, pair.packet(b, a, 'sealed just in time by B'));
  t.is(pair.network.held, 2);

  pair.advance(1_000);
  t.is(pair.clock.now() - established, REJECT_AFTER_TIME_MS);
  const mark = pair.wire.length;
  pair.send(a, pair.packet(a, b, 'after expiry from A'));
  pair.send(b, pair.packet(b, a, 'after expiry from B'));
  t.deepEqual(
    pair.wire.slice(mark).filter((record) => record.kind === 'data' || record.kind === 'keepalive'),
    [],
    'packets wait for a new session instead of going out with expired keys',
  );
  t.true(pair.sent(b, 'initiation', mark).length === 1, 'the expired session makes B ask for a new one');

  pair.network.releaseHeld();
  pair.settle();
  t.deepEqual(pair.received(a), [], 'a message sealed before expiry does not open after it');
  t.deepEqual(pair.received(b), []);
  t.is(a.device.drops.get('invalid-data'), 1);
  t.is(b.device.drops.get('invalid-data'), 1);

  // Once handshakes get through again, the retransmitted initiation completes and the waiting packets go.
  pair.impair(undefined);
  pair.advance(REKEY_TIMEOUT_MS * 2);
  t.deepEqual(pair.received(b).map(udpText), ['after expiry from A']);
  t.deepEqual(pair.received(a).map(udpText), ['after expiry from B']);
  t.is(pair.peerSnapshot(a).lastHandshakeUnixMs, pair.peerSnapshot(b).lastHandshakeUnixMs);
  t.true(pair.peerSnapshot(a).lastHandshakeUnixMs > pair.clock.wallTime() - REKEY_TIMEOUT_MS * 2);
});
