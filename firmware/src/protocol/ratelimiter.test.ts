import test from 'ava';

import { RATE_LIMIT_BURST, RATE_LIMIT_GARBAGE_COLLECT_MS } from './constants.js';
import { HandshakeRateLimiter } from './ratelimiter.js';

const a = Uint8Array.of(198, 51, 100, 1);
const b = Uint8Array.of(198, 51, 100, 2);

function allowedCount(limiter: HandshakeRateLimiter, source: Uint8Array, now: number, attempts: number): number {
  let allowed = 0;
  for (let i = 0; i < attempts; i++) {
    if (limiter.allow(source, now)) {
      allowed++;
    }
  }
  return allowed;
}

test('a new source may send a burst of 5, then nothing more at the same instant', (t) => {
  const limiter = new HandshakeRateLimiter();
  t.is(RATE_LIMIT_BURST, 5);
  t.is(allowedCount(limiter, a, 0, 20), 5);
});

// (milliseconds after the burst was spent, how many more are allowed at that instant)
const refillCases: Array<[number, number]> = [
  [49, 0],
  [50, 1],
  [99, 1],
  [100, 2],
  [250, 5],
  [10_000, 5],
];
for (const [elapsed, expected] of refillCases) {
  test(`20 per second: ${elapsed} ms after a spent burst, ${expected} more are allowed`, (t) => {
    const limiter = new HandshakeRateLimiter();
    allowedCount(limiter, a, 1_000, 5);
    t.is(allowedCount(limiter, a, 1_000 + elapsed, 10), expected);
  });
}

test('a steady 20 per second is allowed indefinitely; 40 per second is halved', (t) => {
  const steady = new HandshakeRateLimiter();
  let allowed = 0;
  for (let now = 0; now < 10_000; now += 50) {
    allowed += steady.allow(a, now) ? 1 : 0;
  }
  t.is(allowed, 200);
  const fast = new HandshakeRateLimiter();
  allowed = 0;
  for (let now = 0; now < 10_000; now += 25) {
    allowed += fast.allow(a, now) ? 1 : 0;
  }
  t.true(allowed >= 200 && allowed <= 205, `allowed ${allowed}`);
});

test('sources have separate buckets', (t) => {
  const limiter = new HandshakeRateLimiter();
  t.is(allowedCount(limiter, a, 0, 10), 5);
  t.is(allowedCount(limiter, b, 0, 10), 5);
});

test('IPv6 sources share a bucket per /64', (t) => {
  const limiter = new HandshakeRateLimiter();
  const host1 = Uint8Array.from({ length: 16 }, (_, i) => (i < 8 ? 0x20 : 1));
  const host2 = Uint8Array.from({ length: 16 }, (_, i) => (i < 8 ? 0x20 : 2));
  const otherNet = Uint8Array.from({ length: 16 }, (_, i) => (i < 7 ? 0x20 : 3));
  t.is(allowedCount(limiter, host1, 0, 3), 3);
  t.is(allowedCount(limiter, host2, 0, 10), 2);
  t.is(allowedCount(limiter, otherNet, 0, 10), 5);
});

test('idle sources are garbage collected after a second', (t) => {
  const limiter = new HandshakeRateLimiter();
  limiter.allow(a, 0);
  limiter.allow(b, 500);
  t.is(limiter.size, 2);
  limiter.allow(b, RATE_LIMIT_GARBAGE_COLLECT_MS + 1);
  t.is(limiter.size, 1, 'a was idle for more than a second; b was not');
  limiter.collectGarbage(10_000);
  t.is(limiter.size, 0);
});

test('when the table is full, new sources are refused but known ones still work', (t) => {
  const limiter = new HandshakeRateLimiter({ maxEntries: 2 });
  t.true(limiter.allow(a, 0));
  t.true(limiter.allow(b, 0));
  t.false(limiter.allow(Uint8Array.of(203, 0, 113, 9), 0));
  t.true(limiter.allow(a, 0));
});

test('a clock stepping backwards earns no tokens', (t) => {
  const limiter = new HandshakeRateLimiter();
  allowedCount(limiter, a, 10_000, 5);
  t.is(allowedCount(limiter, a, 5_000, 5), 0);
  t.is(allowedCount(limiter, a, 10_049, 5), 0);
  t.is(allowedCount(limiter, a, 10_050, 5), 1);
});

test('a source address must be 4 or 16 bytes', (t) => {
  t.throws(() => new HandshakeRateLimiter().allow(new Uint8Array(6), 0), { instanceOf: RangeError });
});
