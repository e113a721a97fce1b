import test from 'ava';

import { formatIp, maskAddress, parseIpPrefix } from '../net/ip.js';
import { type AllowedIp, AllowedIps } from './allowed-ips.js';

const formatAllowedIp = (entry: AllowedIp): string => `${formatIp(entry.address)}/${entry.cidr}`;

interface Peer {
  readonly name: string;
}
const peers: Record<string, Peer> = Object.fromEntries(
  ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'].map((name) => [name, { name }]),
);
const peer = (name: string): Peer => peers[name] as Peer;

function prefix(text: string): { address: Uint8Array; cidr: number } {
  const parsed = parseIpPrefix(text);
  if (parsed === null) {
    throw new Error(`not a prefix: ${text}`);
  }
  return { address: maskAddress(parsed.bytes, parsed.cidr), cidr: parsed.cidr };
}

/** The table as wg would build it from "peer prefix" lines; `raw` keeps host bits to test canonicalisation. */
function table(lines: Array<[string, string]>): AllowedIps<Peer> {
  const allowed = new AllowedIps<Peer>();
  for (const [name, text] of lines) {
    const [addressText, cidrText] = text.split('/') as [string, string];
    allowed.insert(prefix(addressText).address, Number(cidrText), peer(name));
  }
  return allowed;
}

function owner(allowed: AllowedIps<Peer>, address: string): string | undefined {
  return allowed.lookup(prefix(address).address)?.name;
}

// In the spirit of wireguard-go's allowedips tests: nested, adjacent and overlapping prefixes with host bits set.
const ipv4Table: Array<[string, string]> = [
  ['a', '192.168.4.0/24'],
  ['b', '192.168.4.4/32'],
  ['c', '192.168.0.0/16'],
  ['d', '192.95.5.64/27'],
  ['c', '192.95.5.65/27'], // same prefix after canonicalisation: moves from d to c
  ['e', '0.0.0.0/0'],
  ['g', '64.15.112.0/20'],
  ['h', '64.15.123.211/25'],
  ['a', '10.0.0.0/25'],
  ['b', '10.0.0.128/25'],
  ['a', '10.1.0.0/30'],
  ['b', '10.1.0.4/30'],
  ['c', '10.1.0.8/29'],
  ['d', '10.1.0.16/29'],
];
const ipv4Lookups: Array<[string, string | undefined]> = [
  ['192.168.4.20', 'a'],
  ['192.168.4.0', 'a'],
  ['192.168.4.4', 'b'],
  ['192.168.4.5', 'a'],
  ['192.168.200.182', 'c'],
  ['192.95.5.68', 'c'],
  ['192.95.5.96', 'e'],
  ['64.15.116.26', 'g'],
  ['64.15.127.3', 'g'],
  ['64.15.123.128', 'h'],
  ['64.15.123.1', 'g'], // below 64.15.123.128/25, the canonical form of h's prefix
  ['10.0.0.20', 'a'],
  ['10.0.0.129', 'b'],
  ['10.1.0.2', 'a'],
  ['10.1.0.6', 'b'],
  ['10.1.0.10', 'c'],
  ['10.1.0.20', 'd'],
  ['10.1.0.24', 'e'],
  ['8.8.8.8', 'e'],
];
for (const [address, expected] of ipv4Lookups) {
  test(`IPv4 longest prefix: ${address} → ${expected ?? 'nobody'}`, (t) => {
    t.is(owner(table(ipv4Table), address), expected);
  });
}

const ipv6Table: Array<[string, string]> = [
  ['d', '2607:5300:60:6b0::c05f:543/128'],
  ['c', '2607:5300:60:6b0::/64'],
  ['e', '::/0'],
  ['f', '::/0'], // replaces e
  ['g', '2404:6800::/32'],
  ['h', '2404:6800:4004:800:dead:beef:dead:beef/64'],
  ['a', '2404:6800:4004:800:dead:beef:dead:beef/128'],
  ['c', '2444:6800:40e4:800:deae:beef:def:beef/128'],
  ['b', '2444:6800:f0e4:800:eeae:beef:0:0/98'],
];
const ipv6Lookups: Array<[string, string | undefined]> = [
  ['2607:5300:60:6b0::c05f:543', 'd'],
  ['2607:5300:60:6b0::c02e:1ee', 'c'],
  ['2607:5300:60:6b1::1', 'f'],
  ['2404:6800:4004:806::1006', 'g'],
  ['2404:6800:4004:800:dead:beef:dead:beef', 'a'],
  ['2404:6800:4004:800:dead:beef:dead:beee', 'h'],
  ['2404:6800:4004:800::1', 'h'],
  ['2444:6800:40e4:800:deae:beef:def:beef', 'c'],
  ['2444:6800:40e4:800:deae:beef:def:beee', 'f'],
  ['2444:6800:f0e4:800:eeae:beef:0:0', 'b'],
  ['2444:6800:f0e4:800:eeae:beef:3fff:1', 'b'],
  ['2444:6800:f0e4:800:eeae:beef:4000:0', 'f'],
];
for (const [address, expected] of ipv6Lookups) {
  test(`IPv6 longest prefix: ${address} → ${expected ?? 'nobody'}`, (t) => {
    t.is(owner(table(ipv6Table), address), expected);
  });
}

test('IPv4 and IPv6 tables are separate: ::/0 does not match IPv4, 0.0.0.0/0 does not match IPv6', (t) => {
  const v6only = table([['a', '::/0']]);
  t.is(owner(v6only, '1.2.3.4'), undefined);
  t.is(owner(v6only, '::ffff:1.2.3.4'), 'a');
  const v4only = table([['a', '0.0.0.0/0']]);
  t.is(owner(v4only, '::1'), undefined);
});

test('an empty table routes nothing; lookups of odd lengths or short packets find nothing', (t) => {
  const empty = new AllowedIps<Peer>();
  t.is(owner(empty, '10.0.0.1'), undefined);
  const allowed = table([['a', '0.0.0.0/0']]);
  t.is(allowed.lookup(new Uint8Array(5)), undefined);
  t.is(allowed.lookupV4(new Uint8Array(10), 8), undefined);
});

test('lookupV4/lookupV6 read the address inside a packet without copying', (t) => {
  const allowed = table([
    ['a', '10.0.0.0/8'],
    ['b', 'fd00::/8'],
  ]);
  const ipv4Header = new Uint8Array(20);
  ipv4Header.set([10, 1, 2, 3], 16); // destination address
  t.is(allowed.lookupV4(ipv4Header, 16)?.name, 'a');
  const ipv6Header = new Uint8Array(40);
  ipv6Header[24] = 0xfd;
  t.is(allowed.lookupV6(ipv6Header, 24)?.name, 'b');
});

test('inserting the same prefix for another peer moves it; listing shows canonical prefixes in insertion order', (t) => {
  const allowed = table([
    ['a', '10.0.0.1/24'],
    ['a', '172.16.5.5/12'],
    ['a', 'fd00::1234/64'],
    ['b', '10.0.0.99/24'],
  ]);
  t.is(owner(allowed, '10.0.0.7'), 'b');
  t.deepEqual(allowed.entriesOf(peer('a')).map(formatAllowedIp), ['172.16.0.0/12', 'fd00::/64']);
  t.deepEqual(allowed.entriesOf(peer('b')).map(formatAllowedIp), ['10.0.0.0/24']);
  t.is(allowed.size, 3);
});

test('re-inserting a prefix for the same peer keeps one entry', (t) => {
  const allowed = table([
    ['a', '10.0.0.0/8'],
    ['a', '10.1.2.3/8'],
  ]);
  t.deepEqual(allowed.entriesOf(peer('a')).map(formatAllowedIp), ['10.0.0.0/8']);
});

test('removing a peer removes all its prefixes and keeps the others routable', (t) => {
  const allowed = table([
    ['a', '1.0.0.0/32'],
    ['a', '64.0.0.0/32'],
    ['a', '128.0.0.0/32'],
    ['a', '192.0.0.0/32'],
    ['a', '255.0.0.0/32'],
    ['b', '192.0.0.0/8'],
    ['a', '192.168.0.0/16'],
    ['a', '192.168.0.0/24'],
  ]);
  for (const address of ['1.0.0.0', '64.0.0.0', '128.0.0.0', '192.0.0.0', '255.0.0.0', '192.168.0.1']) {
    t.is(owner(allowed, address), 'a', address);
  }
  allowed.removePeer(peer('a'));
  for (const address of ['1.0.0.0', '64.0.0.0', '128.0.0.0', '255.0.0.0']) {
    t.is(owner(allowed, address), undefined, address);
  }
  t.is(owner(allowed, '192.168.0.1'), 'b');
  t.is(owner(allowed, '192.0.0.0'), 'b');
  t.deepEqual(allowed.entriesOf(peer('a')), []);
  t.is(allowed.size, 1);
});

test('remove deletes one prefix only if it belongs to that peer', (t) => {
  const allowed = table([
    ['a', '10.0.0.0/8'],
    ['b', '10.1.0.0/16'],
  ]);
  t.false(allowed.remove(prefix('10.1.0.0/16').address, 16, peer('a')));
  t.false(allowed.remove(prefix('10.2.0.0/16').address, 16, peer('a')), 'no such prefix');
  t.is(owner(allowed, '10.1.2.3'), 'b');
  t.true(allowed.remove(prefix('10.1.0.0/16').address, 16, peer('b')));
  t.is(owner(allowed, '10.1.2.3'), 'a');
  t.true(allowed.remove(Uint8Array.of(10, 9, 9, 9), 8, peer('a')), 'host bits are ignored, as on insert');
  t.is(owner(allowed, '10.1.2.3'), undefined);
  t.is(allowed.size, 0);
});

test('canonicalPrefix clears exactly the host bits', (t) => {
  const cases: Array<[string, number, string]> = [
    ['192.168.4.4', 24, '192.168.4.0'],
    ['64.15.123.211', 25, '64.15.123.128'],
    ['255.255.255.255', 0, '0.0.0.0'],
    ['255.255.255.255', 1, '128.0.0.0'],
    ['255.255.255.255', 31, '255.255.255.254'],
    ['255.255.255.255', 32, '255.255.255.255'],
    ['2404:6800:4004:800:dead:beef:dead:beef', 64, '2404:6800:4004:800::'],
    ['2444:6800:f0e4:800:eeae:beef:ffff:ffff', 98, '2444:6800:f0e4:800:eeae:beef:c000:0'],
  ];
  for (const [address, cidr, expected] of cases) {
    t.is(formatIp(maskAddress(prefix(address).address, cidr)), expected, `${address}/${cidr}`);
  }
});

test('bad prefixes are programming errors', (t) => {
  const allowed = new AllowedIps<Peer>();
  t.throws(() => allowed.insert(new Uint8Array(5), 8, peer('a')), { instanceOf: RangeError });
  t.throws(() => allowed.insert(new Uint8Array(4), 33, peer('a')), { instanceOf: RangeError });
  t.throws(() => allowed.insert(new Uint8Array(16), -1, peer('a')), { instanceOf: RangeError });
});

// A deterministic generator, so a failure reproduces.
function xorshift(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>>= 0);
  };
}

/** Longest-prefix match by brute force: the specification the trie must agree with. */
function reference(
  entries: Map<string, { address: Uint8Array; cidr: number; peer: Peer }>,
  address: Uint8Array,
): Peer | undefined {
  let best: { cidr: number; peer: Peer } | undefined;
  for (const entry of entries.values()) {
    if (entry.address.length !== address.length) {
      continue;
    }
    const masked = maskAddress(address, entry.cidr);
    if (Buffer.compare(masked, entry.address) === 0 && (best === undefined || entry.cidr > best.cidr)) {
      best = entry;
    }
  }
  return best?.peer;
}

for (const family of [4, 16] as const) {
  test(`random inserts, removals and peer removals agree with brute force (IPv${family === 4 ? 4 : 6})`, (t) => {
    const random = xorshift(family * 7919);
    const allowed = new AllowedIps<Peer>();
    const entries = new Map<string, { address: Uint8Array; cidr: number; peer: Peer }>();
    const names = Object.keys(peers);
    // Addresses cluster under a few prefixes so that prefixes nest and collide often.
    const randomAddress = (): Uint8Array => {
      const bytes = Uint8Array.from({ length: family }, () => random() & 0xff);
      bytes[0] = [10, 172, 192][random() % 3] as number;
      return bytes;
    };
    for (let round = 0; round < 3000; round++) {
      const choice = random() % 10;
      if (choice < 6) {
        const address = randomAddress();
        const cidr = random() % (family * 8 + 1);
        const owner = peer(names[random() % names.length] as string);
        allowed.insert(address, cidr, owner);
        const key = maskAddress(address, cidr);
        entries.set(`${Buffer.from(key).toString('hex')}/${cidr}`, { address: key, cidr, peer: owner });
      } else if (choice < 9 && entries.size > 0) {
        const keys = [...entries.keys()];
        const key = keys[random() % keys.length] as string;
        const entry = entries.get(key) as { address: Uint8Array; cidr: number; peer: Peer };
        t.true(allowed.remove(entry.address, entry.cidr, entry.peer));
        entries.delete(key);
      } else {
        const victim = peer(names[random() % names.length] as string);
        allowed.removePeer(victim);
        for (const [key, entry] of entries) {
          if (entry.peer === victim) {
            entries.delete(key);
          }
        }
      }
      for (let probe = 0; probe < 8; probe++) {
        const address = randomAddress();
        if (allowed.lookup(address) !== reference(entries, address)) {
          t.fail(`round ${round}: lookup of ${formatIp(address)} disagrees`);
          return;
        }
      }
    }
    t.is(allowed.size, entries.size);
    for (const name of names) {
      const expected = [...entries.values()]
        .filter((entry) => entry.peer === peer(name))
        .map(formatAllowedIp)
        .sort();
      t.deepEqual(allowed.entriesOf(peer(name)).map(formatAllowedIp).sort(), expected);
    }
  });
}
