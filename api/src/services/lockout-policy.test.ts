import test from 'ava';
import {
  ADDRESS_LOCKOUT,
  addressKey,
  DEVICE_LOCKOUT,
  lockDelayMs,
  lockSchedule,
  USERNAME_LOCKOUT,
} from './lockout-policy.js';

const MINUTE = 60_000;

test('a user name is not locked before the 5th failure, then for growing delays up to an hour', (t) => {
  const delays = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 50].map((n) => lockDelayMs(n, USERNAME_LOCKOUT) / MINUTE);
  t.deepEqual(delays, [0, 0, 0, 0, 1, 2, 4, 8, 16, 32, 60, 60, 60]);
});

test('an address gets more tries than a name before it is locked', (t) => {
  t.true(ADDRESS_LOCKOUT.threshold > USERNAME_LOCKOUT.threshold);
  t.is(lockDelayMs(ADDRESS_LOCKOUT.threshold - 1, ADDRESS_LOCKOUT), 0);
  t.is(lockDelayMs(ADDRESS_LOCKOUT.threshold, ADDRESS_LOCKOUT), MINUTE);
});

test('the window is 15 minutes', (t) => {
  t.is(USERNAME_LOCKOUT.windowMs, 15 * MINUTE);
});

test('the schedule the database applies lists each lock length until the maximum', (t) => {
  t.deepEqual(
    lockSchedule(USERNAME_LOCKOUT).map((delay) => delay / MINUTE),
    [1, 2, 4, 8, 16, 32, 60],
  );
});

test('a huge count does not overflow the delay', (t) => {
  t.is(lockDelayMs(1_000_000, USERNAME_LOCKOUT), 60 * MINUTE);
});

test('IPv4 addresses count alone; IPv6 addresses count per /64', (t) => {
  t.is(addressKey('192.168.1.20'), '192.168.1.20');
  t.is(addressKey('2001:db8:1:2:aaaa::1'), '2001:db8:1:2::/64');
  t.is(addressKey('2001:0db8:0001:0002:ffff:0:0:9'), '2001:db8:1:2::/64');
  t.is(addressKey('::1'), '0:0:0:0::/64');
  t.is(addressKey('fe80::1'), 'fe80:0:0:0::/64');
});

test('an IPv6 address with a dotted IPv4 tail still counts per /64', (t) => {
  t.is(addressKey('1:2:3:4:5:6:1.2.3.4'), '1:2:3:4::/64');
  t.is(addressKey('2001:db8:1:2::10.0.0.1'), '2001:db8:1:2::/64');
});

test('an IPv4-mapped address counts as its IPv4 client; what is not an address counts as written', (t) => {
  t.is(addressKey('::ffff:192.168.1.20'), '192.168.1.20');
  t.is(addressKey('::ffff:c0a8:114'), '192.168.1.20');
  t.is(addressKey('not:an:address'), 'not:an:address');
  t.is(addressKey('unknown'), 'unknown');
});

test('a known device gets its own, larger allowance than a name', (t) => {
  t.true(DEVICE_LOCKOUT.threshold > USERNAME_LOCKOUT.threshold);
  t.is(lockDelayMs(DEVICE_LOCKOUT.threshold - 1, DEVICE_LOCKOUT), 0);
  t.is(lockDelayMs(DEVICE_LOCKOUT.threshold, DEVICE_LOCKOUT), MINUTE);
});
