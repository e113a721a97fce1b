// Only host names and addresses reach ping's argv: nothing that looks like an option or carries control characters.
import test from 'ava';
import { isHostLike } from './host-name.js';

test('host names, IPv4 and IPv6 addresses pass', (t) => {
  for (const value of ['example.com', 'example.com.', '9.9.9.9', 'router', '2001:db8::1', 'fe80::1%eth0', 'a_b.lan']) {
    t.true(isHostLike(value), value);
  }
});

test('options, spaces, shell and control characters are refused', (t) => {
  for (const value of ['', '-f', '--help', 'a b', 'a;b', '$(id)', 'a\nb', 'a\u001b[2J', '..', 'a..b', '-1.2.3.4']) {
    t.false(isHostLike(value), JSON.stringify(value));
  }
  t.false(isHostLike(`${'a'.repeat(63)}.`.repeat(5)));
});
