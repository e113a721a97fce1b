import test from 'ava';
import { DOWN_AFTER_MS, FailoverPolicy, PROBE_INTERVAL_MS, RETRY_AFTER_MS, RETRY_MAX_MS } from './failover-policy.js';

function policy() {
  let now = 1_000_000;
  const clock = {
    advance: (ms: number) => (now += ms),
  };
  return { policy: new FailoverPolicy(() => now), clock };
}

/** Advances in probe steps, answering or not, and returns the first switch the policy asks for. */
function run(p: FailoverPolicy, clock: { advance: (ms: number) => number }, ms: number, answering: boolean) {
  for (let elapsed = 0; elapsed < ms; elapsed += PROBE_INTERVAL_MS) {
    clock.advance(PROBE_INTERVAL_MS);
    if (answering) {
      p.answered();
    }
    const next = p.tick();
    if (next !== undefined) {
      return { next, after: elapsed + PROBE_INTERVAL_MS };
    }
  }
  return undefined;
}

test('the first profile by priority carries traffic, or the one chosen by hand', (t) => {
  const { policy: p } = policy();
  t.is(p.update([3, 1, 2], null), 3);
  t.is(p.update([3, 1, 2], 2), 2);
  t.is(p.update([], null), null);
});

test('a profile that keeps answering stays active', (t) => {
  const { policy: p, clock } = policy();
  p.update([1, 2], null);
  t.is(run(p, clock, 10 * 60_000, true), undefined);
  t.is(p.active, 1);
  t.deepEqual(
    p.profiles().map((profile) => profile.state),
    ['active', 'standby'],
  );
});

test('a silent server fails over to the next profile after DOWN_AFTER, well within 45 s', (t) => {
  const { policy: p, clock } = policy();
  p.update([1, 2, 3], null);
  run(p, clock, 60_000, true);
  const switched = run(p, clock, 60_000, false);
  t.is(switched?.next, 2);
  t.true(switched!.after >= DOWN_AFTER_MS && switched!.after <= DOWN_AFTER_MS + PROBE_INTERVAL_MS);
  t.is(p.active, 2);
  t.like(p.events.at(-1), { kind: 'failed_over', from: 1, to: 2 });
  t.regex(p.events.at(-1)!.reason, /no answer through the tunnel for 2\d s/);
  t.deepEqual(
    p.profiles().map((profile) => profile.state),
    ['failed', 'connecting', 'standby'],
  );
});

test('a profile that never connects counts as down DOWN_AFTER after it was activated', (t) => {
  const { policy: p, clock } = policy();
  p.update([1, 2], null);
  t.is(run(p, clock, 60_000, false)?.next, 2);
});

test('an endpoint that does not resolve fails the profile at once', (t) => {
  const { policy: p } = policy();
  p.update([1, 2], null);
  t.is(p.unusable('cannot resolve vpn.example'), 2);
  t.is(p.profiles()[0]!.reason, 'cannot resolve vpn.example');
});

test('a failed preferred profile is retried in the background and takes over again when it answers', (t) => {
  const { policy: p, clock } = policy();
  p.update([1, 2], null);
  run(p, clock, 60_000, false);
  t.is(p.active, 2);
  p.answered();
  t.deepEqual(p.dueForRetry(), []);
  clock.advance(RETRY_AFTER_MS);
  t.deepEqual(p.dueForRetry(), [1]);
  t.is(p.retried(1, false), undefined);
  // The next check waits twice as long.
  clock.advance(RETRY_AFTER_MS);
  t.deepEqual(p.dueForRetry(), []);
  clock.advance(RETRY_AFTER_MS);
  t.deepEqual(p.dueForRetry(), [1]);
  t.is(p.retried(1, true), 1);
  t.is(p.active, 1);
  t.like(p.events.at(-1), { kind: 'recovered', from: 2, to: 1 });
});

test('retries back off up to RETRY_MAX', (t) => {
  const { policy: p, clock } = policy();
  p.update([1, 2], null);
  run(p, clock, 60_000, false);
  for (let i = 0; i < 12; i++) {
    p.retried(1, false);
  }
  const health = p.profiles().find((profile) => profile.id === 1)!;
  t.is(health.retryAt! - health.failedAt!, RETRY_MAX_MS);
  clock.advance(RETRY_MAX_MS - 1);
  t.deepEqual(p.dueForRetry(), []);
});

test('a profile less preferred than the active one is not retried', (t) => {
  const { policy: p, clock } = policy();
  p.update([1, 2, 3], null);
  run(p, clock, 60_000, false); // 1 failed, 2 active
  run(p, clock, 60_000, false); // 2 failed, 3 active
  p.answered();
  t.is(p.active, 3);
  // 1 is back first: it takes over from 3, and 2 (now behind 1) is not retried any more.
  clock.advance(RETRY_AFTER_MS);
  t.deepEqual(p.dueForRetry(), [1, 2]);
  t.is(p.retried(1, true), 1);
  t.deepEqual(p.dueForRetry(), []);
});

test('when every profile has failed it keeps trying them in turn, and a single one says so', (t) => {
  const { policy: p, clock } = policy();
  p.update([1, 2], null);
  run(p, clock, 60_000, false); // 1 → 2
  t.is(run(p, clock, 60_000, false)?.next, 1, 'the one that failed longest ago');
  t.is(run(p, clock, 60_000, false)?.next, 2);
  const { policy: single, clock: singleClock } = policy();
  single.update([7], null);
  t.is(run(single, singleClock, 60_000, false), undefined);
  t.like(single.events.at(-1), { kind: 'all_failed', to: 7 });
  t.is(single.active, 7);
});

test('health carries over an update for profiles that stay, and removed ones are forgotten', (t) => {
  const { policy: p, clock } = policy();
  p.update([1, 2], null);
  run(p, clock, 60_000, false);
  t.is(p.update([1, 2], null), 2, 'a failed profile is not made active again by an unrelated change');
  t.is(p.update([2, 3], null), 2);
  t.deepEqual(
    p.profiles().map((profile) => profile.id),
    [2, 3],
  );
});

test('choosing a profile by hand makes it active at once, even one that failed', (t) => {
  const { policy: p, clock } = policy();
  p.update([1, 2], null);
  run(p, clock, 60_000, false);
  t.is(p.active, 2);
  t.is(p.update([1, 2], 1), 1, 'tried again now');
  t.is(p.profiles()[0]!.state, 'connecting');
  t.is(p.update([1, 2], 1), 1, 'the same choice sent again changes nothing');
});
