import test from 'ava';
import {
  canonicalPrefix,
  contains,
  covers,
  formatIp,
  formatIpPrefix,
  isHostOf,
  netmaskLength,
  overlaps,
  parseIp,
  parseIpPrefix,
  unmapIpv4,
} from './ip.js';

test('parses and formats IPv4 and IPv6 literals', (t) => {
  t.deepEqual(parseIp('192.0.2.1'), Uint8Array.of(192, 0, 2, 1));
  t.is(parseIp('fd00::1')?.length, 16);
  t.is(formatIp(parseIp('fd00:0:0::1')!), 'fd00::1');
  t.is(formatIp(parseIp('::ffff:192.0.2.1')!), '::ffff:192.0.2.1');
  t.is(formatIp(parseIp('::1.2.3.4')!), '::102:304', 'IPv4-compatible, not IPv4-mapped, as inet_pton reads it');
  t.deepEqual([...parseIp('1:2:3:4:5:6:1.2.3.4')!], [0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 1, 2, 3, 4]);
});

for (const bad of ['', 'example.com', '10.1', '0x0a.0.0.1', '256.0.0.1', 'fe80::1%eth0', '1.2.3.4 ', ':::1']) {
  test(`rejects the address ${JSON.stringify(bad)}`, (t) => {
    t.is(parseIp(bad), null);
  });
}

test('parses prefixes, defaulting to a host prefix', (t) => {
  t.deepEqual(parseIpPrefix('10.0.0.0/8'), { family: 4, bytes: Uint8Array.of(10, 0, 0, 0), cidr: 8 });
  t.is(parseIpPrefix('10.0.0.1')?.cidr, 32);
  t.is(parseIpPrefix('::/0')?.cidr, 0);
  t.is(parseIpPrefix('fd00::1')?.cidr, 128);
});

for (const bad of ['10.0.0.0/33', 'fd00::/129', '10.0.0.0/', '10.0.0.0/-1', '10.0.0.0/1e1', '/24', '10.0.0.0/24/1']) {
  test(`rejects the prefix ${JSON.stringify(bad)}`, (t) => {
    t.is(parseIpPrefix(bad), null);
  });
}

test('canonicalPrefix clears host bits', (t) => {
  t.is(formatIpPrefix(canonicalPrefix(parseIpPrefix('10.1.2.3/20')!)), '10.1.0.0/20');
  t.is(formatIpPrefix(canonicalPrefix(parseIpPrefix('fd00:1:2:3::9/31')!)), 'fd00::/31');
  t.is(formatIpPrefix(canonicalPrefix(parseIpPrefix('10.1.2.3/32')!)), '10.1.2.3/32');
});

// Canonical forms as wg(8) and the kernel print them (inet_ntop), from helper tables of the allowed-IPs work.
const canonicalForms: Array<[string, string]> = [
  ['10.1.2.3/8', '10.0.0.0/8'],
  ['192.168.1.7', '192.168.1.7/32'],
  ['0.0.0.0/0', '0.0.0.0/0'],
  ['255.255.255.255/32', '255.255.255.255/32'],
  ['::', '::/128'],
  ['FD00:0000:0000:0000:0000:0000:0000:0001/128', 'fd00::1/128'],
  ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1/128'],
  ['2001:0:0:1::1', '2001:0:0:1::1/128'],
  ['1:2:3:4:5:6:7::', '1:2:3:4:5:6:7:0/128'],
  ['::ffff:192.0.2.1', '::ffff:192.0.2.1/128'],
  ['64:ff9b::192.0.2.33/96', '64:ff9b::/96'],
];
for (const [text, canonical] of canonicalForms) {
  test(`${text} is canonically ${canonical}`, (t) => {
    const parsed = parseIpPrefix(text);
    t.is(parsed && formatIpPrefix(canonicalPrefix(parsed)), canonical);
  });
}

for (const bad of [
  '10.0.0',
  '10.0.0.0.0',
  '01.2.3.4',
  '1.2.3.4/08',
  ' 1.2.3.4',
  '1::2::3',
  '1:2:3:4:5:6:7:8:9',
  '12345::',
  '[::1]',
  '1.2.3.4::',
  '::1.2.3',
  'g::',
]) {
  test(`refuses ${JSON.stringify(bad)} as an address or prefix`, (t) => {
    t.is(parseIpPrefix(bad), null);
  });
}

const prefix = (text: string) => parseIpPrefix(text)!;

test('contains: same family, inside the prefix', (t) => {
  t.true(contains(prefix('100.64.8.0/24'), parseIp('100.64.8.200')!));
  t.false(contains(prefix('100.64.8.0/24'), parseIp('100.64.9.1')!));
  t.true(contains(prefix('0.0.0.0/0'), parseIp('203.0.113.1')!));
  t.false(contains(prefix('0.0.0.0/0'), parseIp('::1')!), 'never across families');
  t.true(contains(prefix('fd08::1/64'), parseIp('fd08::ffff')!), 'host bits of the prefix are ignored');
});

test('overlaps: either contains the other', (t) => {
  t.true(overlaps(prefix('10.0.0.0/8'), prefix('10.1.0.0/16')));
  t.true(overlaps(prefix('10.1.0.0/16'), prefix('10.0.0.0/8')));
  t.false(overlaps(prefix('10.0.0.0/16'), prefix('10.1.0.0/16')));
});

test('covers: the union of the prefixes includes the whole target', (t) => {
  const all6 = prefix('::/0');
  t.true(covers([prefix('::/0')], all6));
  t.true(covers([prefix('::/1'), prefix('8000::/1')], all6), 'two halves, as wg-quick users split ::/0');
  t.false(covers([prefix('::/1'), prefix('8000::/2')], all6));
  t.false(covers([prefix('0.0.0.0/0')], all6));
  t.true(covers([prefix('10.0.0.0/9'), prefix('10.128.0.0/9')], prefix('10.0.0.0/8')));
});

test('isHostOf: not the network, and for IPv4 not the broadcast address', (t) => {
  t.true(isHostOf(prefix('100.64.8.1/24')));
  t.false(isHostOf(prefix('100.64.8.0/24')));
  t.false(isHostOf(prefix('100.64.8.255/24')));
  t.true(isHostOf(prefix('fd08::ffff:ffff:ffff:ffff/64')), 'IPv6 has no broadcast');
  t.false(isHostOf(prefix('fd08::/64')));
});

test('unmapIpv4 turns ::ffff:a.b.c.d into a.b.c.d and leaves every other address alone', (t) => {
  t.deepEqual(unmapIpv4(parseIp('::ffff:192.0.2.1')!), Uint8Array.of(192, 0, 2, 1));
  t.deepEqual(unmapIpv4(parseIp('::FFFF:c000:201')!), Uint8Array.of(192, 0, 2, 1), 'in hex groups too');
  for (const other of ['192.0.2.1', '::1.2.3.4', '::fffe:c000:201', '64:ff9b::c000:201', '2001:db8::1']) {
    t.deepEqual(unmapIpv4(parseIp(other)!), parseIp(other), other);
  }
});

test('netmaskLength reads contiguous netmasks of either family and refuses the rest', (t) => {
  const length = (mask: string) => netmaskLength(parseIp(mask)!);
  t.is(length('255.255.255.0'), 24);
  t.is(length('255.255.255.255'), 32);
  t.is(length('0.0.0.0'), 0);
  t.is(length('255.255.128.0'), 17);
  t.is(length('ffff:ffff:ffff:ffff::'), 64);
  t.is(length('255.0.255.0'), null);
  t.is(length('0.255.255.255'), null);
});
