import test from 'ava';

import { compareTai64n, decodeTai64n, encodeTai64n, isAfter, tai64nNow } from './tai64n.js';

const toHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

test('encodes the TAI64 label (2^62 + 10 + Unix seconds) and big-endian nanoseconds', (t) => {
  // 1700000000.5 s: seconds label 0x400000006553f10a; 500 000 000 ns whitened to 0x1d000000.
  t.is(toHex(encodeTai64n(1_700_000_000_500)), '400000006553f10a1d000000');
  t.is(toHex(encodeTai64n(1_700_000_000_500, { whiten: false })), '400000006553f10a1dcd6500');
  t.is(toHex(encodeTai64n(0, { whiten: false })), '400000000000000a00000000');
});

test('decodes back to Unix seconds and nanoseconds', (t) => {
  t.deepEqual(decodeTai64n(encodeTai64n(1_234_567_890_123, { whiten: false })), {
    unixSeconds: 1_234_567_890n,
    nanoseconds: 123_000_000,
  });
});

test('whitening clears the low 24 bits of the nanoseconds only', (t) => {
  for (const ms of [1_700_000_000_000, 1_700_000_000_017, 1_700_000_000_999]) {
    const { nanoseconds, unixSeconds } = decodeTai64n(encodeTai64n(ms));
    t.is(nanoseconds & 0xffffff, 0);
    t.is(unixSeconds, BigInt(Math.floor(ms / 1000)));
    t.true(nanoseconds <= (ms % 1000) * 1_000_000);
    t.true((ms % 1000) * 1_000_000 - nanoseconds < 0x1000000);
  }
});

const orderCases: Array<[string, number, number, boolean]> = [
  ['one second later', 1_700_000_001_000, 1_700_000_000_000, true],
  ['the same time', 1_700_000_000_000, 1_700_000_000_000, false],
  ['earlier', 1_699_999_999_000, 1_700_000_000_000, false],
  ['20 ms later (beyond the whitening grid)', 1_700_000_000_040, 1_700_000_000_020, true],
  ['5 ms later within one whitening step', 1_700_000_000_005, 1_700_000_000_000, false],
  ['across a second boundary', 1_700_000_001_000, 1_700_000_000_999, true],
];
for (const [name, candidate, previous, after] of orderCases) {
  test(`isAfter: ${name}`, (t) => {
    t.is(isAfter(encodeTai64n(candidate), encodeTai64n(previous)), after);
  });
}

test('compareTai64n orders a list like the clock', (t) => {
  const times = [5_000, 1_000, 3_000_000, 1_001, 999_999_999_999];
  const stamps = times.map((ms) => encodeTai64n(ms, { whiten: false }));
  const sorted = [...stamps]
    .sort(compareTai64n)
    .map((s) => Number(decodeTai64n(s).unixSeconds) * 1000 + decodeTai64n(s).nanoseconds / 1e6);
  t.deepEqual(
    sorted,
    [...times].sort((a, b) => a - b),
  );
});

test('any timestamp is after the all-zero initial value', (t) => {
  t.true(isAfter(encodeTai64n(0), new Uint8Array(12)));
});

test('tai64nNow reads the injected clock’s wall time', (t) => {
  const clock = { now: () => 42, wallTime: () => 1_700_000_000_500 };
  t.is(toHex(tai64nNow(clock)), '400000006553f10a1d000000');
});

test('refuses times before the epoch or not finite', (t) => {
  t.throws(() => encodeTai64n(-1), { instanceOf: RangeError });
  t.throws(() => encodeTai64n(Number.NaN), { instanceOf: RangeError });
});
