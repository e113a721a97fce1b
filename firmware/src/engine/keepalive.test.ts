// The passive keepalive, the persistent keepalive and the rekey after one-way silence (whitepaper §6.5, §6.2).
import test from 'ava';
import { KEEPALIVE_TIMEOUT_MS, REKEY_TIMEOUT_JITTER_MAX_MS, REKEY_TIMEOUT_MS } from '../protocol/constants.js';
import { keyHex } from './device-config.js';
import { EnginePair } from './testing/engine-pair.js';

test('a side that received data and sent nothing for KEEPALIVE_TIMEOUT sends one empty transport packet', async (t) => {
  const pair = await EnginePair.create();
  t.teardown(() => pair.close());
  const { a, b } = pair;
  pair.establish(a);
  pair.advance(30_000);

  const mark = pair.wire.length;
  const sentAt = pair.clock.now();
  const rxBefore = pair.peerSnapshot(a).rxBytes;
  pair.send(a, pair.packet(a, b, 'no answer expected'));
  pair.advance(KEEPALIVE_TIMEOUT_MS - 10);
  t.deepEqual(pair.sent(b, undefined, mark), [], 'nothing before KEEPALIVE_TIMEOUT');

  pair.advance(60_000);
  const fromB = pair.sent(b, undefined, mark);
  t.deepEqual(
    fromB.map((record) => [record.kind, record.at - sentAt]),
    [['keepalive', KEEPALIVE_TIMEOUT_MS]],
    'exactly one keepalive, KEEPALIVE_TIMEOUT after the data',
  );
  t.is(fromB[0]?.bytes.length, 32, 'header and tag around an empty payload');
  t.deepEqual(pair.received(a), [], 'a keepalive writes nothing to the TUN');
  t.is(pair.peerSnapshot(a).rxBytes, rxBefore + 32n);
  t.deepEqual(pair.sent(a, 'initiation', mark), [], 'the keepalive tells A that B is alive: no rekey');
});

test('persistent keepalive: a handshake when configured, then an empty packet every interval', async (t) => {
  const pair = await EnginePair.create();
  t.teardown(() => pair.close());
  const { a, b } = pair;
  const start = pair.clock.now();
  await pair.configure(a, [`public_key=${keyHex(b.publicKey)}`, 'persistent_keepalive_interval=25']);
  pair.settle();
  t.deepEqual(
    pair.wire.map((record) => `${record.sender}:${record.kind}`),
    ['A:initiation', 'B:response', 'A:keepalive'],
    'turning the keepalive on sends one at once, which needs a session',
  );

  pair.advance(50_500);
  t.deepEqual(
    pair.sent(a, 'keepalive').map((record) => record.at - start),
    [0, 25_000, 50_000],
  );
  t.deepEqual(pair.sent(b, 'keepalive'), [], 'B has no persistent keepalive and nothing to answer');

  // Any authenticated packet restarts the interval. B's data makes A answer with a passive keepalive after
  // KEEPALIVE_TIMEOUT, and the persistent one follows a whole interval after that.
  pair.advance(10_000);
  const dataAt = pair.clock.now();
  pair.send(b, pair.packet(b, a, 'data'));
  pair.advance(36_000);
  t.deepEqual(
    pair
      .sent(a, 'keepalive')
      .map((record) => record.at - dataAt)
      .filter((delta) => delta >= 0),
    [KEEPALIVE_TIMEOUT_MS, KEEPALIVE_TIMEOUT_MS + 25_000],
  );
});

test('data sent and nothing received for KEEPALIVE_TIMEOUT + REKEY_TIMEOUT starts a new handshake', async (t) => {
  const pair = await EnginePair.create();
  t.teardown(() => pair.close());
  const { a, b } = pair;
  pair.establish(a);
  pair.advance(30_000);

  // B hears A but cannot answer: its keepalive is lost, so A sees silence after its data.
  pair.impair((datagram) => (datagram.from.equals(b.bind.endpoint) ? 'drop' : 'deliver'));
  const mark = pair.wire.length;
  const sentAt = pair.clock.now();
  pair.send(a, pair.packet(a, b, 'into the silence'));
  t.is(pair.received(b).length, 1);
  pair.advanceUntil(() => pair.sent(a, 'initiation', mark).length > 0, 30_000);

  t.deepEqual(
    pair.sent(b, 'keepalive', mark).map((record) => [record.fate, record.at - sentAt]),
    [['drop', KEEPALIVE_TIMEOUT_MS]],
    "B's keepalive was sent and lost",
  );
  const [initiation] = pair.sent(a, 'initiation', mark);
  const delay = initiation!.at - sentAt;
  t.true(
    delay >= KEEPALIVE_TIMEOUT_MS + REKEY_TIMEOUT_MS &&
      delay <= KEEPALIVE_TIMEOUT_MS + REKEY_TIMEOUT_MS + REKEY_TIMEOUT_JITTER_MAX_MS,
    `new handshake after ${delay} ms`,
  );
});
