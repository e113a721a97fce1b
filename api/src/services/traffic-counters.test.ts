import test from 'ava';
import { type EngineCounters, readEngineCounters, TrafficCounters } from './traffic-counters.js';

const KEY_A = 'A'.repeat(43) + '=';
const KEY_B = 'B'.repeat(43) + '=';

function report(profileId: number | null, peers: Array<[string, number, number]>, enginePid: number | null = 100) {
  return {
    profileId,
    enginePid,
    peers: peers.map(([publicKey, rxBytes, txBytes]) => ({ publicKey, rxBytes, txBytes })),
  } satisfies EngineCounters;
}

test('the first report only sets the baseline; later ones add what the counters grew by', (t) => {
  const counters = new TrafficCounters();
  t.deepEqual(counters.observe(report(1, [[KEY_A, 5_000, 700]])), { rxBytes: 0, txBytes: 0 });
  t.deepEqual(counters.observe(report(1, [[KEY_A, 6_500, 900]])), { rxBytes: 1_500, txBytes: 200 });
  t.deepEqual(counters.observe(report(1, [[KEY_A, 6_500, 900]])), { rxBytes: 0, txBytes: 0 });
});

test('a counter that went down started again at zero: all of its value is new', (t) => {
  const counters = new TrafficCounters();
  counters.observe(report(1, [[KEY_A, 5_000, 700]]));
  t.deepEqual(counters.observe(report(1, [[KEY_A, 300, 40]])), { rxBytes: 300, txBytes: 40 });
  // Only one of the two went down: the peer was still replaced, both count whole.
  t.deepEqual(counters.observe(report(1, [[KEY_A, 200, 90]])), { rxBytes: 200, txBytes: 90 });
});

test('after a failover the new peer counts from zero and the old peer is not counted twice', (t) => {
  const counters = new TrafficCounters();
  counters.observe(report(1, [[KEY_A, 9_000_000, 1_000_000]]));
  // burrowd marks profile 2 active before the engine has its peers: the old peer's counter carries on.
  t.deepEqual(counters.observe(report(2, [[KEY_A, 9_000_100, 1_000_010]])), { rxBytes: 100, txBytes: 10 });
  t.deepEqual(counters.observe(report(2, [[KEY_B, 400, 50]])), { rxBytes: 400, txBytes: 50 });
  // Back to the first profile: its peer is new again, fresh from zero.
  t.deepEqual(counters.observe(report(1, [[KEY_A, 30, 20]])), { rxBytes: 30, txBytes: 20 });
});

test('another engine process means fresh counters even when they outgrew the old ones', (t) => {
  const counters = new TrafficCounters();
  counters.observe(report(1, [[KEY_A, 1_000, 100]], 100));
  t.deepEqual(counters.observe(report(1, [[KEY_A, 5_000, 600]], 200)), { rxBytes: 5_000, txBytes: 600 });
  // A report without the pid is the same engine as before.
  t.deepEqual(counters.observe(report(1, [[KEY_A, 5_100, 650]], null)), { rxBytes: 100, txBytes: 50 });
  t.deepEqual(counters.observe(report(1, [[KEY_A, 5_200, 700]], 200)), { rxBytes: 100, txBytes: 50 });
});

test('a report without peers keeps the baseline, so the same counters carry on afterwards', (t) => {
  const counters = new TrafficCounters();
  t.deepEqual(counters.observe(report(1, [])), { rxBytes: 0, txBytes: 0 });
  counters.observe(report(1, [[KEY_A, 5_000, 700]]));
  t.deepEqual(counters.observe(report(1, [])), { rxBytes: 0, txBytes: 0 });
  t.deepEqual(counters.observe(report(1, [[KEY_A, 5_010, 701]])), { rxBytes: 10, txBytes: 1 });
});

test('with no carrying profile nothing is counted, and the baseline still moves on', (t) => {
  const counters = new TrafficCounters();
  counters.observe(report(1, [[KEY_A, 1_000, 100]]));
  t.deepEqual(counters.observe(report(null, [[KEY_A, 2_000, 200]])), { rxBytes: 0, txBytes: 0 });
  t.deepEqual(counters.observe(report(1, [[KEY_A, 2_500, 250]])), { rxBytes: 500, txBytes: 50 });
});

test('a report is read for the carrying profile, the engine and its peers; an unreadable one is null', (t) => {
  const raw = {
    engine: { pid: 4242 },
    peers: [{ publicKey: KEY_A, rxBytes: 10, txBytes: 20 }],
    upstream: { activeId: 3, profiles: [{ id: 3, name: 'x', state: 'active' }], events: [] },
  };
  t.deepEqual(readEngineCounters(raw), {
    profileId: 3,
    enginePid: 4242,
    peers: [{ publicKey: KEY_A, endpoint: null, lastHandshake: null, rxBytes: 10, txBytes: 20 }],
  });
  // An active id burrowd does not list as a profile carries nothing.
  t.is(readEngineCounters({ ...raw, upstream: { ...raw.upstream, activeId: 9 } })?.profileId, null);
  t.is(readEngineCounters(null), null);
  t.is(readEngineCounters({ peers: [] }), null);
});
