// Fuzzing the receive path: a million hostile datagrams into a configured Device through its bind. Nothing may
// throw, nothing forged may reach the TUN, the tables stay bounded, and the real peer keeps working throughout
// and afterwards. The seed is in the test title: BURROW_FUZZ_SEED=<seed> replays the same datagrams
// (BURROW_FUZZ_MESSAGES=<n> changes how many).
import { randomInt } from 'node:crypto';
import test from 'ava';
import { REJECT_AFTER_TIME_MS } from '../protocol/constants.js';
import { awaitPackets, fuzzReceivePath, pairWithCapturedMessages } from './testing/fuzz-harness.js';
import { udpText } from './testing/ip-packets.js';

const seed =
  process.env['BURROW_FUZZ_SEED'] === undefined ? randomInt(2 ** 32) : Number(process.env['BURROW_FUZZ_SEED']);
const MESSAGES = Number(process.env['BURROW_FUZZ_MESSAGES'] ?? 1_000_000);

test(`${MESSAGES} hostile datagrams into the receive path (seed ${seed})`, async (t) => {
  const { pair, toB } = await pairWithCapturedMessages();
  t.teardown(() => pair.close());
  const { a, b } = pair;

  const started = performance.now();
  const report = await fuzzReceivePath(pair, toB, { seed, messages: MESSAGES });
  const seconds = (performance.now() - started) / 1000;
  t.log(`seed ${seed}: ${report.messages} messages in ${seconds.toFixed(1)} s`);
  t.log('by kind', report.counts);
  t.log('dropped by B', report.drops);
  t.log('largest tables', report.largest, 'replies to the attacker', report.repliesToAttacker);
  t.log(`heap in use afterwards: ${Math.round(process.memoryUsage().heapUsed / 2 ** 20)} MiB`);

  t.is(report.drops['internal'], 0);
  t.is(report.dropped, MESSAGES, 'every hostile datagram was dropped, and counted once');
  t.deepEqual(
    Object.keys(report.repliesToAttacker).filter((kind) => kind !== 'cookie-reply'),
    [],
    'only cookies',
  );
  t.true(report.legitimateDelivered > 0);
  t.deepEqual(b.log.warnings, []);
  t.is(pair.peerSnapshot(b).endpoint?.toString(), a.bind.endpoint.toString(), 'the endpoint never moved');

  // Afterwards a fresh handshake (the old sessions have expired) and data both ways.
  pair.advance(REJECT_AFTER_TIME_MS + 1_000, 100);
  const handshakeBefore = pair.peerSnapshot(b).lastHandshakeUnixMs;
  pair.send(a, pair.packet(a, b, 'after the storm'));
  t.deepEqual(awaitPackets(pair, b, 1, 30_000).map(udpText), ['after the storm']);
  pair.send(b, pair.packet(b, a, 'all quiet'));
  t.deepEqual(pair.received(a).map(udpText), ['all quiet']);
  t.true(pair.peerSnapshot(b).lastHandshakeUnixMs > handshakeBefore, 'a new handshake completed');
});
