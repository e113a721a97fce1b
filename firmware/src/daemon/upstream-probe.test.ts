import test from 'ava';
import { Endpoint } from '../io/endpoint.js';
import { answeredBetween, countersOf, endpointsDiffer } from './upstream-probe.js';

const peer = (endpoint: string | null, lastHandshake: string | null = null, rxBytes = 0) => ({
  publicKey: 'AAAA',
  endpoint,
  lastHandshake,
  rxBytes,
  txBytes: 0,
});

test('a newer handshake or more bytes received is an answer; nothing new is not', (t) => {
  const before = countersOf([peer('203.0.113.1:51820', '2026-12-02T06:00:00.000Z', 100)]);
  t.false(answeredBetween(before, before));
  t.true(answeredBetween(before, countersOf([peer('203.0.113.1:51820', '2026-12-02T06:00:00.000Z', 148)])));
  t.true(answeredBetween(before, countersOf([peer('203.0.113.1:51820', '2026-12-02T06:02:00.000Z', 100)])));
  t.false(answeredBetween(null, countersOf([peer(null)])), 'no handshake yet');
});

test('a name that now resolves elsewhere differs from where the engine sends; the same address does not', (t) => {
  const resolved = (address: string) => ({ endpoints: new Map([['AAAA', Endpoint.of(address, 51821)]]), problems: [] });
  t.false(endpointsDiffer(resolved('203.0.113.2'), [peer('203.0.113.2:51821')]));
  t.true(endpointsDiffer(resolved('203.0.113.9'), [peer('203.0.113.2:51821')]));
  t.true(endpointsDiffer(resolved('203.0.113.2'), [peer(null)]), 'the engine has no endpoint yet');
  t.false(endpointsDiffer(resolved('2001:db8::2'), [peer('[2001:db8::2]:51821')]));
});
