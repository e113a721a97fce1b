import test from 'ava';
import { type EventReport, type GatewayReport } from './gateway-report.js';
import { NOTHING_SEEN, readSelfTestStatus, selfTestEvents, tunnelEvents } from './report-events.js';

const NOW = new Date('2025-06-01T12:00:00Z');

const gateway = (state: 'active' | 'connecting', events: EventReport[] = []): GatewayReport => ({
  peers: [],
  activeId: 2,
  profiles: [
    { id: 1, name: 'A', state: 'failed', reason: 'silent', failedAt: 1, retryAt: 2 },
    { id: 2, name: 'B', state, reason: null, failedAt: null, retryAt: null },
  ],
  events,
});

const switched = (at: number, kind: EventReport['kind'], from: number | null, to: number | null): EventReport => ({
  at,
  kind,
  from,
  to,
  reason: 'because',
});

test('each switch is one event, with the profile names', (t) => {
  const fresh = [switched(1, 'failed_over', 1, 2), switched(2, 'recovered', 2, 1), switched(3, 'activated', 1, 2)];
  const { events, memory } = tunnelEvents(fresh, gateway('active'), NOTHING_SEEN, NOW);
  t.deepEqual(
    events.map(({ kind, severity, details }) => ({ kind, severity, details })),
    [
      { kind: 'tunnel.failover', severity: 'warning', details: { from: 'A', to: 'B', reason: 'because' } },
      { kind: 'tunnel.recovered', severity: 'info', details: { from: 'B', to: 'A', reason: 'because' } },
    ],
  );
  t.deepEqual(events[0]!.at, new Date(1));
  t.false(memory.tunnelDown);
});

test('all failed is told once while nothing answers, and the tunnel coming back is told once', (t) => {
  const first = tunnelEvents([switched(1, 'all_failed', 2, 2)], gateway('connecting'), NOTHING_SEEN, NOW);
  t.deepEqual(
    first.events.map((event) => event.kind),
    ['tunnel.down'],
  );
  t.true(first.memory.tunnelDown);
  const again = tunnelEvents([switched(2, 'all_failed', 2, 2)], gateway('connecting'), first.memory, NOW);
  t.deepEqual(again.events, []);
  const back = tunnelEvents([], gateway('active'), again.memory, NOW);
  t.deepEqual(
    back.events.map((event) => [event.kind, event.at]),
    [['tunnel.recovered', NOW]],
  );
  t.false(back.memory.tunnelDown);
  t.deepEqual(tunnelEvents([], gateway('active'), back.memory, NOW).events, []);
});

test("burrowd's self-test: a new failing result is told, an old one is not, passing is told only after a failure", (t) => {
  const result = (at: number, pass: boolean) =>
    readSelfTestStatus({
      selftest: { at, trigger: 'change', pass, checks: [{ name: 'dns', pass, details: pass ? 'ok' : 'no answer' }] },
    });
  t.is(readSelfTestStatus({}), null);
  t.is(readSelfTestStatus({ selftest: null }), null);
  t.is(readSelfTestStatus({ selftest: { at: 'soon', pass: false, checks: [] } }), null);
  t.deepEqual(selfTestEvents(result(1, true), NOTHING_SEEN).events, [], 'a pass with nothing before is no news');
  const failed = selfTestEvents(result(2, false), NOTHING_SEEN);
  t.like(failed.events[0], {
    kind: 'selftest.failed',
    details: { failed: 'dns', why: 'no answer', trigger: 'change' },
  });
  t.deepEqual(selfTestEvents(result(2, false), failed.memory).events, [], 'the same result again');
  const passed = selfTestEvents(result(3, true), failed.memory);
  t.like(passed.events[0], { kind: 'selftest.passed', severity: 'info' });
  t.deepEqual(selfTestEvents(result(4, true), passed.memory).events, []);
});

test('a box without a tunnel profile is told nothing of its self-test, which fails there by design', (t) => {
  const failing = readSelfTestStatus({
    selftest: { at: 5, trigger: 'change', pass: false, checks: [{ name: 'handshake', pass: false, details: 'none' }] },
  });
  const quiet = selfTestEvents(failing, NOTHING_SEEN, false);
  t.deepEqual(quiet.events, []);
  t.false(quiet.memory.selfTestFailing, 'so the first pass with a tunnel is no "passes again"');
  t.deepEqual(
    selfTestEvents(failing, NOTHING_SEEN, true).events.map((event) => event.kind),
    ['selftest.failed'],
  );
});
