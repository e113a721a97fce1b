import test from 'ava';
import { readRouterInterfaces, readSelfTestReport } from './router-report.js';

test("the router's interfaces from a status report, with odd entries left out", (t) => {
  const report = {
    interfaces: [
      {
        name: 'wan0',
        kind: 'veth',
        role: 'wan',
        up: true,
        mac: 'e2:ce:78:0a:78:6b',
        mtu: 1500,
        addresses: [{ family: 'ipv4', address: '198.51.100.2', prefixLength: 24 }, { family: 'x' }],
        rxBytes: 10,
        txBytes: 20,
        rxPackets: 1,
        txPackets: 2,
        rxErrors: 0,
        txErrors: -1,
      },
      { name: 'odd', role: 'router', up: 'yes' },
      { role: 'wan' },
      'x',
    ],
  };
  t.deepEqual(readRouterInterfaces(report), [
    {
      name: 'wan0',
      role: 'wan',
      mac: 'e2:ce:78:0a:78:6b',
      mtu: 1500,
      up: true,
      addresses: [{ family: 'ipv4', address: '198.51.100.2', prefixLength: 24 }],
      counters: { rxBytes: 10, txBytes: 20, rxPackets: 1, txPackets: 2, rxErrors: 0, txErrors: 0 },
    },
    {
      name: 'odd',
      role: 'other',
      mac: null,
      mtu: 0,
      up: false,
      addresses: [],
      counters: { rxBytes: 0, txBytes: 0, rxPackets: 0, txPackets: 0, rxErrors: 0, txErrors: 0 },
    },
  ]);
});

test('a report without interfaces (an older burrowd, or none at all) reads as null', (t) => {
  t.is(readRouterInterfaces(null), null);
  t.is(readRouterInterfaces({ interfaces: null }), null);
  t.deepEqual(readRouterInterfaces({ interfaces: [] }), []);
});

test('self-test checks from a selfTest answer', (t) => {
  t.deepEqual(
    readSelfTestReport({
      checks: [
        { name: 'ruleset', pass: true, details: 'loaded' },
        { name: 'ipv6', pass: false },
        { name: 'dns', pass: 'yes' },
      ],
    }),
    [
      { name: 'ruleset', pass: true, details: 'loaded' },
      { name: 'ipv6', pass: false, details: '' },
    ],
  );
  t.is(readSelfTestReport('pong'), null);
});
