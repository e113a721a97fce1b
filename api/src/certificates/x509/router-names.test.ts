import test from 'ava';
import {
  authorityConstraints,
  dnsInSubtree,
  hostnameLabel,
  isBuiltInName,
  routerNames,
  splitByConstraints,
} from './router-names.js';

test('the names come from the hostname label, in the lan domain, plus the fixed ones', (t) => {
  t.deepEqual(routerNames('Burrow', []).dns, ['burrow.lan', 'localhost']);
  t.deepEqual(routerNames('den-router.example.com', []).dns, ['den-router.lan', 'burrow.lan', 'localhost']);
});

test('a hostname that is not a valid DNS label adds no names', (t) => {
  for (const bad of ['', '-router', 'router-', 'under_score', 'a'.repeat(64), 'ünï', '.lan']) {
    t.is(hostnameLabel(bad), null, bad);
    t.deepEqual(routerNames(bad, []).dns, ['burrow.lan', 'localhost'], bad);
  }
  t.is(hostnameLabel('a'.repeat(63)), 'a'.repeat(63));
});

test('addresses: deduplicated, normalised, link-local and non-addresses dropped, IPv4 first then numeric', (t) => {
  const names = routerNames('burrow', [
    'fd00::1',
    '192.168.1.1',
    '::ffff:192.168.1.1',
    'FD00:0::1',
    'fe80::1%br-lan',
    'febf::1',
    '169.254.3.4',
    '10.0.0.2',
    '0.0.0.0',
    '::',
    'not an address',
    '203.0.113.9',
    '127.0.0.1',
    '::1',
  ]);
  t.deepEqual(names.ips, ['10.0.0.2', '127.0.0.1', '192.168.1.1', '203.0.113.9', '::1', 'fd00::1']);
});

test("the CA is constrained to the router's own names and the private ranges, never a bare label", (t) => {
  t.deepEqual(authorityConstraints('burrow'), {
    dns: ['burrow.lan', 'localhost'],
    ipRanges: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', '127.0.0.0/8', 'fc00::/7', '::1/128'],
  });
  t.deepEqual(authorityConstraints('Den.example.com').dns, ['burrow.lan', 'den.lan', 'localhost']);
  t.deepEqual(authorityConstraints('dev').dns, ['burrow.lan', 'dev.lan', 'localhost']);
  t.deepEqual(authorityConstraints('bad_name').dns, ['burrow.lan', 'localhost']);
});

test('dNSName subtrees: a base permits itself and any name ending in .base, and nothing that merely ends alike', (t) => {
  t.true(dnsInSubtree('lan', 'lan'));
  t.true(dnsInSubtree('burrow.lan', 'lan'));
  t.true(dnsInSubtree('a.b.LAN', 'lan'));
  t.true(dnsInSubtree('burrow.lan.', 'lan'), 'a trailing dot is the same name');
  t.false(dnsInSubtree('evillan', 'lan'));
  t.false(dnsInSubtree('lan.example.com', 'lan'));
  t.false(dnsInSubtree('home.arpa.evil', 'home.arpa'));
  t.true(dnsInSubtree('x.home.arpa', 'home.arpa'));
  t.false(dnsInSubtree('lan', '.lan'), 'a leading dot permits subdomains only');
  t.true(dnsInSubtree('x.lan', '.lan'));
  t.true(dnsInSubtree('example.com', ''), 'an empty base permits every name');
});

test('splitByConstraints keeps covered names and reports the rest, names first then addresses', (t) => {
  const names = routerNames('den', [
    '192.168.1.1',
    '100.72.0.5',
    '8.8.8.8',
    'fd12::1',
    '2001:db8::1',
    '127.0.0.1',
    '::1',
  ]);
  const { covered, uncovered } = splitByConstraints(names, authorityConstraints('burrow'));
  t.deepEqual(covered, {
    dns: ['burrow.lan', 'localhost'],
    ips: ['100.72.0.5', '127.0.0.1', '192.168.1.1', '::1', 'fd12::1'],
  });
  t.deepEqual(
    uncovered,
    ['den.lan', '8.8.8.8', '2001:db8::1'],
    'a CA made before a rename does not cover the new name',
  );
});

test('splitByConstraints: IPv4 ranges never cover IPv6 addresses, and a type with no subtree is unconstrained', (t) => {
  const names = { dns: ['example.com'], ips: ['10.1.1.1', 'fd00::1'] };
  t.deepEqual(splitByConstraints(names, { dns: ['lan'], ipRanges: ['10.0.0.0/8'] }), {
    covered: { dns: [], ips: ['10.1.1.1'] },
    uncovered: ['example.com', 'fd00::1'],
  });
  t.deepEqual(splitByConstraints(names, { dns: [], ipRanges: ['::/0'] }), {
    covered: { dns: ['example.com'], ips: ['fd00::1'] },
    uncovered: ['10.1.1.1'],
  });
});

test("isBuiltInName: the router's own names, the names below them and every address, nothing else", (t) => {
  const builtIn = ['gw.lan', 'burrow.lan', 'localhost'];
  for (const name of ['burrow.lan', 'GW.LAN.', 'www.burrow.lan', '*.burrow.lan', 'localhost', 'a.localhost']) {
    t.true(isBuiltInName(name, builtIn), name);
  }
  for (const name of ['', '192.168.1.1', '203.0.113.7', 'fd00::1', '[fd00::1]']) {
    t.true(isBuiltInName(name, builtIn), `address or nothing: ${name}`);
  }
  for (const name of ['*.lan', 'printer.lan', 'burrow.lan.example.com', 'notburrow.lan', 'router.example.net']) {
    t.false(isBuiltInName(name, builtIn), name);
  }
});
