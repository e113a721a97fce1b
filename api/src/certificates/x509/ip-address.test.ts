import test from 'ava';
import { compareIp, formatCidr, formatIp, inRange, parseCidr, parseIp } from './ip-address.js';

const text = (input: string) => {
  const address = parseIp(input);
  return address ? formatIp(address) : null;
};

test('addresses come out in one canonical spelling', (t) => {
  t.is(text('192.168.1.1'), '192.168.1.1');
  t.is(text('FD00:0:0:0:0:0:0:1'), 'fd00::1');
  t.is(text('2001:db8:0:0:1:0:0:1'), '2001:db8::1:0:0:1', 'the first of two equal zero runs is shortened');
  t.is(text('2001:db8:0:1:1:1:1:1'), '2001:db8:0:1:1:1:1:1', 'a single zero group stays');
  t.is(text('::'), '::');
  t.is(text('::1'), '::1');
  t.is(text('fe80::1%eth0'), 'fe80::1', 'the zone is dropped');
});

test('IPv4-mapped IPv6 is IPv4, an embedded IPv4 tail elsewhere is not', (t) => {
  t.deepEqual(parseIp('::ffff:10.0.0.1'), { family: 4, bytes: Uint8Array.from([10, 0, 0, 1]) });
  t.is(text('::ffff:a00:1'), '10.0.0.1');
  t.is(text('64:ff9b::10.0.0.1'), '64:ff9b::a00:1');
});

test('anything that is not an address is null', (t) => {
  for (const bad of ['', 'burrow.lan', '256.1.1.1', '1.2.3', '1::2::3', '10.0.0.1/8', '01.2.3.4x']) {
    t.is(parseIp(bad), null, bad);
  }
});

test('CIDR ranges: host bits are cleared, prefixes beyond the family are refused', (t) => {
  t.is(formatCidr(parseCidr('192.168.7.9/16')!), '192.168.0.0/16');
  t.is(formatCidr(parseCidr('FE80::1/10')!), 'fe80::/10');
  t.is(parseCidr('10.0.0.0/33'), null);
  t.is(parseCidr('10.0.0.0'), null);
  t.is(parseCidr('10.0.0.0/8/8'), null);
  t.is(parseCidr('::/129'), null);
  t.is(parseCidr('::/-1'), null);
});

test('range membership respects the prefix bit by bit and never crosses families', (t) => {
  const cgnat = parseCidr('100.64.0.0/10')!;
  t.true(inRange(parseIp('100.127.255.255')!, cgnat));
  t.false(inRange(parseIp('100.128.0.0')!, cgnat));
  t.false(inRange(parseIp('100.63.255.255')!, cgnat));
  t.true(inRange(parseIp('fdff::1')!, parseCidr('fc00::/7')!));
  t.false(inRange(parseIp('fe00::1')!, parseCidr('fc00::/7')!));
  t.false(inRange(parseIp('::ffff:10.0.0.1')!, parseCidr('::/0')!), 'a mapped address is IPv4');
  t.true(inRange(parseIp('::ffff:10.0.0.1')!, parseCidr('10.0.0.0/8')!));
});

test('ordering: IPv4 before IPv6, then numerically', (t) => {
  const sorted = ['fd00::2', '10.0.0.10', '::1', '10.0.0.9', '9.0.0.0'].map((a) => parseIp(a)!).sort(compareIp);
  t.deepEqual(sorted.map(formatIp), ['9.0.0.0', '10.0.0.9', '10.0.0.10', '::1', 'fd00::2']);
});
