import test from 'ava';
import { setImmediate as flush } from 'node:timers/promises';
import { FakeClock } from '../io/clock.fake.js';
import {
  HANDSHAKE_POLL_MS,
  HANDSHAKE_WATCH_MS,
  SETTLE_AFTER_MS,
  SettleWatch,
  type SettleTrigger,
} from './settle-watch.js';

function setup() {
  const clock = new FakeClock({ wallTime: Date.UTC(2025, 0, 1) });
  const calls: string[] = [];
  let handshakeAt: number | null = null;
  let release: (() => void) | null = null;
  const state = { slowSettled: false };
  const watch = new SettleWatch({
    clock,
    handshakeSince: (since) => Promise.resolve(handshakeAt !== null && handshakeAt >= since),
    settled: async (trigger: SettleTrigger) => {
      calls.push(`selftest ${trigger} @${clock.now()}`);
      if (state.slowSettled) {
        await new Promise<void>((resolve) => (release = resolve));
      }
    },
    handshake: (trigger: SettleTrigger) => {
      calls.push(`exit ${trigger} @${clock.now()}`);
      return Promise.resolve();
    },
    warn: (message) => calls.push(`warn ${message}`),
  });
  /** Advances in poll steps, letting each poll's promise settle. */
  const advance = async (ms: number) => {
    for (let step = 0; step < ms; step += HANDSHAKE_POLL_MS) {
      clock.advance(Math.min(HANDSHAKE_POLL_MS, ms - step));
      for (let i = 0; i < 5; i++) {
        await flush();
      }
    }
  };
  return {
    clock,
    calls,
    watch,
    advance,
    state,
    handshake: () => (handshakeAt = clock.wallTime()),
    release: () => release?.(),
  };
}

test('a handshake after the change runs the self-test at once, then the exit check; nothing runs again', async (t) => {
  const { watch, calls, advance, handshake } = setup();
  watch.changed('change');
  await advance(3_000);
  t.deepEqual(calls, [], 'nothing before the handshake');
  handshake();
  await advance(HANDSHAKE_POLL_MS);
  t.deepEqual(calls, ['selftest change @4000', 'exit change @4000']);
  await advance(SETTLE_AFTER_MS * 2);
  t.is(calls.length, 2, 'the 15 s window no longer runs it');
});

test('without a handshake the self-test runs after 15 s; a later handshake still runs the exit check', async (t) => {
  const { watch, calls, advance, handshake } = setup();
  watch.changed('failover');
  await advance(SETTLE_AFTER_MS);
  t.deepEqual(calls, [`selftest failover @${SETTLE_AFTER_MS}`]);
  await advance(10_000);
  handshake();
  await advance(HANDSHAKE_POLL_MS);
  t.deepEqual(calls, [`selftest failover @${SETTLE_AFTER_MS}`, `exit failover @${SETTLE_AFTER_MS + 11_000}`]);
});

test('a handshake from before the change does not count', async (t) => {
  const { watch, calls, advance, handshake } = setup();
  handshake();
  await advance(2_000);
  watch.changed('change');
  await advance(SETTLE_AFTER_MS - HANDSHAKE_POLL_MS);
  t.deepEqual(calls, []);
  await advance(HANDSHAKE_POLL_MS);
  t.deepEqual(calls, [`selftest change @${2_000 + SETTLE_AFTER_MS}`]);
});

test('a burst of changes is one run after the last; a failover in it names the run', async (t) => {
  const { watch, calls, advance } = setup();
  watch.changed('failover');
  await advance(5_000);
  watch.changed('change');
  await advance(5_000);
  watch.changed('change');
  await advance(SETTLE_AFTER_MS);
  t.deepEqual(calls, [`selftest failover @${10_000 + SETTLE_AFTER_MS}`]);
});

test('never two self-tests at once: one due while another runs waits, and several waiting are one', async (t) => {
  const { watch, calls, advance, state, release } = setup();
  state.slowSettled = true;
  watch.changed('change');
  await advance(SETTLE_AFTER_MS);
  t.is(calls.length, 1);
  watch.changed('failover');
  await advance(SETTLE_AFTER_MS);
  watch.changed('change');
  await advance(SETTLE_AFTER_MS);
  t.is(calls.length, 1, 'the first still runs: the others wait');
  state.slowSettled = false;
  release();
  await watch.idle();
  t.deepEqual(calls, [`selftest change @${SETTLE_AFTER_MS}`, `selftest change @${3 * SETTLE_AFTER_MS}`]);
});

test('the watch for a first handshake ends after a while; stop() ends everything', async (t) => {
  const { watch, calls, advance, handshake, clock } = setup();
  watch.changed('change');
  await advance(HANDSHAKE_WATCH_MS + HANDSHAKE_POLL_MS);
  handshake();
  await advance(5_000);
  t.deepEqual(calls, [`selftest change @${SETTLE_AFTER_MS}`], 'no exit check after the watch ended');
  t.is(clock.pendingTimers, 0);
  watch.changed('change');
  watch.stop();
  await advance(SETTLE_AFTER_MS);
  t.is(calls.length, 1);
  t.is(clock.pendingTimers, 0);
});

test('a handshake that completed while the change was still being applied counts: the exit check runs', async (t) => {
  const { watch, calls, advance, handshake, clock } = setup();
  const applyStarted = clock.wallTime();
  await advance(2_000);
  handshake();
  await advance(1_000);
  // The apply finishes and tells the watch only now, with the time it began.
  watch.changed('failover', applyStarted);
  await advance(HANDSHAKE_POLL_MS);
  t.deepEqual(calls, ['selftest failover @4000', 'exit failover @4000']);
});
