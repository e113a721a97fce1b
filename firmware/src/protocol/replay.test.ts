import test from 'ava';

import { REJECT_AFTER_MESSAGES } from './constants.js';
import { REPLAY_WINDOW_SIZE, ReplayWindow } from './replay.js';

// The sequence of the Linux kernel's selftest (drivers/net/wireguard/selftest/counter.c), as (counter, accepted)
// steps applied to one window in order. T_LIM is one more than the window size.
const W = BigInt(REPLAY_WINDOW_SIZE);
const T_LIM = W + 1n;
const R = REJECT_AFTER_MESSAGES;

const kernelSequence: Array<[bigint, boolean]> = [
  [0n, true],
  [1n, true],
  [1n, false],
  [9n, true],
  [8n, true],
  [7n, true],
  [7n, false],
  [T_LIM, true],
  [T_LIM - 1n, true],
  [T_LIM - 1n, false],
  [T_LIM - 2n, true],
  [2n, true],
  [2n, false],
  [T_LIM + 16n, true],
  [3n, false],
  [T_LIM + 16n, false],
  [T_LIM * 4n, true],
  [T_LIM * 4n - (T_LIM - 1n), true],
  [10n, false],
  [T_LIM * 4n - T_LIM, false],
  [T_LIM * 4n - (T_LIM + 1n), false],
  [T_LIM * 4n - (T_LIM - 2n), true],
  [T_LIM * 4n + 1n - T_LIM, false],
  [0n, false],
  [R, false],
  [R - 1n, true],
  [R, false],
  [R - 1n, false],
  [R - 2n, true],
  [R + 1n, false],
  [R + 2n, false],
  [R - 2n, false],
  [R - 3n, true],
  [0n, false],
];

test('the window is at least 2000 counters (8160 with a 8192-bit ring of 32-bit blocks)', (t) => {
  t.true(REPLAY_WINDOW_SIZE >= 2000);
  t.is(REPLAY_WINDOW_SIZE, 8160);
});

test('kernel selftest sequence, step by step', (t) => {
  const window = new ReplayWindow();
  kernelSequence.forEach(([counter, accepted], step) => {
    t.is(window.acceptCounter(counter), accepted, `step ${step + 1}: counter ${counter}`);
  });
});

function run(window: ReplayWindow, counters: Iterable<number>): boolean {
  for (const counter of counters) {
    if (!window.acceptCounter(BigInt(counter))) {
      return false;
    }
  }
  return true;
}

function* ascending(from: number, to: number): Generator<number> {
  for (let i = from; i <= to; i++) {
    yield i;
  }
}

function* descending(from: number, to: number): Generator<number> {
  for (let i = from; i >= to; i--) {
    yield i;
  }
}

// The kernel selftest's bulk sequences: [counters that must all be accepted, then (counter, accepted) steps].
const bulkCases: Array<[string, () => Iterable<number>, Array<[number, boolean]>]> = [
  [
    '1..W ascending, then 0 is still inside',
    () => ascending(1, REPLAY_WINDOW_SIZE),
    [
      [0, true],
      [0, false],
    ],
  ],
  [
    '2..W+1 ascending: 1 is inside, 0 just fell out',
    () => ascending(2, REPLAY_WINDOW_SIZE + 1),
    [
      [1, true],
      [0, false],
    ],
  ],
  ['W..0 descending: all inside', () => descending(REPLAY_WINDOW_SIZE, 0), []],
  ['W+1..1 descending: 0 is outside', () => descending(REPLAY_WINDOW_SIZE + 1, 1), [[0, false]]],
  [
    'W..1 descending, then W+1 pushes 0 out',
    () => descending(REPLAY_WINDOW_SIZE, 1),
    [
      [REPLAY_WINDOW_SIZE + 1, true],
      [0, false],
    ],
  ],
  [
    'W..1 descending, then 0 before W+1',
    () => descending(REPLAY_WINDOW_SIZE, 1),
    [
      [0, true],
      [REPLAY_WINDOW_SIZE + 1, true],
    ],
  ],
];
for (const [name, accepted, steps] of bulkCases) {
  test(`kernel selftest bulk: ${name}`, (t) => {
    const window = new ReplayWindow();
    t.true(run(window, accepted()));
    for (const [counter, expected] of steps) {
      t.is(window.acceptCounter(BigInt(counter)), expected, `counter ${counter}`);
    }
  });
}

test('counters across the 2^32 boundary are tracked exactly (64-bit halves)', (t) => {
  const window = new ReplayWindow();
  const base = 2n ** 32n - 5n;
  for (let i = 0n; i < 10n; i++) {
    t.true(window.acceptCounter(base + i));
  }
  for (let i = 0n; i < 10n; i++) {
    t.false(window.acceptCounter(base + i));
  }
  t.false(window.acceptCounter(2n ** 32n - 1n), 'already seen, below the boundary');
  t.false(window.acceptCounter(2n ** 32n + 1n), 'already seen, above the boundary');
});

test('the window edge is measured exactly when it straddles 2^32', (t) => {
  const window = new ReplayWindow();
  t.true(window.acceptCounter(2n ** 32n + 10n));
  t.true(window.acceptCounter(2n ** 32n + 10n - W), 'exactly W behind, in the lower half-word range');
  t.false(window.acceptCounter(2n ** 32n + 9n - W), 'W + 1 behind');
});

test('a jump of far more than the ring clears stale bits', (t) => {
  const window = new ReplayWindow();
  t.true(window.acceptCounter(5n));
  t.true(window.acceptCounter(5n + 8192n * 3n), 'same ring slot as 5, three laps later');
  t.true(window.acceptCounter(5n + 8192n * 3n - 8192n + 64n), 'an earlier counter in the same slot, now inside');
  t.true(window.acceptCounter(2n ** 40n));
  t.false(window.acceptCounter(2n ** 40n - W - 1n));
  t.true(window.acceptCounter(2n ** 40n - W));
});

test('the half-word API and the bigint API agree', (t) => {
  const window = new ReplayWindow();
  t.true(window.accept(0xffffffff, 0));
  t.false(window.acceptCounter(0xffffffffn));
  t.true(window.accept(0, 1));
  t.false(window.acceptCounter(2n ** 64n), 'not a 64-bit counter');
  t.false(window.acceptCounter(-1n), 'not a 64-bit counter');
});

test('reset forgets everything', (t) => {
  const window = new ReplayWindow();
  t.true(window.acceptCounter(100n));
  window.reset();
  t.true(window.acceptCounter(100n));
  t.true(window.acceptCounter(0n));
});
